"""Stateful round trip in Python against the sandbox server (the
`tallyfy-groups-sandbox` binary), through the client that openapi-python-client
generates from the spec (.tools/gen/py/tallyfy_groups_py). Where contract.py checks
shapes against Prism, which remembers nothing, this checks that the operations fit
together: create, get, list every page, update, get, delete, then 404, and the
listing back to where it started.

Run by run.sh (stage `roundtrip`) with SANDBOX_URL, SANDBOX_ORG_ID, SANDBOX_SEED and
CONTRACT_TOKEN set, and .tools/gen/py on PYTHONPATH.
"""

from __future__ import annotations

import os
import sys
from http import HTTPStatus

from tallyfy_groups_py import AuthenticatedClient
from tallyfy_groups_py.api.groups import create_group, delete_group, get_group, list_groups, update_group
from tallyfy_groups_py.models import CreateGroupRequest, Group, GroupList, GroupResponse, PageLinksType0, UpdateGroupRequest
from tallyfy_groups_py.types import Response, Unset


class RoundTripError(AssertionError):
    pass


def check(condition: bool, where: str, what: str) -> None:
    if not condition:
        raise RoundTripError(f"{where}: {what}")


def expect(response: Response, where: str, *statuses: HTTPStatus) -> None:
    print(f"  {where:<28} -> {int(response.status_code)}")
    check(
        response.status_code in statuses,
        where,
        f"status {int(response.status_code)}, expected {' or '.join(str(int(s)) for s in statuses)}: "
        f"{response.content[:300]!r}",
    )


def group_of(response: Response, where: str) -> Group:
    check(isinstance(response.parsed, GroupResponse), where, f"not a GroupResponse: {response.content[:200]!r}")
    assert isinstance(response.parsed, GroupResponse)
    group = response.parsed.data
    check(isinstance(group.id, str) and group.id != "", where, "no id")
    return group


def members(group: Group) -> list[object]:
    return [] if isinstance(group.members, Unset) else list(group.members)


def list_all(client: AuthenticatedClient, org: str, per_page: int, where: str) -> tuple[list[str], int]:
    """Every page of the listing, following meta.pagination (at most 50 pages)."""
    ids: list[str] = []
    total = -1
    for page in range(1, 51):
        r = list_groups.sync_detailed(org, client=client, per_page=per_page, page=page)
        expect(r, f"{where} page {page}", HTTPStatus.OK)
        check(isinstance(r.parsed, GroupList), where, "not a GroupList")
        assert isinstance(r.parsed, GroupList)
        meta = r.parsed.meta
        check(not isinstance(meta, Unset) and not isinstance(meta.pagination, Unset), where, "no pagination")
        assert not isinstance(meta, Unset) and not isinstance(meta.pagination, Unset)
        p = meta.pagination
        check(p.current_page == page, where, f"current_page {p.current_page}, asked for {page}")
        check(p.count == len(r.parsed.data), where, f"count {p.count} but {len(r.parsed.data)} groups")
        if total == -1:
            check(isinstance(p.total, int), where, "no total")
            assert isinstance(p.total, int)
            total = p.total
        else:
            check(p.total == total, where, f"total changed from {total} to {p.total}")
        ids.extend(g.id for g in r.parsed.data)
        check(isinstance(p.total_pages, int), where, "no total_pages")
        assert isinstance(p.total_pages, int)
        links = p.links
        next_link = links.next_ if isinstance(links, PageLinksType0) else None
        if page >= p.total_pages:
            check(next_link is None or isinstance(next_link, Unset), where, "the last page links a next page")
            break
        check(isinstance(next_link, str), where, f"page {page} of {p.total_pages} has no next link")
    check(len(ids) == total, where, f"{len(ids)} groups on all pages, total says {total}")
    check(len(set(ids)) == len(ids), where, "a group appears on two pages")
    return ids, total


def main() -> int:
    base_url = os.environ.get("SANDBOX_URL")
    org = os.environ.get("SANDBOX_ORG_ID")
    seed = os.environ.get("SANDBOX_SEED")
    token = os.environ.get("CONTRACT_TOKEN")
    if not (base_url and org and seed and token):
        print("SANDBOX_URL, SANDBOX_ORG_ID, SANDBOX_SEED and CONTRACT_TOKEN must be set "
              "(run this through scripts/contract/run.sh roundtrip)", file=sys.stderr)
        return 2
    seed_count = int(seed)
    print(f"Python round trip against the sandbox server {base_url}")
    headers = {"Accept": "application/json", "X-Tallyfy-Client": "APIClient"}
    with AuthenticatedClient(base_url=base_url, token=token, headers=headers) as client:
        before, total = list_all(client, org, 10, "list before")
        check(total == seed_count, "list before", f"total {total}, expected the seed's {seed_count}")

        name = f"Round trip Python {os.getpid()}"
        body = CreateGroupRequest(
            name=name, description="Made by roundtrip.py.", members=[1001, 1005], guests=["roundtrip.py@example.com"]
        )
        r = create_group.sync_detailed(org, client=client, body=body)
        expect(r, "createGroup", HTTPStatus.CREATED)
        group = group_of(r, "createGroup")
        check(group.name == name, "createGroup", f"name {group.name!r}")

        r = get_group.sync_detailed(org, group.id, client=client)
        expect(r, "getGroup", HTTPStatus.OK)
        fetched = group_of(r, "getGroup")
        check(fetched.id == group.id and fetched.name == name, "getGroup", "not the group just created")
        check(fetched.description == "Made by roundtrip.py.", "getGroup", f"description {fetched.description!r}")
        check(members(fetched) == [1001, 1005], "getGroup", f"members {members(fetched)!r}")

        during, total = list_all(client, org, 10, "list after create")
        check(total == seed_count + 1, "list after create", f"total {total}, expected {seed_count + 1}")
        check(during.count(group.id) == 1, "list after create", "the new group is not listed once")

        changes = UpdateGroupRequest(
            name=f"{name} (renamed)", description="Changed by roundtrip.py.", members=[1007], guests=[]
        )
        r = update_group.sync_detailed(org, group.id, client=client, body=changes)
        expect(r, "updateGroup", HTTPStatus.OK, HTTPStatus.CREATED)
        check(group_of(r, "updateGroup").name == changes.name, "updateGroup", "the answer has the old name")
        r = get_group.sync_detailed(org, group.id, client=client)
        expect(r, "getGroup after update", HTTPStatus.OK)
        reread = group_of(r, "getGroup after update")
        check(reread.name == changes.name and reread.description == changes.description,
              "getGroup after update", "the change did not last")
        guests = [] if isinstance(reread.guests, Unset) else reread.guests
        check(members(reread) == [1007] and guests == [], "getGroup after update", "members/guests not replaced")

        r = delete_group.sync_detailed(org, group.id, client=client)
        expect(r, "deleteGroup", HTTPStatus.NO_CONTENT)
        check(r.content == b"", "deleteGroup", "204 came with a body")

        r = get_group.sync_detailed(org, group.id, client=client)
        expect(r, "getGroup after delete", HTTPStatus.NOT_FOUND)
        check(b"RESOURCE_NOT_FOUND" in r.content, "getGroup after delete", f"body {r.content[:200]!r}")
        r = delete_group.sync_detailed(org, group.id, client=client)
        expect(r, "deleteGroup again", HTTPStatus.NOT_FOUND)

        after, total = list_all(client, org, 7, "list after delete")
        check(total == seed_count, "list after delete", f"total {total}, expected {seed_count}")
        check(group.id not in after, "list after delete", "the deleted group is still listed")
        check(after == before, "list after delete", "the listing differs from before")

    print("Python round trip: create, get, list, update, delete, 404 passed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as error:  # noqa: BLE001 - report any failure as a round-trip failure
        print(f"Python round trip FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
