"""schemathesis hooks of `tools/api-contract` (loaded with SCHEMATHESIS_HOOKS).

One check replaces schemathesis' `positive_data_acceptance`: a request the schema allows must
be accepted — except when the platform refuses it with 400 and the code of a business rule
(`items_unresolved`: the case still has unsigned items; `different_agencies`: two catalog
versions of two agencies cannot be compared; a placeholder where a reason is required …).
Those depend on the state of the data, which no schema can express. A 400 whose code says the
request's *shape* was wrong (a choice outside its list, a missing Idempotency-Key, a body that
is not JSON) still fails: the schema should have said so.
"""

from __future__ import annotations

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

# refusals of a request's shape: the schema must declare what they enforce
SHAPE_CODES = frozenset(
    {
        "invalid_input",
        "invalid_choice",
        "malformed_body",
        "bad_request",
        "http_error",
        "idempotency_key_required",
        "invalid_idempotency_key",
    }
)


def _code(response) -> str | None:
    try:
        body = response.json()
    except Exception:
        return None
    return body.get("code") if isinstance(body, dict) else None


@schemathesis.check
def positive_data_accepted_unless_a_rule_refuses(ctx, response, case):
    if response.status_code == 400:
        code = _code(response)
        if code and code not in SHAPE_CODES:
            return None  # well formed, refused by a business rule on the current data
    return positive_data_acceptance(ctx, response, case)
