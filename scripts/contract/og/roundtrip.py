"""Round trip through the Python client that openapi-generator (`-g python`) generates
from the spec (.tools/gen/og-python, made by scripts/contract/generators.sh).

Proves that the generated client can drive the API the spec describes: every page of
a listing (following `meta.pagination` until it ends), get, create, update (200 and
201), delete, and, against Prism, each documented `links` form and each error shape
decoded into the generated `ErrorBody`.

Environment:
  CONTRACT_BASE_URL  the server (one variable: Prism today, the sandbox server later)
  CONTRACT_TARGET    `prism` (default): also asks for named examples and error statuses
                     with Prism's `Prefer` header; anything else: only what a real
                     server answers (a get after the delete must be a decoded 404)
  CONTRACT_TOKEN     the bearer token (a dummy)
"""

from __future__ import annotations

import os
import sys

from tallyfy_groups_og import ApiClient, Configuration, GroupsApi
from tallyfy_groups_og.exceptions import ApiException
from tallyfy_groups_og.models import (
    CreateGroupRequest,
    ErrorBody,
    ErrorDetail,
    Group,
    GroupList,
    GroupResponse,
    PageLinks,
    RequestMemberId,
    UpdateGroupRequest,
)

ORG = os.environ.get("CONTRACT_ORG", "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d")
GROUP = "53a4560dc877f9b4f709f97630efbb5a"
MAX_PAGES = 100  # bound on the listing loop
PRISM = os.environ.get("CONTRACT_TARGET", "prism") == "prism"


class ContractError(AssertionError):
    pass


def check(condition: object, where: str, what: str) -> None:
    if not condition:
        raise ContractError(f"{where}: {what}")


def headers(prefer: str | None = None) -> dict[str, str]:
    out = {"Accept": "application/json"}
    if prefer:
        out["Prefer"] = prefer
    return out


def ok(call, where: str, *statuses: int):
    """Makes the `*_with_http_info` call: it must decode, answer a success status, and
    carry no `sl-violations` header (Prism's report that the request, or its own
    answer, breaks the spec). Returns the decoded body."""
    try:
        response = call()
    except ApiException as error:
        raise ContractError(f"{where}: status {error.status}, expected {statuses}: {error.body!r}") from error
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        raise ContractError(f"{where}: the answer does not decode: {' '.join(str(error).split())}") from error
    violations = (response.headers or {}).get("sl-violations")
    check(violations is None, where, f"Prism reports spec violations: {violations}")
    check(response.status_code in statuses, where, f"status {response.status_code}, expected {statuses}")
    return response.data


def check_group(group: object, where: str) -> Group:
    check(isinstance(group, Group), where, f"not a Group but {type(group).__name__}")
    assert isinstance(group, Group)
    check(isinstance(group.id, str) and group.id, where, "id is not a non-empty string")
    check(isinstance(group.name, str), where, f"name is not a string: {group.name!r}")
    for member in group.members or []:
        value = member.actual_instance
        check(isinstance(value, (int, str)) and not isinstance(value, bool), where, f"bad member id {value!r}")
    return group


def links_kind(pagination: object, where: str) -> tuple[str, str | None]:
    """The form `links` took ("object", "array", "null" or "missing") and its next URL."""
    links = getattr(pagination, "links", None)
    if links is None:
        # The generated model maps both a JSON null and a missing key to None.
        return ("missing-or-null", None)
    inner = links.actual_instance
    if isinstance(inner, PageLinks):
        for value in (inner.previous, inner.next):
            check(value is None or isinstance(value, str), where, f"a page link is {value!r}")
        return ("object", inner.next)
    check(isinstance(inner, list) and not inner, where, f"links is neither an object nor []: {inner!r}")
    return ("array", None)


def list_all(api: GroupsApi) -> list[Group]:
    """Every page: next while current_page < total_pages, or while links.next exists
    where total_pages is missing. Bounded by MAX_PAGES."""
    groups: list[Group] = []
    page = 1
    for _ in range(MAX_PAGES):
        where = f"listGroups page {page}"
        body = ok(lambda: api.list_groups_with_http_info(ORG, page=page, per_page=100, sort_by="name", _headers=headers()), where, 200)
        check(isinstance(body, GroupList), where, f"not a GroupList: {type(body).__name__}")
        groups += [check_group(g, f"{where} data[{i}]") for i, g in enumerate(body.data)]
        pagination = body.meta.pagination if body.meta is not None else None
        check(pagination is not None, where, "meta.pagination is missing")
        _, next_url = links_kind(pagination, where)
        if pagination.total_pages is not None:
            more = (pagination.current_page or page) < pagination.total_pages
        else:
            more = next_url is not None
        print(f"  listGroups page {page}: {len(body.data)} groups, more: {more}")
        if not more:
            if pagination.total is not None:
                check(len(groups) == pagination.total, where, f"{len(groups)} groups listed, total says {pagination.total}")
            return groups
        page += 1
    raise ContractError(f"listGroups: more than {MAX_PAGES} pages")


def links_forms(api: GroupsApi) -> None:
    """Each named listGroups example decodes, with `links` in its documented form."""
    for example, want in (("docs", "object"), ("emptyLinksArray", "array"), ("nullLinks", "missing-or-null")):
        where = f"listGroups example={example}"
        body = ok(lambda: api.list_groups_with_http_info(ORG, _headers=headers(f"example={example}")), where, 200)
        got, _ = links_kind(body.meta.pagination, where)
        check(got == want, where, f"links decoded as {got}, expected {want}")
        print(f"  {where}: links {got}")


# Error shapes: (status, Prism `Prefer`, check of the decoded ErrorBody).
def _flag(kind: type):
    return lambda e: isinstance(e.error.actual_instance if e.error is not None else None, kind)


ERRORS = [
    (400, "code=400", _flag(str)),
    (401, "code=401", _flag(str)),
    (403, "code=403", lambda e: _flag(ErrorDetail)(e) and e.error.actual_instance.code == "SEAT_POOL_EXHAUSTED"),
    (404, "code=404", lambda e: _flag(bool)(e) and e.code == "RESOURCE_NOT_FOUND" and e.message),
    (422, "code=422, example=laravel", lambda e: e.error is None and e.message and "description" in (e.errors or {})),
    (422, "code=422, example=flagged", lambda e: _flag(bool)(e) and e.message is None and "name" in (e.errors or {})),
    (429, "code=429", lambda e: e.code == "RATE_LIMIT_EXCEEDED"),
    (500, "code=500", lambda e: _flag(bool)(e) and e.message == "Server error"),
    (502, "code=502", _flag(bool)),
    (503, "code=503", _flag(bool)),
]


def expect_error(call, status: int, where: str, shape) -> None:
    try:
        call()
    except ApiException as error:
        check(error.status == status, where, f"status {error.status}, expected {status}")
        check(isinstance(error.data, ErrorBody), where, f"error body not decoded into ErrorBody: {error.body!r}")
        check(shape(error.data), where, f"ErrorBody has the wrong shape: {error.data!r}")
        print(f"  {where}: {status} decoded")
        return
    raise ContractError(f"{where}: succeeded, expected {status}")


def main() -> int:
    base_url = os.environ.get("CONTRACT_BASE_URL")
    if not base_url:
        print("CONTRACT_BASE_URL is not set (run this through scripts/contract/generators.sh)", file=sys.stderr)
        return 2
    config = Configuration(host=base_url, access_token=os.environ.get("CONTRACT_TOKEN", "contract-dummy-token"))
    # urllib3, under the generated client, retries a 429 or 503 that carries Retry-After
    # by default; every answer must reach the checks below exactly once.
    config.retries = False
    print(f"openapi-generator python round trip against {base_url} ({'Prism' if PRISM else 'server'})")
    with ApiClient(config, header_name="X-Tallyfy-Client", header_value="APIClient") as client:
        api = GroupsApi(client)
        try:
            listed = list_all(api)
            if PRISM:
                links_forms(api)
            target = listed[0].id if listed else GROUP
            got = ok(lambda: api.get_group_with_http_info(ORG, target, _headers=headers()), "getGroup", 200)
            check(isinstance(got, GroupResponse), "getGroup", "not a GroupResponse")
            check_group(got.data, "getGroup")
            if PRISM:
                where = "getGroup withAssets"
                assets = ok(lambda: api.get_group_with_http_info(ORG, GROUP, var_with="assets", _headers=headers("example=withAssets")), where, 200)
                check(check_group(assets.data, where).assets is not None, where, "no assets")

            new = CreateGroupRequest(name="Contract round trip", description="Made by og/roundtrip.py.", members=[RequestMemberId(1001)], guests=[])
            created = check_group(ok(lambda: api.create_group_with_http_info(ORG, new, _headers=headers()), "createGroup", 201).data, "createGroup")
            # Request ids are RequestMemberId (integer or digit string): the generator
            # wraps the oneOf in a model; send one of each form.
            changes = UpdateGroupRequest(name=created.name, description="Updated.", members=[RequestMemberId(1001), RequestMemberId("1005")], guests=[])
            # update answers 200 (older docs) or 201 (current docs).
            check_group(ok(lambda: api.update_group_with_http_info(ORG, created.id, changes, _headers=headers()), "updateGroup", 200, 201).data, "updateGroup")
            if PRISM:
                again = ok(lambda: api.update_group_with_http_info(ORG, created.id, changes, _headers=headers("code=201")), "updateGroup 201", 201)
                check_group(again.data, "updateGroup 201")
            ok(lambda: api.delete_group_with_http_info(ORG, created.id, _headers=headers()), "deleteGroup", 200, 204)
            print(f"  create, update, delete: {created.id}")

            if PRISM:
                for status, prefer, shape in ERRORS:
                    expect_error(lambda p=prefer: api.get_group(ORG, GROUP, _headers=headers(p)), status, f"getGroup {prefer}", shape)
            else:
                expect_error(lambda: api.get_group(ORG, created.id, _headers=headers()), 404, "getGroup after delete", lambda e: True)
        except Exception as error:  # noqa: BLE001 - any failure is reported in one line
            what = str(error) if isinstance(error, ContractError) else f"{type(error).__name__}: {error}"
            print(f"openapi-generator python round trip FAILED: {what}", file=sys.stderr)
            return 1
    print("openapi-generator python round trip: all five operations passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
