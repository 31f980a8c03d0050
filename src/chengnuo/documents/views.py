"""Public pages of the published notifications and commitment templates (R-3.4, issue 4 §5):
listed per agency and per matter with version and publication date, each version in HTML (with
a print stylesheet) and as DOCX / PDF downloads. No login; unknown versions and formats are 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chengnuo.agencies.constants import Role
from chengnuo.agencies.policies import has_role, reviewable_agency_ids
from chengnuo.catalog import selectors as catalog_selectors
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, field_errors, staff_view

from . import policies, selectors, services
from . import render as renderers
from .constants import (
    COMMITMENT_DECLARATIONS,
    FACTS_LABEL,
    FIELD_LABELS,
    FREE_TEXT_LABEL,
    NOTIFICATION_ELEMENTS,
    TEXT_LIMIT,
    TemplateKind,
)
from .models import CommitmentTemplate, NotificationTemplate, TemplateVersion

StaffTemplate = NotificationTemplate | CommitmentTemplate

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


# --- staff: the template editor (issue 4 §6) -------------------------------------------------
# Agency admins edit the drafts of their agency's items with the linter's findings shown inline
# (htmx) and publish them; Justice Bureau reviewers see the drafts of the agencies they oversee
# read-only and may publish over blocking findings with a written reason.

KIND_LABELS = {TemplateKind.NOTIFICATION: "告知书", TemplateKind.COMMITMENT: "承诺书"}


def _staff_item(item_code: str, kind: str) -> CertificationItem:
    if kind not in TemplateKind.values or len(item_code) > MAX_CODE_LENGTH:
        raise NotFound()
    item = CertificationItem.objects.select_related("agency").filter(code=item_code).first()
    if item is None:
        raise NotFound()
    return item


def _reviewed_drafts(actor: Actor, model: type[StaffTemplate]) -> QuerySet[Any]:
    """Drafts of the agencies a Justice Bureau reviewer oversees (read-only for them)."""
    if not has_role(actor, Role.JUSTICE_REVIEWER):
        return model.objects.none()
    ids = reviewable_agency_ids(actor)
    return model.objects.select_related("item", "agency").filter(agency_id__in=ids)


def _staff_template(actor: Actor, item_code: str, kind: str) -> StaffTemplate:
    """The draft for its agency's admins, or for a reviewer overseeing the agency; else 404."""
    item = _staff_item(item_code, kind)
    try:
        return selectors.draft_get_for(actor, item, kind)
    except NotFound:
        model = NotificationTemplate if kind == TemplateKind.NOTIFICATION else CommitmentTemplate
        draft = _reviewed_drafts(actor, model).filter(item=item).first()
        if draft is None:
            raise
        return draft


def _draft_status(draft: StaffTemplate, latest: TemplateVersion | None) -> str:
    if latest is None:
        return _("未发布")
    if digest_json(services.template_content(draft)) == latest.digest:
        return _("已发布")
    return _("有未发布的修改")


@staff_view
def staff_drafts(request: HttpRequest) -> HttpResponse:
    """The drafts the actor keeps (or oversees), each with its status and latest version."""
    user = request.user
    sources: list[QuerySet[Any]] = [
        selectors.notification_drafts_for(user),
        selectors.commitment_drafts_for(user),
        _reviewed_drafts(user, NotificationTemplate),
        _reviewed_drafts(user, CommitmentTemplate),
    ]
    rows: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for qs in sources:
        for draft in qs:
            key = (draft.item_id, str(draft.kind))
            if key in seen:
                continue
            seen.add(key)
            latest = selectors.public_latest_version(draft.item, draft.kind)
            rows.append(
                {
                    "draft": draft,
                    "kind_label": KIND_LABELS[draft.kind],
                    "latest": latest,
                    "latest_links": _version_links(latest) if latest else None,
                    "status": _draft_status(draft, latest),
                    "can_edit": policies.can_edit_templates(user, draft.agency_id),
                    "edit_url": reverse(
                        "documents:staff_edit",
                        kwargs={"item_code": draft.item.code, "kind": draft.kind},
                    ),
                }
            )
    rows.sort(key=lambda r: (r["draft"].agency_id, r["draft"].item.code, str(r["draft"].kind)))
    without = [
        item
        for item in selectors.items_without_templates(user)
        if policies.can_edit_templates(user, item.agency_id)
    ]
    return render(request, "documents/staff_drafts.html", {"rows": rows, "items_without": without})


@staff_view
@require_POST
def staff_create(request: HttpRequest) -> HttpResponse:
    """Create both drafts of an item without templates (from the catalog entry's defaults)."""
    code = (request.POST.get("item_code") or "").strip()
    item = _staff_item(code, TemplateKind.NOTIFICATION)
    if not policies.can_edit_templates(request.user, item.agency_id):
        raise NotFound()
    try:
        services.template_draft_create(actor=request.user, item=item)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
        return redirect("documents:staff_drafts")
    messages.success(request, _("已生成“%(name)s”的告知书和承诺书草稿。") % {"name": item.name})
    return redirect("documents:staff_edit", item_code=item.code, kind=TemplateKind.NOTIFICATION)


def _field_findings(field: str, text: str) -> list[dict[str, Any]]:
    return services.lint_content({"fields": {field: text}}) if text else []


def _editor_context(
    request: HttpRequest,
    template: StaffTemplate,
    values: dict[str, str],
    errors: dict[str, list[str]],
    message: str = "",
) -> dict[str, Any]:
    user = request.user
    can_edit = policies.can_edit_templates(user, template.agency_id)
    fields = [
        {
            "name": field,
            "label": FIELD_LABELS[field],
            "value": values.get(field, ""),
            "errors": errors.get(field, []),
            "findings": _field_findings(field, values.get(field, "")),
            "problems": services.element_problems_of(field, values.get(field, ""))
            if field != "free_text"
            else [],
        }
        for field in services.text_fields_of(template)
    ]
    latest = selectors.public_latest_version(template.item, template.kind)
    return {
        "template": template,
        "item": template.item,
        "kind_label": KIND_LABELS[template.kind],
        "fields": fields,
        "facts": template.facts if isinstance(template, CommitmentTemplate) else None,
        "facts_label": FACTS_LABEL,
        "facts_errors": errors.get("facts", []),
        "can_edit": can_edit,
        "can_override": policies.can_override_lint(user, template.agency_id),
        "override_reason": request.POST.get("override_reason", "") if request.POST else "",
        "override_errors": errors.get("override_reason", []),
        "other_errors": errors.get("", []),
        "message": message,
        "latest": latest,
        "latest_links": _version_links(latest) if latest else None,
        "status": _draft_status(template, latest),
        "lint_url": reverse(
            "documents:staff_lint",
            kwargs={"item_code": template.item.code, "kind": template.kind},
        ),
        "other_kind": TemplateKind.COMMITMENT
        if template.kind == TemplateKind.NOTIFICATION
        else TemplateKind.NOTIFICATION,
        "other_kind_label": KIND_LABELS[
            TemplateKind.COMMITMENT
            if template.kind == TemplateKind.NOTIFICATION
            else TemplateKind.NOTIFICATION
        ],
    }


@staff_view
def staff_edit(request: HttpRequest, item_code: str, kind: str) -> HttpResponse:
    """Edit a draft (save), publish it, or — a Justice Bureau reviewer — publish over blocking
    findings with a written reason. Refusals show their message and per-field details."""
    template = _staff_template(request.user, item_code, kind)
    text_fields = services.text_fields_of(template)
    values = {field: getattr(template, field) or "" for field in text_fields}
    if request.method != "POST":
        context = _editor_context(request, template, values, {})
        return render(request, "documents/staff_edit.html", context)

    action = request.POST.get("action", "")
    known = {*text_fields, "facts", "override_reason"}
    edit_url = reverse("documents:staff_edit", kwargs={"item_code": item_code, "kind": kind})
    try:
        if action in ("save", "publish"):
            if not policies.can_edit_templates(request.user, template.agency_id):
                raise PermissionDenied(_("只有本机关的部门管理员可以修改草稿"))
            values = {field: request.POST.get(field, "") for field in text_fields}
            template = services.template_draft_update(
                actor=request.user, template=template, data=dict(values)
            )
            values = {field: getattr(template, field) or "" for field in text_fields}
            if action == "save":
                messages.success(request, _("草稿已保存。"))
                return redirect(edit_url)
            version = services.template_publish(actor=request.user, template=template)
        elif action == "override":
            version = services.template_publish(
                actor=request.user,
                template=template,
                override_reason=request.POST.get("override_reason", ""),
            )
        else:
            raise NotFound()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        summary = (
            _("草稿已保存，但未发布：") if action == "publish" else _("未完成：")
        ) + exc.message
        context = _editor_context(request, template, values, field_errors(exc, known), summary)
        return render(request, "documents/staff_edit.html", context, status=400)
    messages.success(
        request,
        _("已发布%(kind)s第%(number)s版。")
        % {"kind": KIND_LABELS[template.kind], "number": version.number},
    )
    return redirect(edit_url)


@staff_view
@require_POST
def staff_lint(request: HttpRequest, item_code: str, kind: str) -> HttpResponse:
    """The linter's findings of one field's text, as an HTML fragment (htmx, R-3.2)."""
    template = _staff_template(request.user, item_code, kind)
    field = request.POST.get("field", "")
    if field not in services.text_fields_of(template):
        raise NotFound()
    text = request.POST.get(field, "")
    too_long = len(text) > TEXT_LIMIT
    findings = [] if too_long else _field_findings(field, text)
    problems = [] if too_long or field == "free_text" else services.element_problems_of(field, text)
    return render(
        request,
        "documents/staff_findings.html",
        {
            "field": {"name": field, "findings": findings, "problems": problems},
            "too_long": too_long,
        },
    )


# --- public: service guides and work rules (R-3.4, R-3.5) -----------------------------------


def _guide_links(version: Any) -> dict[str, str]:
    return {
        "html": reverse("documents:guide_version", kwargs={"pk": version.pk}),
        "docx": reverse("documents:guide_download", kwargs={"pk": version.pk, "fmt": "docx"}),
        "pdf": reverse("documents:guide_download", kwargs={"pk": version.pk, "fmt": "pdf"}),
    }


def _guide_version_or_404(pk: int) -> Any:
    from . import guides

    if not 0 < pk <= MAX_DB_ID:
        raise Http404
    try:
        return guides.public_guide_version_get(pk)
    except NotFound as exc:
        raise Http404 from exc


def guide_index(request: HttpRequest) -> HttpResponse:
    """The latest published service guide of every matter and work rules of every item under
    commitment, per agency; `?agency=<id>` narrows the list. No login."""
    from . import guides

    warnings: list[str] = []
    raw_agency = request.GET.get("agency", "")
    agency_id = _parse_id(raw_agency)
    if raw_agency.strip() and agency_id is None:
        warnings.append(_("“实施机关”参数无效，已忽略该条件。"))
    versions = list(guides.public_latest_guide_versions(agency_id=agency_id))
    for v in versions:
        v.links = _guide_links(v)  # type: ignore[attr-defined]
    agencies = catalog_selectors.public_agency_choices()
    return render(
        request,
        "documents/guide_index.html",
        {
            "versions": versions,
            "agency_id": agency_id,
            "agencies": agencies,
            "warnings": warnings,
        },
    )


def guide_version(request: HttpRequest, pk: int) -> HttpResponse:
    """One published guide or work rules in HTML with its SM3 digest (print stylesheet)."""
    from . import guides

    v = _guide_version_or_404(pk)
    latest = (
        guides.public_latest_work_rules(v.item)
        if v.kind == "work_rules"
        else guides.public_latest_guide(v.matter)
    )
    doc_layout = renderers.guide_layout(v.content, number=v.number, digest=v.digest)
    return render(
        request,
        "documents/guide_version.html",
        {
            "version": v,
            "links": _guide_links(v),
            "latest": latest,
            "is_latest": latest is not None and latest.pk == v.pk,
            "latest_links": _guide_links(latest) if latest else None,
            "layout": doc_layout,
            "materials_columns": renderers.MATERIALS_COLUMNS,
        },
    )


def guide_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The guide or work rules as DOCX or PDF, as an attachment with an ASCII filename."""
    if fmt not in renderers.CONTENT_TYPES:
        raise Http404
    v = _guide_version_or_404(pk)
    body = renderers.render_guide_version(v, fmt)
    response = HttpResponse(body, content_type=renderers.CONTENT_TYPES[fmt])
    filename = renderers.guide_filename(v, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
