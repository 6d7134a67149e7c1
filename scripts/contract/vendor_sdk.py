"""Vendor check: Tallyfy's own Python SDK (PyPI `tallyfy==3.1.0`, installed into
.tools/venv from requirements.txt) driven at a static Prism mock of the spec.

The SDK is used as its users use it: `TallyfySDK(api_key=..., base_url=...)` and
its `groups` manager. Only the base URL points elsewhere, and it is derived
honestly: the SDK's default base URL must be one of the spec's `servers`, and the
Prism URL takes that server's place, plus the server's path prefix (none for
`https://api.tallyfy.com`, the server the SDK talks to).

Calls: `get_groups` with every parameter it has (one page by number, and its
walk over every page), `get_groups` with its defaults, the walk past page 1 (with
`Prefer: example=emptyLinksArray`, the one example with `total_pages: 3`; static
Prism answers it to every page, so the SDK must then refuse the short list),
`get_group` plain and `with_data="assets"`, `create_group` with and without a
description, `update_group` (which fetches the group and writes back what the get
returned, member ids included) with and without explicit fields, and
`delete_group`. The SDK is built with every default but the base URL, so it sends
its own headers (`X-Tallyfy-Client: TallyfySDK`, `Content-Type: application/json`
on every request).

Every request the SDK sends is recorded through a response hook on the SDK's own
`requests` session. A call fails when Prism flags one of its requests (an
`sl-violations` header, which static Prism also uses for a request that breaks the
spec, with a 422), when a request gets a non-2xx status, when the SDK raises, or
when the SDK hands back something other than what the call promises. Prism's log
must show exactly the requests that were recorded, so nothing bypassed the hook.
Finally a deliberately bad request on the same session must be flagged, or the
checks above prove nothing.

    PRISM_URL=... PRISM_LOG=... python vendor_sdk.py SPEC     (run.sh vendor does this)

Prints one line per call; on failure one `vendor SDK check FAILED: ...` line per
problem on stderr, and exits 1.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import tallyfy
import yaml
from tallyfy import Group, TallyfySDK

ORG = "3b0a9d1c2e4f5a6b7c8d9e0f1a2b3c4d"
GROUP = "53a4560dc877f9b4f709f97630efbb5a"
PREFIX = "vendor SDK check FAILED: "


@dataclass
class Exchange:
    """One request the SDK sent and what Prism answered."""

    call: str
    method: str
    target: str  # path and query, as sent
    path: str  # path only, as Prism logs it
    body: Any  # the JSON body, or None
    status: int
    violations: list[str]
    answer: str  # the first bytes of the answer, for non-2xx statuses
    reply: Any  # the answer's JSON, or None


@dataclass
class Recorder:
    """A `requests` response hook that records every exchange of the SDK's session."""

    current: str = "(setup)"
    exchanges: list[Exchange] = field(default_factory=list)

    def hook(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> requests.Response:
        request = response.request
        url = urllib.parse.urlsplit(request.url or "")
        target = url.path + (f"?{url.query}" if url.query else "")
        body: Any = None
        if request.body:
            raw = request.body if isinstance(request.body, bytes) else str(request.body).encode()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", errors="replace")
        answer = ""
        if not response.ok:
            answer = response.content[:300].decode("utf-8", errors="replace")
        try:
            reply = response.json() if response.content else None
        except ValueError:
            reply = None
        self.exchanges.append(
            Exchange(
                call=self.current,
                method=(request.method or "").upper(),
                target=target,
                path=url.path,
                body=body,
                status=response.status_code,
                violations=parse_violations(response.headers.get("sl-violations")),
                answer=answer,
                reply=reply,
            )
        )
        return response


@dataclass
class Call:
    """One SDK call. `check` gets what it returned and the exchanges it made, and
    answers a problem or None. `prefer` is sent as Prism's `Prefer` header for this
    call only. `refusal`, where set, is a regex the SDK's error must match: the call
    is expected to raise, for a reason the mock's example forces."""

    label: str
    run: Callable[[], Any]
    check: Callable[[Any, list[Exchange]], str | None]
    prefer: str | None = None
    refusal: str | None = None


def parse_violations(header: str | None) -> list[str]:
    """Prism's `sl-violations` header as `location: message` lines."""
    if header is None:
        return []
    try:
        items = json.loads(header)
    except ValueError:
        return [f"(unparsed sl-violations header) {header}"]
    if not isinstance(items, list):
        return [f"(unparsed sl-violations header) {header}"]
    out = []
    for item in items:
        if isinstance(item, dict):
            location = ".".join(str(part) for part in item.get("location", []))
            out.append(f"{location}: {item.get('message', item)}")
        else:
            out.append(str(item))
    return out


def short(target: str) -> str:
    return target.replace(ORG, "{org}").replace(GROUP, "{group}")


def base_url_for(spec_path: str, prism_url: str) -> tuple[str, str]:
    """The base URL to give the SDK, and the spec server whose place Prism takes."""
    default = inspect.signature(TallyfySDK.__init__).parameters["base_url"].default
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    servers = [str(s.get("url", "")).rstrip("/") for s in spec.get("servers", []) if isinstance(s, dict)]
    if default.rstrip("/") not in servers:
        raise SystemExit(
            f"{PREFIX}the SDK's default base URL {default} is none of the spec's servers "
            f"({', '.join(servers) or 'none'}): the spec does not describe the API this SDK talks to"
        )
    prefix = urllib.parse.urlsplit(default).path.rstrip("/")
    return prism_url.rstrip("/") + prefix, default


def groups_of(result: Any, where: str) -> str | None:
    if not isinstance(result, list):
        return f"{where}: returned {type(result).__name__}, not a list of groups"
    if not result:
        return f"{where}: returned no groups (the spec's example has one)"
    for i, g in enumerate(result):
        problem = group_problem(g, f"{where}[{i}]")
        if problem:
            return problem
    return None


def group_problem(g: Any, where: str, want_id: str | None = None) -> str | None:
    if not isinstance(g, Group):
        return f"{where}: returned {type(g).__name__}, not a Group"
    if not isinstance(g.id, str) or not g.id:
        return f"{where}: the group has no id"
    if want_id is not None and g.id != want_id:
        return f"{where}: id {g.id!r}, expected {want_id!r}"
    if not isinstance(g.name, str) or not g.name:
        return f"{where}: the group has no name"
    for m in g.members:
        if isinstance(m, bool) or not isinstance(m, (int, str)):
            return f"{where}: member id {m!r} is neither an integer nor a string"
    return None


def prism_log_requests(log_path: str, want: int) -> list[tuple[str, str, list[str]]]:
    """The requests Prism logged, in order: (METHOD, path, violations). Waits up to
    5 s for `want` of them, since Prism writes its log after it answers."""
    received = re.compile(r"\[HTTP SERVER\] (\w+) (\S+) .*Request received")
    violation = re.compile(r"Violation: (\S+) (.*)$")
    deadline = time.monotonic() + 5
    while True:
        seen: list[tuple[str, str, list[str]]] = []
        with open(log_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = received.search(line)
                if m:
                    seen.append((m.group(1).upper(), m.group(2), []))
                    continue
                m = violation.search(line)
                if m and seen:
                    seen[-1][2].append(f"{m.group(1)}: {m.group(2)}")
        if len(seen) >= want or time.monotonic() > deadline:
            return seen
        time.sleep(0.1)


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: vendor_sdk.py SPEC (with PRISM_URL and PRISM_LOG set; see run.sh vendor)", file=sys.stderr)
        return 2
    spec_path = sys.argv[1]
    prism_url = os.environ.get("PRISM_URL")
    prism_log = os.environ.get("PRISM_LOG")
    if not prism_url or not prism_log:
        print("PRISM_URL and PRISM_LOG must be set (run this through scripts/contract/run.sh vendor)", file=sys.stderr)
        return 2
    token = os.environ.get("CONTRACT_TOKEN", "contract-dummy-token")

    base_url, server = base_url_for(spec_path, prism_url)
    # As a user constructs it; every other argument keeps the SDK's default.
    sdk = TallyfySDK(api_key=token, base_url=base_url)
    recorder = Recorder()
    sdk.session.hooks["response"].append(recorder.hook)
    print(
        f"Tallyfy Python SDK {tallyfy.__version__} (requests {requests.__version__}) against {base_url} "
        f"(in place of the spec's server {server})"
    )

    echoed: dict[str, Any] = {}

    def update_echo_check(result: Any, mine: list[Exchange]) -> str | None:
        problem = group_problem(result, "update_group(name)", GROUP)
        if problem:
            return problem
        methods = [e.method for e in mine]
        if methods != ["GET", "PUT"]:
            return f"update_group(name): expected a GET then a PUT, saw {methods}"
        put = mine[1].body
        got = mine[0].reply
        echoed["get"] = (
            got["data"].get("members") if isinstance(got, dict) and isinstance(got.get("data"), dict) else None
        )
        echoed["put"] = put.get("members") if isinstance(put, dict) else None
        return None

    def walk_check(_result: Any, mine: list[Exchange]) -> str | None:
        pages = [urllib.parse.parse_qs(urllib.parse.urlsplit(e.target).query).get("page") for e in mine]
        if pages != [["1"], ["2"], ["3"]]:
            return f"get_groups(walk over 3 pages): expected pages 1, 2, 3, saw {pages}"
        return None

    calls = [
        Call(
            "get_groups(page=2, every parameter)",
            lambda: sdk.groups.get_groups(
                ORG, page=2, per_page=25, q="sales team", sort_by="name", sort="desc", with_data="assets,users"
            ),
            lambda r, _: groups_of(r, "get_groups(page=2)"),
        ),
        Call(
            "get_groups(walk, every filter)",
            lambda: sdk.groups.get_groups(
                ORG, per_page=25, q="sales team", sort_by="created_at", sort="asc", with_data="users,guests"
            ),
            lambda r, _: groups_of(r, "get_groups(walk)"),
        ),
        Call(
            "get_groups(defaults)",
            lambda: sdk.groups.get_groups(ORG),
            lambda r, _: groups_of(r, "get_groups(defaults)"),
        ),
        # The walk past page 1: this example says `total_pages: 3`, `total: 21`, and
        # static Prism answers it to every page, so the SDK asks for pages 2 and 3 and
        # then (rightly) refuses 3 groups where 21 were announced.
        Call(
            "get_groups(walk over 3 pages)",
            lambda: sdk.groups.get_groups(ORG, per_page=10, q="sales", sort_by="name", sort="asc"),
            walk_check,
            prefer="example=emptyLinksArray",
            refusal=r"reports 21 groups but only 3 were retrieved across 3 page",
        ),
        Call(
            "get_group",
            lambda: sdk.groups.get_group(ORG, GROUP),
            lambda r, _: group_problem(r, "get_group", GROUP),
        ),
        Call(
            "get_group(with_data=assets)",
            lambda: sdk.groups.get_group(ORG, GROUP, with_data="assets"),
            lambda r, _: group_problem(r, "get_group(with_data=assets)", GROUP),
        ),
        Call(
            "create_group(description)",
            lambda: sdk.groups.create_group(
                ORG,
                "Sales Team",
                description="Handles all sales inquiries.",
                members=[1001, 1005],
                guests=["client.a@example.com"],
            ),
            lambda r, _: group_problem(r, "create_group(description)"),
        ),
        Call(
            "create_group(no description)",
            lambda: sdk.groups.create_group(ORG, "Support", members=[1001], guests=["client.a@example.com"]),
            lambda r, _: group_problem(r, "create_group(no description)"),
        ),
        Call(
            "update_group(name)",
            lambda: sdk.groups.update_group(ORG, GROUP, name="Sales Team EMEA"),
            update_echo_check,
        ),
        Call(
            "update_group(every field)",
            lambda: sdk.groups.update_group(
                ORG,
                GROUP,
                name="Sales Team",
                description="Handles all sales inquiries and renewals.",
                members=[1001, 1005, 1007],
                guests=[],
            ),
            lambda r, _: group_problem(r, "update_group(every field)", GROUP),
        ),
        Call(
            "delete_group",
            lambda: sdk.groups.delete_group(ORG, GROUP),
            lambda r, _: None if r is True else f"delete_group: returned {r!r}, not True",
        ),
    ]

    failures: list[str] = []
    for c in calls:
        label = c.label + (f" [Prefer: {c.prefer}]" if c.prefer else "")
        recorder.current = label
        first = len(recorder.exchanges)
        problems: list[str] = []
        result: Any = None
        raised: BaseException | None = None
        if c.prefer:
            sdk.session.headers["Prefer"] = c.prefer
        try:
            result = c.run()
        except Exception as error:  # noqa: BLE001 - any raise of the SDK is a finding
            raised = error
        finally:
            sdk.session.headers.pop("Prefer", None)
        mine = recorder.exchanges[first:]
        for e in mine:
            where = f"{label}: {e.method} {short(e.target)} -> {e.status}"
            for v in e.violations:
                problems.append(f"{where}: Prism: {v}")
            if not 200 <= e.status < 300 and not e.violations:
                problems.append(f"{where}: {e.answer}")
        error_text = "" if raised is None else f"{type(raised).__name__}: {' '.join(str(raised).split())}"
        if c.refusal is not None and (raised is None or not re.search(c.refusal, error_text)):
            problems.append(
                f"{label}: expected the SDK to raise /{c.refusal}/, but it "
                + (f"raised {error_text}" if raised is not None else f"returned {result!r}")
            )
        elif c.refusal is None and raised is not None:
            problems.append(f"{label}: the SDK raised {error_text}")
        if not mine:
            problems.append(f"{label}: the SDK sent no request")
        elif not problems:
            problem = c.check(result, mine)
            if problem:
                problems.append(problem)
        if problems:
            failures.extend(problems)
            print(f"  FAILED {label}")
            continue
        sent = ", ".join(
            f"{e.method} {short(e.target)}"
            + (f" {json.dumps(e.body, separators=(',', ':'))}" if e.body is not None else "")
            + f" -> {e.status}"
            for e in mine
        )
        print(f"  ok  {label:<38} {sent}")
        if c.refusal is not None:
            print(f"        and the SDK raised, as expected: {error_text}")

    if echoed:
        print(
            f"  note: update_group(name) wrote back the member ids as its get returned them: "
            f"get {echoed['get']!r} -> put {echoed['put']!r}"
        )

    # The harness: the same session must get a request that breaks the spec flagged,
    # or an empty sl-violations above proves nothing.
    recorder.current = "harness"
    sdk.session.put(
        f"{base_url}/organizations/{ORG}/groups/{GROUP}",
        json={"name": "Harness", "members": ["not-a-number"], "guests": []},
        timeout=30,
    )
    harness = recorder.exchanges[-1]
    if harness.call != "harness" or harness.status != 422 or not harness.violations:
        failures.append(
            f'harness: Prism did not flag a PUT with members ["not-a-number"] '
            f"(status {harness.status}, violations {harness.violations})"
        )

    # Everything Prism saw went through the hook, and its log agrees on violations.
    logged = prism_log_requests(prism_log, len(recorder.exchanges))
    recorded = [(e.method, e.path) for e in recorder.exchanges]
    if [(m, p) for m, p, _ in logged] != recorded:
        failures.append(
            "Prism's log and the recorded requests differ: Prism saw "
            f"{[f'{m} {short(p)}' for m, p, _ in logged]}, the hook recorded {[f'{m} {short(p)}' for m, p in recorded]}"
        )
    else:
        for e, (_, _, log_violations) in zip(recorder.exchanges, logged):
            if e.call == "harness":
                continue
            header = set(e.violations)
            for v in log_violations:
                if v not in header:
                    failures.append(f"{e.call}: {e.method} {short(e.target)}: Prism's log (not its header): {v}")

    sdk.close()
    if failures:
        for f in failures:
            print(PREFIX + f, file=sys.stderr)
        print(f"{PREFIX}{len(failures)} problem(s) in {len(calls)} SDK calls", file=sys.stderr)
        return 1
    print(
        f"vendor SDK check: {len(calls)} SDK calls, {len(recorder.exchanges) - 1} requests, "
        "no violations (and the harness request was flagged)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
