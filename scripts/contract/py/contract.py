"""Contract check in Python: calls the five Groups operations against a Prism mock
of the spec through the client that openapi-python-client generates from it
(.tools/gen/py/tallyfy_groups_py, made by scripts/contract/run.sh clients).

Each call must answer a success status, parse into the generated model, carry no
`sl-violations` header (Prism's report that the request or its own example response
breaks the spec), and hold the types the spec promises (the generated parsers do not
check scalar types themselves).

Run by run.sh with PRISM_URL set and .tools/gen/py on PYTHONPATH.
"""

from __future__ import annotations

import datetime
import os
import sys
from http import HTTPStatus

from tallyfy_groups_py import AuthenticatedClient
from tallyfy_groups_py.api.groups import create_group, delete_group, get_group, list_groups, update_group
from tallyfy_groups_py.models import (
    CreateGroupRequest,
    GetGroupWith,
    Group,
    GroupList,
    GroupResponse,
    # PageLinks is a nullable object, so openapi-python-client names the object
    # alternative of `PageLinks | None` PageLinksType0.
    PageLinksType0,
    SortBy,
    UpdateGroupRequest,
)
from tallyfy_groups_py.types import UNSET, Response, Unset

ORG = "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d"
GROUP = "53a4560dc877f9b4f709f97630efbb5a"


class ContractError(AssertionError):
    pass


def check(condition: bool, where: str, what: str) -> None:
    if not condition:
        raise ContractError(f"{where}: {what}")


def expect(response: Response, where: str, *statuses: HTTPStatus, prefer: str | None = None) -> None:
    violations = response.headers.get("sl-violations")
    check(violations is None, where, f"Prism reports spec violations: {violations}")
    check(
        response.status_code in statuses,
        where,
        f"status {int(response.status_code)}, expected {' or '.join(str(int(s)) for s in statuses)}: "
        f"{response.content[:300]!r}",
    )
    note = f" (Prefer: {prefer})" if prefer else ""
    print(f"  {where:<28} -> {int(response.status_code)}{note}")


def check_group(group: object, where: str) -> Group:
    check(isinstance(group, Group), where, f"not a Group but {type(group).__name__}")
    assert isinstance(group, Group)
    check(isinstance(group.id, str) and group.id != "", where, "id is not a non-empty string")
    check(isinstance(group.name, str), where, f"name is not a string: {group.name!r}")
    for key in ("description", "logo"):
        value = getattr(group, key)
        check(value is None or isinstance(value, (str, Unset)), where, f"{key} is not a string or null: {value!r}")
    for key in ("created_at", "last_updated", "updated_at", "deleted_at"):
        value = getattr(group, key)
        check(
            value is None or isinstance(value, (datetime.datetime, Unset)),
            where,
            f"{key} is not a date-time: {value!r}",
        )
    if not isinstance(group.members, Unset):
        for member in group.members:
            check(isinstance(member, (int, str)) and not isinstance(member, bool), where, f"bad member id {member!r}")
    if not isinstance(group.guests, Unset):
        for guest in group.guests:
            check(isinstance(guest, str), where, f"bad guest {guest!r}")
    return group


def check_group_response(parsed: object, where: str) -> Group:
    check(isinstance(parsed, GroupResponse), where, f"not a GroupResponse but {type(parsed).__name__}")
    assert isinstance(parsed, GroupResponse)
    return check_group(parsed.data, where)


def main() -> int:
    base_url = os.environ.get("PRISM_URL")
    if not base_url:
        print("PRISM_URL is not set (run this through scripts/contract/run.sh clients)", file=sys.stderr)
        return 2
    token = os.environ.get("CONTRACT_TOKEN", "contract-dummy-token")

    def make_client(prefer: str | None = None) -> AuthenticatedClient:
        # A fresh client per Prefer value: the generated `with_headers` also changes
        # the headers of the original client once its httpx client exists.
        headers = {"Accept": "application/json", "X-Tallyfy-Client": "APIClient"}
        if prefer is not None:
            headers["Prefer"] = prefer
        return AuthenticatedClient(base_url=base_url, token=token, headers=headers, raise_on_unexpected_status=True)

    client = make_client()
    print(f"Python contract check against {base_url}")

    with client:
        # list, with every query parameter
        r = list_groups.sync_detailed(
            ORG, client=client, q="sales", per_page=25, page=1, sort_by=SortBy.NAME, with_="assets,users"
        )
        expect(r, "listGroups", HTTPStatus.OK)
        check(isinstance(r.parsed, GroupList), "listGroups", "not a GroupList")
        assert isinstance(r.parsed, GroupList)
        for i, g in enumerate(r.parsed.data):
            check_group(g, f"listGroups data[{i}]")
        meta = r.parsed.meta
        check(not isinstance(meta, Unset) and not isinstance(meta.pagination, Unset), "listGroups", "no pagination")
        assert not isinstance(meta, Unset) and not isinstance(meta.pagination, Unset)
        check(isinstance(meta.pagination.links, PageLinksType0), "listGroups", "links is not an object")

        # list, the example whose `links` is PHP's empty array
        prefer = "example=emptyLinksArray"
        r = list_groups.sync_detailed(ORG, client=make_client(prefer))
        expect(r, "listGroups emptyLinksArray", HTTPStatus.OK, prefer=prefer)
        assert isinstance(r.parsed, GroupList)
        for i, g in enumerate(r.parsed.data):
            check_group(g, f"listGroups emptyLinksArray data[{i}]")
        links = UNSET
        if not isinstance(r.parsed.meta, Unset) and not isinstance(r.parsed.meta.pagination, Unset):
            links = r.parsed.meta.pagination.links
        check(links == [], "listGroups emptyLinksArray", f"links should be an empty list, not {links!r}")

        # list, the example whose `links` is null (PageLinks' null, told apart from missing)
        prefer = "example=nullLinks"
        r = list_groups.sync_detailed(ORG, client=make_client(prefer))
        expect(r, "listGroups nullLinks", HTTPStatus.OK, prefer=prefer)
        assert isinstance(r.parsed, GroupList)
        links = UNSET
        if not isinstance(r.parsed.meta, Unset) and not isinstance(r.parsed.meta.pagination, Unset):
            links = r.parsed.meta.pagination.links
        check(links is None, "listGroups nullLinks", f"links should be None, not {links!r}")

        # get, plain and with the logo asset
        r = get_group.sync_detailed(ORG, GROUP, client=client)
        expect(r, "getGroup", HTTPStatus.OK)
        got = check_group_response(r.parsed, "getGroup")
        check(got.id == GROUP, "getGroup", f"id {got.id}, expected {GROUP}")

        prefer = "example=withAssets"
        r = get_group.sync_detailed(
            ORG, GROUP, client=make_client(prefer), with_=GetGroupWith.ASSETS
        )
        expect(r, "getGroup withAssets", HTTPStatus.OK, prefer=prefer)
        check(not isinstance(check_group_response(r.parsed, "getGroup withAssets").assets, Unset),
              "getGroup withAssets", "assets is missing")

        # create
        body = CreateGroupRequest(
            name="Sales Team",
            description="Handles all sales inquiries.",
            members=[1001, 1005],
            guests=["client.a@example.com"],
        )
        r = create_group.sync_detailed(ORG, client=client, body=body)
        expect(r, "createGroup", HTTPStatus.CREATED)
        created = check_group_response(r.parsed, "createGroup")

        # update: the whole new field set; 200 (older docs) or 201 (current docs)
        changes = UpdateGroupRequest(
            name=created.name,
            description="Handles all sales inquiries and renewals.",
            members=[1001, 1005, 1007],
            guests=[] if isinstance(created.guests, Unset) else created.guests,
        )
        r = update_group.sync_detailed(ORG, created.id, client=client, body=changes)
        expect(r, "updateGroup", HTTPStatus.OK, HTTPStatus.CREATED)
        check_group_response(r.parsed, "updateGroup")
        prefer = "code=201"
        r = update_group.sync_detailed(ORG, created.id, client=make_client(prefer), body=changes)
        expect(r, "updateGroup 201", HTTPStatus.CREATED, prefer=prefer)
        check_group_response(r.parsed, "updateGroup 201")

        # delete: 204, no body
        r = delete_group.sync_detailed(ORG, created.id, client=client)
        expect(r, "deleteGroup", HTTPStatus.NO_CONTENT)
        check(r.content == b"", "deleteGroup", "204 came with a body")

        # The harness itself: Prism must flag a request that breaks the spec, or
        # the `sl-violations` checks above prove nothing.
        raw = client.get_httpx_client().post(
            f"/organizations/{ORG}/groups", json={"name": "Empty description", "description": ""}
        )
        check("sl-violations" in raw.headers, "harness", 'Prism did not flag a create with `"description": ""`')

    print("Python contract check: all five operations passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001 - report any failure as a contract failure
        print(f"Python contract check FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
