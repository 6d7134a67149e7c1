"""Schemathesis hooks for scripts/contract/run.sh (loaded through SCHEMATHESIS_HOOKS).

One narrow allowance for a limit of the mock, not of the spec: Prism checks
`format: int64` against JavaScript's safe integer range (+-(2**53 - 1)), so it
answers 422 to a member id such as 9223372036854775806 that the spec allows.
A failure is dropped only when every violation Prism reports for the request
is that bound; any other violation still fails the run.
"""

from __future__ import annotations

import json
import re

import schemathesis

JS_SAFE_BOUND = re.compile(r"must be [<>]= -?9007199254740991$")


def _prism_violations(response) -> list[dict] | None:
    values = response.headers.get("sl-violations") or []
    if not values:
        return None
    try:
        violations = json.loads(values[0])
    except ValueError:
        return None
    return violations if isinstance(violations, list) else None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure except a 422 caused only by Prism's safe-integer bound."""
    if response.status_code != 422:
        return True
    violations = _prism_violations(response)
    if not violations:
        return True
    only_js_bound = all(
        isinstance(v, dict) and JS_SAFE_BOUND.search(str(v.get("message", ""))) for v in violations
    )
    return not only_js_bound
