"""The web pieces every app's views share: the staff-page decorator and one way of showing a
refusal (a DomainError) — as form errors, as errors per field, or as messages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import render

from .errors import DomainError, NotFound, PermissionDenied

# codes whose message already says everything its details list (one summary line is enough)
SUMMARY_CODES = frozenset({"invalid_input", "items_unresolved"})


def staff_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Login required; NotFound → 404 (indistinguishable from missing), PermissionDenied → 403
    with its reason."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404 from exc
        except PermissionDenied as exc:
            return render(request, "core/forbidden.html", {"message": exc.message}, status=403)

    return login_required(wrapped)


def _details(exc: DomainError) -> list[dict[str, Any]]:
    return list(exc.details or [{"field": exc.field, "message": exc.message}])


def _detail_text(detail: dict[str, Any], exc: DomainError) -> str:
    text = str(detail.get("message") or exc.message)
    if detail.get("suggestion"):
        text = f"{text}（修改建议：{detail['suggestion']}）"
    return text


def error_messages(exc: DomainError) -> list[str]:
    """The refusal as lines for people: its message, then each detail it does not already say."""
    lines = [exc.message]
    if exc.code in SUMMARY_CODES:
        return lines
    for detail in exc.details or []:
        text = _detail_text(detail, exc)
        if text and text not in exc.message and text not in lines:
            lines.append(text)
    return lines


def fail(request: HttpRequest, exc: DomainError) -> None:
    """Show a refusal on the next page as error messages."""
    for text in error_messages(exc):
        messages.error(request, text)


def field_errors(
    exc: DomainError, known: Iterable[str] | None = None, *, general: str = ""
) -> dict[str, list[str]]:
    """Field → messages for inline display. A detail's field "facts[0].label" counts as "facts";
    fields not in `known` (when given) and details without a field go under `general`."""
    fields = set(known) if known is not None else None
    out: dict[str, list[str]] = {}
    for detail in _details(exc):
        field = str(detail.get("field") or "").split("[")[0].split(".")[0]
        if not field or (fields is not None and field not in fields):
            field = general
        out.setdefault(field, []).append(_detail_text(detail, exc))
    return out


def apply_domain_error(
    form: forms.BaseForm, exc: DomainError, labels: dict[str, Any] | None = None
) -> None:
    """Attach each detail of a refusal to the named form field (non-field if unknown, with the
    field's label when `labels` names it)."""
    labels = labels or {}
    for detail in _details(exc):
        field = detail.get("field")
        message = _detail_text(detail, exc)
        if field and field in form.fields:
            form.add_error(field, message)
        elif field and field in labels:
            form.add_error(None, f"{labels[field]}：{message}")
        else:
            form.add_error(None, message)


def labels(choices: Any) -> dict[str, str]:
    """Code → Chinese label of a TextChoices (for pages and API outputs)."""
    return {str(c.value): str(c.label) for c in choices}
