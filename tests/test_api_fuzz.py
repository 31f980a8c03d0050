"""No input gives a 500: random bodies and query strings against the catalog API.

Design rule "No 500 for any input": every refusal is JSON with a stable `code`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from chengnuo.accounts.models import ApiToken
from chengnuo.catalog.rules import FIELD_LABELS
from chengnuo.core.digest import digest_bytes

from .factories import item_payload

API = "/api/v1/catalog"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text with Chinese, ASCII, control characters (NUL included) and the odd emoji.
text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0, max_codepoint=0x7F),
        st.sampled_from(["、", "，", "（", "）", "\u200b", "\ufeff", "😀", "\x00", "\x1f"]),
    ),
    max_size=30,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(text, children, max_size=5),
    ),
    max_leaves=25,
)
item_fields = st.dictionaries(
    st.one_of(st.sampled_from(sorted(FIELD_LABELS)), text), json_values, max_size=10
)
# Well-typed bodies reach the services and the rules, not only pydantic.
clean_text = text.filter(lambda s: "\x00" not in s)
PLAUSIBLE = [
    *(True, False, "是", "否", 0, 1, 30, 400, None, "", "公共安全", "social_insurance"),
    *(["public_safety"], ["国家安全", "重要涉外"], ["legal_services"], ["RS-001"], ["NOPE"]),
    *("online", "on_site", "exempt", "现场核查", "website", "national_platform"),
]
plausible = st.one_of(json_values, st.sampled_from(PLAUSIBLE))
reasons = st.one_of(st.sampled_from(["法律修订", "国办发〔2020〕42号"]), clean_text)
typed_payloads = st.dictionaries(st.sampled_from(sorted(FIELD_LABELS)), plausible, max_size=4).map(
    lambda changes: {**item_payload(matter_codes=["RS-001"]), **changes}
)
future_dates = st.dates(
    min_value=dt.date.today() - dt.timedelta(days=2), max_value=dt.date(2100, 1, 1)
).map(dt.date.isoformat)


def proposal_bodies(agency_id: int):
    near_valid = st.fixed_dictionaries(
        {},
        optional={
            "agency_id": st.one_of(st.just(agency_id), json_values),
            "action": st.one_of(st.sampled_from(["add", "amend", "remove"]), json_values),
            "item_code": st.one_of(st.sampled_from(["RS-F-1", "RS-F-2"]), json_values),
            "payload": st.one_of(item_fields, json_values),
            "reason": st.one_of(text, json_values),
            "law_change": st.one_of(text, json_values),
            "effective_date": st.one_of(
                st.dates().map(lambda d: d.isoformat()), st.just("2099-12-31"), json_values
            ),
        },
    )
    well_typed = st.fixed_dictionaries(
        {
            "agency_id": st.just(agency_id),
            "action": st.sampled_from(["add", "add", "amend", "remove", "删除"]),
            "item_code": st.one_of(st.from_regex(r"\A[A-Z]{2}-[0-9]{1,3}\Z"), clean_text),
            "payload": typed_payloads,
            "reason": reasons,
            "law_change": reasons,
            "effective_date": future_dates,
        }
    )
    return st.one_of(json_values, near_valid, well_typed)


def matter_bodies(agency_id: int):
    near_valid = st.fixed_dictionaries(
        {},
        optional={
            "agency_id": st.one_of(st.just(agency_id), json_values),
            "code": st.one_of(st.from_regex(r"\A[A-Z]{2}-[0-9]{1,4}\Z"), json_values),
            "name": st.one_of(text, json_values),
            "matter_type": st.one_of(
                st.sampled_from(["licensing", "confirmation", "benefit", "other"]), json_values
            ),
            "legal_basis": st.one_of(text, json_values),
            "materials": st.one_of(st.lists(text, max_size=4), json_values),
        },
    )
    well_typed = st.fixed_dictionaries(
        {
            "agency_id": st.just(agency_id),
            "code": st.one_of(st.from_regex(r"\A[A-Z]{2}-[0-9]{1,3}\Z"), clean_text),
            "name": st.one_of(st.just("最低生活保障审批"), clean_text),
            "matter_type": st.sampled_from(["licensing", "confirmation", "benefit", "其他"]),
            "legal_basis": reasons,
            "materials": st.lists(clean_text, max_size=4),
        }
    )
    return st.one_of(json_values, near_valid, well_typed)


def assert_handled(response) -> None:
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert isinstance(response.json().get("code"), str), response.content[:500]


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def admin_headers(admin_a):
    ApiToken.objects.create(user=admin_a, name="fuzz", key_digest=digest_bytes(b"token-fuzz"))
    return {"Authorization": "Bearer token-fuzz"}


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_random_proposal_bodies_never_give_a_server_error(
    client, admin_headers, agency_a, matter_a, data
):
    body = data.draw(proposal_bodies(agency_a.pk))

    response = client.post(
        f"{API}/proposals", json.dumps(body), content_type="application/json", headers=admin_headers
    )

    assert_handled(response)


@pytest.mark.django_db
@FUZZ
@given(data=st.data())
def test_random_matter_bodies_never_give_a_server_error(client, admin_headers, agency_a, data):
    body = data.draw(matter_bodies(agency_a.pk))

    response = client.post(
        f"{API}/matters", json.dumps(body), content_type="application/json", headers=admin_headers
    )

    assert_handled(response)


@pytest.mark.django_db
@FUZZ
@given(raw=st.binary(max_size=200))
def test_random_bytes_as_a_body_never_give_a_server_error(client, admin_headers, agency_a, raw):
    response = client.post(
        f"{API}/proposals", raw, content_type="application/json", headers=admin_headers
    )

    assert_handled(response)


query_keys = st.one_of(
    st.sampled_from(["q", "agency", "region", "domain", "matter_type", "all", "limit", "offset"]),
    text,
)
query_values = st.one_of(
    text,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["true", "false", "yes", "0", "1", "", "社会保险", "fuyang", "benefit"]),
)


@pytest.mark.django_db
@FUZZ
@given(params=st.lists(st.tuples(query_keys, query_values), max_size=8))
def test_random_item_queries_never_give_a_server_error(client, agency_a, params):
    response = client.get(f"{API}/items?{urlencode(params)}")

    assert_handled(response)


@pytest.mark.django_db
@FUZZ
@given(raw=text)
def test_random_raw_query_strings_never_give_a_server_error(client, raw):
    for path in ("/items", "/matters", "/versions", "/versions/compare"):
        response = client.get(f"{API}{path}?{quote(raw, safe='=&%+')}")
        assert_handled(response)


@pytest.mark.django_db
@FUZZ
@given(code=text.filter(lambda s: s not in ("", ".", "..") and "/" not in s))
def test_random_codes_in_paths_never_give_a_server_error(client, code):
    # A "/" would make another URL, which no API route matches (Django's own 404).
    for path in ("/items/", "/matters/"):
        response = client.get(f"{API}{path}{quote(code, safe='')}")
        assert_handled(response)


# --- schemathesis over the committed schema (docs/openapi.json) ------------------------------

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def wsgi_app(environ, start_response):
    """Django, called in-process (so the test's database transaction applies).

    Like Django's test client, keep `close_old_connections` from running at the request's
    start and end: inside the test's transaction it would close the connection (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = WSGIHandler()(environ, start_response)
        body = b"".join(response)
        response.close()
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


catalog_schema = schemathesis.openapi.from_path(SCHEMA_PATH)
catalog_schema.app = wsgi_app
catalog_schema = catalog_schema.include(path_regex=r"^/api/v1/catalog/")


@pytest.mark.django_db
@catalog_schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_schemathesis_catalog_operations_never_give_a_server_error(
    case, admin_headers, agency_a, matter_a
):
    response = case.call(headers=admin_headers)

    case.validate_response(response, checks=[not_a_server_error])
    # 405 for a method no route has comes from ninja itself, as plain text.
    if response.status_code >= 400 and response.status_code != 405:
        assert isinstance(response.json().get("code"), str), response.text[:500]
