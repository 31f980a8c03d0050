"""The staff editor of service guides (办事指南, per matter) and work rules (工作规程, per item)
(R-3.2, R-3.4, R-3.5, R-6.1), mirroring the template editor in views.py: agency admins edit the
drafts of their agency with the linter's findings inline (htmx) and publish them; Justice Bureau
reviewers see the drafts of the agencies they oversee read-only and may publish over blocking
findings with a written reason. Another agency's staff get 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import has_role, reviewable_agency_ids
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.catalog.selectors import matter_items_in_force
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, field_errors, staff_view

from . import guide_defaults, guides, policies
from .constants import TEXT_LIMIT
from .guide_models import GuideKind, GuideVersion, ServiceGuide, WorkRules
from .views import MAX_CODE_LENGTH

Document = ServiceGuide | WorkRules

KIND_LABELS = {GuideKind.GUIDE: "办事指南", GuideKind.WORK_RULES: "工作规程"}
EMPTY_MATERIAL_ROWS = 3
MAX_MATERIAL_ROWS = guides.MAX_MATERIALS + EMPTY_MATERIAL_ROWS


# --- lookups --------------------------------------------------------------------------------


def _reviewed(actor: Actor, model: type[ServiceGuide] | type[WorkRules]) -> QuerySet[Any]:
    """Drafts of the agencies a Justice Bureau reviewer oversees (read-only for them)."""
    if not has_role(actor, Role.JUSTICE_REVIEWER):
        return model.objects.none()
    related = "matter" if model is ServiceGuide else "item"
    ids = reviewable_agency_ids(actor)
    return model.objects.select_related(related, "agency").filter(agency_id__in=ids)


def _document(actor: Actor, kind: str, code: str) -> Document:
    """The draft for its agency's admins, or for a reviewer overseeing the agency; else 404."""
    if len(code) > MAX_CODE_LENGTH:
        raise NotFound()
    if kind == GuideKind.GUIDE:
        matter = Matter.objects.filter(code=code).first()
        if matter is None:
            raise NotFound()
        try:
            return guides.guide_draft_get_for(actor, matter)
        except NotFound:
            guide = _reviewed(actor, ServiceGuide).filter(matter=matter).first()
            if guide is None:
                raise
            return guide
    item = CertificationItem.objects.filter(code=code).first()
    if item is None:
        raise NotFound()
    try:
        return guides.work_rules_draft_get_for(actor, item)
    except NotFound:
        rules = _reviewed(actor, WorkRules).filter(item=item).first()
        if rules is None:
            raise
        return rules


def _subject(document: Document) -> Matter | CertificationItem:
    return document.matter if isinstance(document, ServiceGuide) else document.item


def _latest(document: Document) -> GuideVersion | None:
    if isinstance(document, ServiceGuide):
        return guides.public_latest_guide(document.matter)
    return guides.public_latest_work_rules(document.item)


def _draft_status(document: Document, latest: GuideVersion | None) -> str:
    if latest is None:
        return _("未发布")
    if digest_json(guides.document_content(document)) == latest.digest:
        return _("已发布")
    return _("有未发布的修改")


def _edit_url(document: Document) -> str:
    if isinstance(document, ServiceGuide):
        return reverse("documents:guide_staff_edit", kwargs={"matter_code": document.matter.code})
    return reverse("documents:work_rules_staff_edit", kwargs={"item_code": document.item.code})


def _lint_url(document: Document) -> str:
    if isinstance(document, ServiceGuide):
        return reverse("documents:guide_staff_lint", kwargs={"matter_code": document.matter.code})
    return reverse("documents:work_rules_staff_lint", kwargs={"item_code": document.item.code})


def _public_url(version: GuideVersion) -> str:
    return reverse("documents:guide_version", kwargs={"pk": version.pk})


# --- the list -------------------------------------------------------------------------------


@staff_view
def guide_staff_drafts(request: HttpRequest) -> HttpResponse:
    """The guide and work rules drafts the actor keeps (or oversees), each with its status and
    latest version; the matters and items without one, each with a button (POST here) that
    generates it."""
    if request.method == "POST":
        return _create(request)
    user = request.user
    sources: list[QuerySet[Any]] = [
        guides.guide_drafts_for(user),
        _reviewed(user, ServiceGuide),
        guides.work_rules_drafts_for(user),
        _reviewed(user, WorkRules),
    ]
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for qs in sources:
        for document in qs:
            key = (str(document.kind), document.pk)
            if key in seen:
                continue
            seen.add(key)
            latest = _latest(document)
            rows.append(
                {
                    "document": document,
                    "subject": _subject(document),
                    "kind_label": KIND_LABELS[document.kind],
                    "latest": latest,
                    "latest_url": _public_url(latest) if latest else "",
                    "status": _draft_status(document, latest),
                    "can_edit": policies.can_edit_templates(user, document.agency_id),
                    "edit_url": _edit_url(document),
                }
            )
    rows.sort(key=lambda r: (r["document"].agency_id, str(r["document"].kind), r["subject"].code))
    matters = [
        m
        for m in guides.matters_without_guide(user)
        if policies.can_edit_templates(user, m.agency_id)
    ]
    items = [
        i
        for i in guides.items_without_work_rules(user)
        if policies.can_edit_templates(user, i.agency_id)
    ]
    return render(
        request,
        "documents/guide_staff_drafts.html",
        {"rows": rows, "matters_without": matters, "items_without": items},
    )


def _create(request: HttpRequest) -> HttpResponse:
    """Generate the guide draft of a matter or the work rules draft of an item from the
    catalog's defaults."""
    kind = request.POST.get("kind", "")
    code = (request.POST.get("code") or "").strip()
    if kind not in GuideKind.values or not code or len(code) > MAX_CODE_LENGTH:
        raise NotFound()
    subject: Matter | CertificationItem | None
    if kind == GuideKind.GUIDE:
        subject = Matter.objects.select_related("agency").filter(code=code).first()
    else:
        subject = CertificationItem.objects.select_related("agency").filter(code=code).first()
    if subject is None or not policies.can_edit_templates(request.user, subject.agency_id):
        raise NotFound()
    try:
        document: Document
        if isinstance(subject, Matter):
            document = guides.guide_draft_create(actor=request.user, matter=subject)
        else:
            document = guides.work_rules_draft_create(actor=request.user, item=subject)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
        return redirect("documents:guide_staff_drafts")
    messages.success(
        request,
        _("已生成“%(name)s”的%(kind)s草稿。")
        % {"name": subject.name, "kind": KIND_LABELS[document.kind]},
    )
    return redirect(_edit_url(document))


# --- the editor -----------------------------------------------------------------------------


def _text_fields(document: Document) -> tuple[str, ...]:
    if isinstance(document, ServiceGuide):
        return guides.GUIDE_TEXT_FIELDS
    return guides.WORK_RULES_TEXT_FIELDS


def _values_of(document: Document) -> dict[str, Any]:
    """The form's values of the stored draft."""
    values: dict[str, Any] = {f: getattr(document, f) or "" for f in _text_fields(document)}
    if isinstance(document, ServiceGuide):
        for field in guides.GUIDE_DAY_FIELDS:
            value = getattr(document, field)
            values[field] = "" if value is None else str(value)
        values["materials"] = [dict(m) for m in document.materials]
    else:
        values["steps"] = "\n".join(document.steps)
    return values


def _posted_materials(request: HttpRequest) -> list[dict[str, Any]]:
    """The materials table as posted: a proof row carries its item code (the catalog decides its
    marking); a plain material whose name is left empty is removed."""
    try:
        count = int(request.POST.get("materials-count", "0"))
    except ValueError:
        count = 0
    materials: list[dict[str, Any]] = []
    for i in range(max(0, min(count, MAX_MATERIAL_ROWS))):
        name = request.POST.get(f"materials-{i}-name", "")
        note = request.POST.get(f"materials-{i}-note", "")
        item_code = request.POST.get(f"materials-{i}-item_code", "").strip()
        if item_code:
            materials.append(
                {"kind": guide_defaults.PROOF, "item_code": item_code, "name": name, "note": note}
            )
        elif name.strip():
            materials.append({"kind": guide_defaults.MATERIAL, "name": name, "note": note})
    return materials


def _posted_values(request: HttpRequest, document: Document) -> dict[str, Any]:
    """The form's values as posted, also the update's data."""
    values: dict[str, Any] = {f: request.POST.get(f, "") for f in _text_fields(document)}
    if isinstance(document, ServiceGuide):
        for field in guides.GUIDE_DAY_FIELDS:
            values[field] = request.POST.get(field, "").strip()
        values["materials"] = _posted_materials(request)
    else:
        values["steps"] = request.POST.get("steps", "")
    return values


def _update_data(values: dict[str, Any]) -> dict[str, Any]:
    data = dict(values)
    if "steps" in data:
        data["steps"] = data["steps"].splitlines()
    return data


def _field_findings(field: str, text: str) -> list[dict[str, Any]]:
    if not text:
        return []
    if field == "steps":
        return guides.lint_content({"steps": text.splitlines()})
    return guides.lint_content({"fields": {field: text}})


def _material_rows(
    guide: ServiceGuide, materials: list[dict[str, Any]], empty_rows: int
) -> list[dict[str, Any]]:
    """The rows of the materials table, each proof with the catalog's marking (read-only), then
    `empty_rows` rows to add plain materials."""
    proofs = {
        item.code: guide_defaults.proof_entry(item) for item in matter_items_in_force(guide.matter)
    }
    rows = []
    for entry in materials:
        row = {
            "name": entry.get("name", ""),
            "note": entry.get("note", ""),
            "item_code": "",
            "marking": "",
            "alternative": "",
        }
        if entry.get("kind") == guide_defaults.PROOF:
            code = str(entry.get("item_code") or "")
            catalog = proofs.get(code, entry)
            row.update(
                item_code=code,
                marking=catalog.get("marking", ""),
                alternative=catalog.get("alternative", ""),
            )
        rows.append(row)
    empty = {"name": "", "note": "", "item_code": "", "marking": "", "alternative": ""}
    return rows + [dict(empty) for _i in range(empty_rows)]


def _editor_context(
    request: HttpRequest,
    document: Document,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    message: str = "",
) -> dict[str, Any]:
    user = request.user
    fields = [
        {
            "name": field,
            "label": guides.LABELS[field],
            "value": values.get(field, ""),
            "errors": errors.get(field, []),
            "findings": _field_findings(field, values.get(field, "")),
        }
        for field in _text_fields(document)
    ]
    is_guide = isinstance(document, ServiceGuide)
    days = (
        [
            {
                "name": field,
                "label": guides.LABELS[field],
                "value": values.get(field, ""),
                "errors": errors.get(field, []),
            }
            for field in guides.GUIDE_DAY_FIELDS
        ]
        if is_guide
        else []
    )
    steps = None
    if not is_guide:
        steps = {
            "name": "steps",
            "label": guides.LABELS["steps"],
            "value": values.get("steps", ""),
            "errors": errors.get("steps", []),
            "findings": _field_findings("steps", values.get("steps", "")),
        }
    can_edit = policies.can_edit_templates(user, document.agency_id)
    materials = (
        _material_rows(
            document, values.get("materials", []), EMPTY_MATERIAL_ROWS if can_edit else 0
        )
        if isinstance(document, ServiceGuide)
        else None
    )
    latest = _latest(document)
    return {
        "document": document,
        "subject": _subject(document),
        "kind_label": KIND_LABELS[document.kind],
        "is_guide": is_guide,
        "fields": fields,
        "days": days,
        "steps": steps,
        "materials": materials,
        "materials_label": guides.LABELS["materials"],
        "materials_errors": errors.get("materials", []),
        "can_edit": can_edit,
        "can_override": policies.can_override_lint(user, document.agency_id),
        "override_reason": request.POST.get("override_reason", "") if request.POST else "",
        "override_errors": errors.get("override_reason", []),
        "other_errors": errors.get("", []),
        "message": message,
        "latest": latest,
        "latest_url": _public_url(latest) if latest else "",
        "status": _draft_status(document, latest),
        "lint_url": _lint_url(document),
    }


def _update(actor: Actor, document: Document, data: dict[str, Any]) -> Document:
    if isinstance(document, ServiceGuide):
        return guides.guide_draft_update(actor=actor, guide=document, data=data)
    return guides.work_rules_draft_update(actor=actor, rules=document, data=data)


def _publish(actor: Actor, document: Document, override_reason: str = "") -> GuideVersion:
    if isinstance(document, ServiceGuide):
        return guides.guide_publish(actor=actor, guide=document, override_reason=override_reason)
    return guides.work_rules_publish(actor=actor, rules=document, override_reason=override_reason)


def _edit(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """Edit a draft (save), publish it, or — a Justice Bureau reviewer — publish over blocking
    findings with a written reason. Refusals show their message and per-field details."""
    document = _document(request.user, kind, code)
    values = _values_of(document)
    if request.method != "POST":
        context = _editor_context(request, document, values, {})
        return render(request, "documents/guide_staff_edit.html", context)

    action = request.POST.get("action", "")
    known = {*values, "override_reason"}
    edit_url = _edit_url(document)
    try:
        if action in ("save", "publish"):
            if not policies.can_edit_templates(request.user, document.agency_id):
                raise PermissionDenied(_("只有本机关的部门管理员可以修改草稿"))
            values = _posted_values(request, document)
            document = _update(request.user, document, _update_data(values))
            values = _values_of(document)
            if action == "save":
                messages.success(request, _("草稿已保存。"))
                return redirect(edit_url)
            version = _publish(request.user, document)
        elif action == "override":
            version = _publish(request.user, document, request.POST.get("override_reason", ""))
        else:
            raise NotFound()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        summary = (
            _("草稿已保存，但未发布：") if action == "publish" else _("未完成：")
        ) + exc.message
        context = _editor_context(request, document, values, field_errors(exc, known), summary)
        return render(request, "documents/guide_staff_edit.html", context, status=400)
    messages.success(
        request,
        _("已发布%(kind)s第%(number)s版。")
        % {"kind": KIND_LABELS[document.kind], "number": version.number},
    )
    return redirect(edit_url)


@staff_view
def guide_staff_edit(request: HttpRequest, matter_code: str) -> HttpResponse:
    return _edit(request, GuideKind.GUIDE, matter_code)


@staff_view
def work_rules_staff_edit(request: HttpRequest, item_code: str) -> HttpResponse:
    return _edit(request, GuideKind.WORK_RULES, item_code)


def _lint(request: HttpRequest, kind: str, code: str) -> HttpResponse:
    """The linter's findings of one field's text, as an HTML fragment (htmx, R-3.2)."""
    document = _document(request.user, kind, code)
    field = request.POST.get("field", "")
    lintable = (*_text_fields(document), *(() if kind == GuideKind.GUIDE else ("steps",)))
    if field not in lintable:
        raise NotFound()
    text = request.POST.get(field, "")
    too_long = len(text) > TEXT_LIMIT
    findings = [] if too_long else _field_findings(field, text)
    return render(
        request,
        "documents/staff_findings.html",
        {"field": {"name": field, "findings": findings}, "too_long": too_long},
    )


@staff_view
@require_POST
def guide_staff_lint(request: HttpRequest, matter_code: str) -> HttpResponse:
    return _lint(request, GuideKind.GUIDE, matter_code)


@staff_view
@require_POST
def work_rules_staff_lint(request: HttpRequest, item_code: str) -> HttpResponse:
    return _lint(request, GuideKind.WORK_RULES, item_code)
