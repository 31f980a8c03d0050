"""Public pages of the published notifications and commitment templates (R-3.4, issue 4 §5):
listed per agency and per matter with version and publication date, each version in HTML (with
a print stylesheet) and as DOCX / PDF downloads. No login; unknown versions and formats are 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from chengnuo.catalog import selectors as catalog_selectors
from chengnuo.core.errors import NotFound

from . import render as renderers
from . import selectors
from .constants import (
    COMMITMENT_DECLARATIONS,
    FACTS_LABEL,
    FREE_TEXT_LABEL,
    NOTIFICATION_ELEMENTS,
    TemplateKind,
)
from .models import TemplateVersion

MAX_DB_ID = 2**63 - 1
MAX_CODE_LENGTH = 40


def _parse_id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw or len(raw) > 19 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_DB_ID else None


def _version_or_404(item_code: str, kind: str, number: int) -> TemplateVersion:
    if kind not in TemplateKind.values or len(item_code) > MAX_CODE_LENGTH:
        raise Http404
    if not 0 < number <= MAX_DB_ID:
        raise Http404
    try:
        return selectors.version_get(item_code, kind, number)
    except NotFound as exc:
        raise Http404 from exc


def _version_links(version: TemplateVersion) -> dict[str, Any]:
    args = {"item_code": version.item.code, "kind": version.kind, "number": version.number}
    return {
        "html": reverse("documents:version", kwargs=args),
        "docx": reverse("documents:download", kwargs={**args, "fmt": "docx"}),
        "pdf": reverse("documents:download", kwargs={**args, "fmt": "pdf"}),
    }


def index(request: HttpRequest) -> HttpResponse:
    """The latest published notification and commitment of every item under commitment, per
    agency; `?agency=<id>` and `?matter=<matter code>` narrow the list."""
    warnings: list[str] = []
    raw_agency = request.GET.get("agency", "")
    agency_id = _parse_id(raw_agency)
    if raw_agency.strip() and agency_id is None:
        warnings.append(_("“实施机关”参数无效，已忽略该条件。"))
    raw_matter = request.GET.get("matter", "").strip()
    matter = None
    if raw_matter:
        try:
            if len(raw_matter) > MAX_CODE_LENGTH:
                raise NotFound()
            matter = catalog_selectors.public_matter_get(raw_matter)
        except NotFound:
            warnings.append(_("未找到该办事事项，已忽略该条件。"))
    versions = list(
        selectors.public_latest_versions(
            agency_id=agency_id, matter_id=matter.pk if matter else None
        )
    )
    for v in versions:
        v.links = _version_links(v)  # type: ignore[attr-defined]
    agencies = catalog_selectors.public_agency_choices()
    return render(
        request,
        "documents/index.html",
        {
            "versions": versions,
            "agency_id": agency_id,
            "agency_name": dict(agencies).get(agency_id) if agency_id else "",
            "matter": matter,
            "agencies": agencies,
            "warnings": warnings,
        },
    )


def _sections(version: TemplateVersion) -> dict[str, Any]:
    fields = version.content.get("fields", {})
    elements = (
        NOTIFICATION_ELEMENTS
        if version.kind == TemplateKind.NOTIFICATION
        else COMMITMENT_DECLARATIONS
    )
    sections = [(label, fields.get(field, "")) for field, label in elements]
    if (fields.get("free_text") or "").strip():
        sections.append((FREE_TEXT_LABEL, fields["free_text"]))
    return {
        "sections": sections,
        "facts": version.content.get("facts", [])
        if version.kind == TemplateKind.COMMITMENT
        else None,
        "facts_label": FACTS_LABEL,
        "declarations_label": renderers.DECLARATIONS_HEADING,
        "title": renderers.layout(version.content).title,
    }


def version(request: HttpRequest, item_code: str, kind: str, number: int) -> HttpResponse:
    """One published version in HTML with its SM3 digest (print stylesheet: site.css)."""
    v = _version_or_404(item_code, kind, number)
    latest = selectors.public_latest_version(v.item, v.kind)
    history = selectors.public_item_versions(v.item, v.kind)
    context: dict[str, Any] = {
        "version": v,
        "links": _version_links(v),
        "is_latest": latest is not None and latest.pk == v.pk,
        "latest": latest,
        "history": history,
        **_sections(v),
    }
    return render(request, "documents/version.html", context)


def download(
    request: HttpRequest, item_code: str, kind: str, number: int, fmt: str
) -> HttpResponse:
    """The version as DOCX or PDF, as an attachment with an ASCII filename."""
    if fmt not in renderers.CONTENT_TYPES:
        raise Http404
    v = _version_or_404(item_code, kind, number)
    body = renderers.render_version(v, fmt)
    response = HttpResponse(body, content_type=renderers.CONTENT_TYPES[fmt])
    filename = renderers.version_filename(v, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
