"""API validation errors are Chinese with a stable code (issue 11 §9): "Field required" and
the other pydantic messages reached integrators and window systems in English."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from chengnuo.config.api import _VALIDATION_MESSAGES, validation_message

from .cases_helpers import build_world
from .test_case_api import token

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _without_fields(message: str) -> str:
    return re.sub(r"“[^”]*”", "", message)


@pytest.fixture
def w(db):
    return build_world()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/cases", {}),
        ("post", "/api/v1/cases", {"matter_code": 5, "subject_id": "x"}),
        ("post", "/api/v1/documents/lint", {"text": ["not", "text"]}),
        ("post", "/api/v1/documents/lint", {}),
        ("get", "/api/v1/catalog/items?limit=abc", None),
        ("get", "/api/v1/catalog/items?limit=100000", None),
    ],
)
def test_validation_errors_are_chinese_with_a_code_per_field(w, method, path, body):
    headers = {**token(w.clerk), "Idempotency-Key": "k-1"}
    kwargs: dict = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    response = getattr(Client(), method)(path, **kwargs)
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["code"] == "invalid_input" and data["errors"]
    for err in [data, *data["errors"]]:
        assert not LATIN_WORD.search(_without_fields(err["message"])), err["message"]
    for err in data["errors"]:
        assert err["code"] and err["field"]


TECHNICAL = re.compile(r"UUID|JSON|YYYY|ISO|true|false")


def test_every_known_pydantic_error_type_reads_in_chinese():
    context = {"max_length": 3, "min_length": 1, "expected": "'commit' or 'proof'"}
    for kind in _VALIDATION_MESSAGES:
        text = validation_message({"type": kind, "ctx": context})
        assert not LATIN_WORD.search(
            TECHNICAL.sub("", text).replace("commit", "").replace("proof", "")
        ), (kind, text)
    assert validation_message({"type": "literal_error", "ctx": context}) == "只能取：commit、proof"


def test_an_unknown_error_type_still_reads_in_chinese():
    assert validation_message({"type": "something_new", "msg": "Something new"}) == "格式不正确"
