"""The API's shared schema pieces (R-9.2): bounded, clean text types and the error body.

Input strings are bounded and may not carry NUL or unpaired surrogates, so absurd bodies are
refused with 422 `invalid_input` before anything is written. Every error has the same shape;
each app's routers use `error_out(<App>, <app>.errors.ErrorCode)`, whose `code` is an enum of
the app's codes and the core's, listed in the OpenAPI schema.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints, create_model
from pydantic.json_schema import JsonDict, JsonValue

from .errors import CoreErrorCode
from .rules import MAX_ID

MAX_OFFSET = 1_000_000_000
MAX_TEXT = 4000


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise ValueError("不得含有空字符（\\x00）")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("含有无效的Unicode字符") from None


def clean_text(value: str) -> str:
    _check_text(value)
    return value


def clean_json_value(value: Any) -> Any:
    """Check every string (keys included) of a JSON value, without recursion."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            _check_text(current)
        elif isinstance(current, dict):
            stack.extend(current.keys())
            stack.extend(current.values())
        elif isinstance(current, list | tuple):
            stack.extend(current)
    return value


def one_of(choices, *, labels: bool = False, blank: bool = True) -> JsonDict:
    """`json_schema_extra` of a choice field that travels as a plain string (the service checks
    it and names the field when it refuses): the codes it accepts — and their Chinese labels
    where it accepts those too, and "" where "" means "any" — are listed in the schema."""
    values: list[JsonValue] = [""] if blank else []
    values += [str(c.value) for c in choices]
    if labels:
        values += [str(c.label) for c in choices if str(c.label) not in values]
    return {"enum": values}


Choice = Annotated[str, StringConstraints(max_length=60), AfterValidator(clean_text)]
ShortText = Annotated[str, StringConstraints(max_length=200), AfterValidator(clean_text)]
LongText = Annotated[str, StringConstraints(max_length=MAX_TEXT), AfterValidator(clean_text)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Payload = Annotated[dict[str, Any], AfterValidator(clean_json_value)]


# --- errors ---------------------------------------------------------------------------------


class FieldErrorOut(Schema):
    field: str | None = Field(None, title="字段")
    code: str = Field(..., title="规则代码")
    message: str = Field(..., title="说明")
    row: int | None = Field(None, title="行号（导入时）")
    column: str | None = Field(None, title="列（导入时）")


class ErrorOut(Schema):
    """Every error of the API: a stable `code`, a Chinese `message`, the field and the list
    (`code` of each item: the rule that refused it)."""

    code: str = Field(
        ..., title="错误代码", description="稳定的机器可读代码，如 not_found、excluded_domain"
    )
    message: str = Field(..., title="说明", description="中文说明，指明字段和规则")
    field: str | None = Field(None, title="字段")
    errors: list[FieldErrorOut] | None = Field(None, title="逐项错误")


_ERROR_SCHEMAS: dict[str, type[ErrorOut]] = {}


def error_out(app: str, *codes: type[StrEnum]) -> type[ErrorOut]:
    """The error body of an app's endpoints: `code` is one of the given codes (the app's, and
    those of the rules its services apply) or the core's."""
    if app in _ERROR_SCHEMAS:
        return _ERROR_SCHEMAS[app]
    members = {m.name: m.value for m in CoreErrorCode}
    for listed in codes:
        members.update({m.name: m.value for m in listed})
    enum = StrEnum(f"{app}ErrorCode", members)  # type: ignore[misc]
    enum.__doc__ = f"{app} 的错误代码（含通用代码）"
    schema = create_model(
        f"{app}ErrorOut",
        __base__=ErrorOut,
        code=(enum, Field(..., title="错误代码", description="稳定的机器可读代码")),
    )
    _ERROR_SCHEMAS[app] = schema
    return schema


_CONTRIBUTED: dict[str, list[type[StrEnum]]] = {}


def contribute_error_codes(app: str, codes: type[StrEnum]) -> None:
    """An app whose rules refuse another app's operations (through `core.contributions`, so
    that app does not import it) adds its codes to that app's error body in the schema."""
    _CONTRIBUTED.setdefault(app, []).append(codes)


def contributed_error_codes(app: str) -> list[str]:
    return [m.value for enum in _CONTRIBUTED.get(app, []) for m in enum]


def error_responses(schema: type[ErrorOut], *statuses: int) -> dict[int, type[ErrorOut]]:
    """`response=` entries of an endpoint's error statuses."""
    return dict.fromkeys(statuses, schema)
