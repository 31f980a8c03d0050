"""Pages of cases: the applicant's portal (start, choose per item, read and sign, upload proofs,
follow, withdraw), the window clerk's workbench (find the applicant, start a case for them,
print the texts, record the handwritten signature), the case officer's queue and decision, and
the public listing of published commitments (R-6.3). Views are thin: every write is a service."""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from chengnuo.agencies.constants import Region
from chengnuo.agencies.models import Agency
from chengnuo.catalog.models import Matter
from chengnuo.core import contributions
from chengnuo.core.actors import Actor
from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.events import kind_label
from chengnuo.core.listing import PAGE_SIZE, list_filters, parse_pk
from chengnuo.core.net import client_in
from chengnuo.core.web import error_messages, fail, staff_view
from chengnuo.credit import selectors as credit_selectors
from chengnuo.credit import services as credit_services
from chengnuo.credit.constants import IdType, SubjectKind
from chengnuo.documents import render as renderers

from . import policies, selectors, services
from .constants import CaseStatus, Choice, CommitmentStatus, Decision, SignMethod
from .constants import Event as CaseEvent
from .models import Case, CaseItem

INSURANCE_FIELDS = ("insurer", "policy_number", "amount", "start", "end")
LIST_PAGE_SIZE = PAGE_SIZE
# the service hall's screen: the newest rows, so many at a time, the next ones after so many
# seconds; the whole page reloads every few minutes (also without JavaScript)
HALL_ROWS = 60
HALL_ROWS_PER_SCREEN = 8
HALL_SECONDS_PER_SCREEN = 15
HALL_REFRESH_SECONDS = 300


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _case_url(case: Case) -> str:
    return reverse("cases:detail", kwargs={"number": case.number})


# --- lists ----------------------------------------------------------------------------------


@staff_view
def my_cases(request: HttpRequest) -> HttpResponse:
    """The applicant's cases, with what to do next."""
    cases = list(selectors.my_cases(request.user)[:200])
    return render(
        request,
        "cases/my_cases.html",
        {"cases": cases, "subjects": list(credit_selectors.my_subjects(request.user))},
    )


@staff_view
def start(request: HttpRequest) -> HttpResponse:
    """Choose a matter and the subject to apply for (online); POST starts the case."""
    subjects = list(credit_selectors.my_subjects(request.user))
    code = (request.POST.get("matter") or request.GET.get("matter") or "").strip()[:40]
    matter = Matter.objects.select_related("agency").filter(code=code).first() if code else None
    if request.method == "POST":
        subject = next((s for s in subjects if str(s.pk) == request.POST.get("subject")), None)
        if matter is None or subject is None:
            messages.error(request, _("请选择办理的事项和申请人"))
        else:
            try:
                case = services.case_create(actor=request.user, matter=matter, subject=subject)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                fail(request, exc)
            else:
                messages.success(request, _("已创建办件%(number)s。") % {"number": case.number})
                return redirect(_case_url(case))
    q = (request.GET.get("q") or "").strip()[:50]
    matters = selectors.matters_for_application()
    if q:
        matters = matters.filter(name__icontains=q)
    return render(
        request,
        "cases/start.html",
        {"subjects": subjects, "matter": matter, "matters": list(matters[:100]), "q": q},
    )


@staff_view
def queue(request: HttpRequest) -> HttpResponse:
    """The case officer's queue: filters, deadlines (overdue in red), risk levels."""
    if policies.staff_readable_agency_ids(request.user) == set():
        raise PermissionDenied(_("只有机关工作人员可以查看办件队列"))
    status = request.GET.get("status", CaseStatus.SUBMITTED)
    status = status if status in CaseStatus.values or status == "all" else CaseStatus.SUBMITTED
    overdue = request.GET.get("overdue") == "1"
    q = (request.GET.get("q") or "").strip()[:40]
    raw_matter = request.GET.get("matter", "")
    matter_id = int(raw_matter) if raw_matter.isdigit() and len(raw_matter) < 10 else None
    today = timezone.localdate()
    cases = selectors.staff_cases(
        request.user,
        status="" if status == "all" else status,
        matter_id=matter_id,
        overdue=overdue,
        q=q,
        on=today,
    )
    visible = selectors.staff_cases(request.user)
    matter_choices = (
        Matter.objects.filter(pk__in=visible.values("matter_id"))
        .order_by("code")
        .only("id", "name")
    )
    return render(
        request,
        "cases/queue.html",
        {
            "cases": list(cases[:300]),
            "status": status,
            "statuses": CaseStatus.choices,
            "overdue": overdue,
            "q": q,
            "matter_id": matter_id,
            "matters": list(matter_choices),
            "today": today,
            "stats": selectors.withdrawal_counts(request.user),
            "can_window": policies.can_start_window_case(request.user),
        },
    )


# --- the window -----------------------------------------------------------------------------


@staff_view
def window(request: HttpRequest) -> HttpResponse:
    """Find the walk-in applicant by identifier (echoed masked), register them if new, and
    start a case for them at the window."""
    if not policies.can_start_window_case(request.user):
        raise PermissionDenied(_("只有窗口人员可以代申请人办理"))
    from chengnuo.agencies.constants import Role
    from chengnuo.agencies.policies import agency_ids_with_role

    agency_ids = agency_ids_with_role(request.user, Role.WINDOW_CLERK)
    matters = list(Matter.objects.filter(agency_id__in=agency_ids).order_by("code"))
    context: dict[str, Any] = {
        "matters": matters,
        "id_types": IdType.choices,
        "kinds": SubjectKind.choices,
        "searched": False,
        "subject": None,
    }
    action = request.POST.get("action", "") if request.method == "POST" else ""
    try:
        if action == "find":
            context["id_type"] = request.POST.get("id_type", "")
            subject = credit_services.subject_lookup(
                actor=request.user,
                id_type=request.POST.get("id_type", ""),
                id_value=request.POST.get("id_value", "").strip(),
            )
            context["searched"] = True  # a mistyped number raised above: no "not found" then
            context["subject"] = subject
            if subject is not None:
                context["risk"] = credit_services.risk_of(subject)
        elif action == "register":
            subject = credit_services.subject_register(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                id_type=request.POST.get("id_type", ""),
                id_value=request.POST.get("id_value", "").strip(),
                phone=request.POST.get("phone", "").strip(),
            )
            messages.success(request, _("已登记申请人%(name)s。") % {"name": subject.display_name})
            context.update(searched=True, subject=subject, risk=credit_services.risk_of(subject))
        elif action == "start":
            subject = credit_selectors.subject_for_staff(request.user, request.POST.get("subject"))
            matter = next((m for m in matters if str(m.pk) == request.POST.get("matter")), None)
            if matter is None:
                raise DomainError("matter_required", _("请选择本机关的办理事项"), field="matter")
            case = services.case_create(actor=request.user, matter=matter, subject=subject)
            messages.success(request, _("已为申请人创建办件%(number)s。") % {"number": case.number})
            return redirect(_case_url(case))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    return render(request, "cases/window.html", context)


# --- one case -------------------------------------------------------------------------------


WITHDRAWN_NOTE = gettext_lazy(
    "“%(name)s”的承诺已退出，本办件中该项按一般程序办理，请提交证明材料，不能再次签署承诺书。"
)


def _line_view(case: Case, line: CaseItem, actor: Actor) -> dict[str, Any]:
    commitments = list(line.commitments.all())
    active = next((c for c in commitments if c.status == CommitmentStatus.SIGNED), None)
    withdrawn = any(c.status == CommitmentStatus.WITHDRAWN for c in commitments)
    open_case = case.can_change_items()
    acting = policies.may_act_on(actor, case)
    return {
        "withdrawn": withdrawn,
        "line": line,
        "item": line.item,
        "active": active,
        "commitments": commitments,
        "proofs": list(line.proofs.all()),
        "reasons": line.eligibility.get("reasons", []) if not line.commit_offered else [],
        "repair_hint": line.eligibility.get("repair_hint", ""),
        "can_sign": acting
        and open_case
        and line.commit_offered
        and active is None
        and not withdrawn,
        "can_prove": acting and open_case and active is None,
        "can_choose_proof": acting and open_case and active is None and line.choice != "proof",
        "can_withdraw": acting and active is not None and case.can_withdraw(),
        "resolved": line.resolved,
    }


@staff_view
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """The case: items with their choice, commitment and proofs; actions for who may act;
    the officer's decision; the whole timeline."""
    case = selectors.case_get_for(request.user, number)
    actor = request.user
    lines = [_line_view(case, line, actor) for line in selectors.case_lines(case)]
    staff = policies.handles(actor, case.agency_id) or (not policies.is_applicant_for(actor, case))
    # what other apps show under each commitment (verification: its tasks and handling)
    commitments = [c for line in lines for c in line["commitments"]]
    notes = contributions.collect(
        "case.commitment_notes", actor=actor, case=case, commitments=commitments, staff=staff
    )
    for c in commitments:
        c.notes = notes.get(c.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "lines": lines,
            "timeline": _labelled(selectors.case_timeline(case, staff=staff)),
            "staff": staff,
            "acting": policies.may_act_on(actor, case),
            "can_submit": policies.may_act_on(actor, case) and case.can_submit(),
            "can_decide": policies.can_decide(actor, case.agency_id) and not case.concluded,
            "decisions": Decision.choices,
            "can_audit": _can_audit(actor, case),
            "overdue": case.status == CaseStatus.SUBMITTED
            and case.due_date is not None
            and case.due_date < timezone.localdate(),
        },
    )


def _can_audit(actor: Actor, case: Case) -> bool:
    from chengnuo.agencies.policies import auditable_agency_ids

    return case.agency_id in auditable_agency_ids(actor)


def _labelled(events: Any) -> list[Any]:
    rows = list(events)
    for e in rows:
        e.label = kind_label(e.event)
    return rows


def _post_action(request: HttpRequest, case: Case, run) -> HttpResponse:
    try:
        run()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    return redirect(_case_url(case))


@staff_view
@require_POST
def choose(request: HttpRequest, number: str, item_code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, number)
    line = selectors.case_line_get(case, item_code)

    def run() -> None:
        services.item_choose(
            actor=request.user,
            case_item=line,
            choice=request.POST.get("choice", ""),
            expected_version=_version(request),
        )
        messages.success(request, _("已更新“%(name)s”的办理方式。") % {"name": line.item.name})

    return _post_action(request, case, run)


@staff_view
@require_POST
def upload_proof(request: HttpRequest, number: str, item_code: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, number)
    line = selectors.case_line_get(case, item_code)

    def run() -> None:
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("file_required", _("请选择要上传的证明材料文件"), field="file")
        services.proof_upload(
            actor=request.user, case_item=line, upload=upload, expected_version=_version(request)
        )
        messages.success(request, _("已上传“%(name)s”的证明材料。") % {"name": line.item.name})

    return _post_action(request, case, run)


@staff_view
@require_POST
def withdraw(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    case = selectors.case_get_for(request.user, number)
    commitment = selectors.commitment_get_for(request.user, pk)
    if commitment.case_id != case.pk:
        raise Http404

    def run() -> None:
        services.commitment_withdraw(
            actor=request.user,
            commitment=commitment,
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
        messages.success(
            request,
            _("已退出“%(name)s”的承诺，请改为提交证明材料。") % {"name": commitment.item.name},
        )

    return _post_action(request, case, run)


@staff_view
@require_POST
def submit(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, number)

    def run() -> None:
        done = services.case_submit(
            actor=request.user, case=case, expected_version=_version(request)
        )
        messages.success(
            request,
            _("申请已提交，办结期限为%(date)s。") % {"date": done.due_date.isoformat()},  # type: ignore[union-attr]
        )

    return _post_action(request, case, run)


@staff_view
@require_POST
def decide(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, number)

    def run() -> None:
        done = services.case_decide(
            actor=request.user,
            case=case,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            expected_version=_version(request),
        )
        messages.success(
            request, _("已作出决定：%(status)s。") % {"status": done.get_status_display()}
        )

    return _post_action(request, case, run)


# --- reading and signing --------------------------------------------------------------------


def _read_context(case: Case, line: CaseItem) -> dict[str, Any]:
    notification, commitment = services.current_versions(line.item)
    if notification is None or commitment is None:
        return {"missing_texts": True}
    return {
        "notification": notification,
        "commitment": commitment,
        "notification_layout": renderers.layout(
            notification.content, number=notification.number, digest=notification.digest
        ),
        "commitment_layout": renderers.layout(
            commitment.content, number=commitment.number, digest=commitment.digest
        ),
        "facts": commitment.content.get("facts", []),
        "notification_links": _download_links(notification),
    }


def _download_links(version: Any) -> dict[str, str]:
    kwargs = {"item_code": version.item.code, "kind": version.kind, "number": version.number}
    return {
        "html": reverse("documents:version", kwargs=kwargs),
        "pdf": reverse("documents:download", kwargs={**kwargs, "fmt": "pdf"}),
        "docx": reverse("documents:download", kwargs={**kwargs, "fmt": "docx"}),
    }


@staff_view
def sign(request: HttpRequest, number: str, item_code: str) -> HttpResponse:
    """Read the notification, then sign the commitment with the facts committed to (and the
    insurance policy where required). At the window the clerk uploads the handwritten scan."""
    case = selectors.case_get_for(request.user, number)
    line = selectors.case_line_get(case, item_code)
    if not policies.may_act_on(request.user, case):
        raise PermissionDenied(_("只有申请人或本机关窗口人员、承办人员可以签署承诺书"))
    handwritten = not policies.is_applicant_for(request.user, case)
    if line.withdrawn:
        messages.warning(request, WITHDRAWN_NOTE % {"name": line.item.name})
        return redirect(_case_url(case))
    errors: list[str] = []
    if request.method == "POST":
        facts = {
            key.removeprefix("fact_"): value
            for key, value in request.POST.items()
            if key.startswith("fact_")
        }
        insurance = {k: request.POST.get(f"insurance_{k}", "") for k in INSURANCE_FIELDS}
        try:
            read = services.ReadVersions(
                int(request.POST.get("notification_id", "0") or 0),
                int(request.POST.get("commitment_id", "0") or 0),
            )
            services.commitment_sign(
                actor=request.user,
                case_item=line,
                read=read,
                facts=facts,
                confirmed=request.POST.get("confirmed") == "1",
                insurance=insurance if line.item.liability_insurance_required else None,
                signature_scan=request.FILES.get("signature_scan") if handwritten else None,
                expected_version=_version(request),
            )
        except ValueError:
            errors = [_("请求无效，请刷新页面后重试")]
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, _("已签署“%(name)s”的承诺书。") % {"name": line.item.name})
            return redirect(_case_url(case))
    context = {
        "case": case,
        "line": line,
        "item": line.item,
        "handwritten": handwritten,
        "errors": errors,
        "insurance": {k: request.POST.get(f"insurance_{k}", "") for k in INSURANCE_FIELDS},
        "insurance_required": line.item.liability_insurance_required,
        "reasons": line.eligibility.get("reasons", []) if not line.commit_offered else [],
        **_read_context(case, line),
    }
    context["facts"] = [
        dict(fact, value=request.POST.get(f"fact_{fact['key']}", ""))
        for fact in context.get("facts", [])
    ]
    return render(request, "cases/sign.html", context, status=400 if errors else 200)


@staff_view
def print_commitment(request: HttpRequest, number: str, item_code: str) -> HttpResponse:
    """The commitment text to print for a handwritten signature at the window: the current
    version with the applicant's name filled in, facts left blank to be written by hand."""
    case = selectors.case_get_for(request.user, number)
    line = selectors.case_line_get(case, item_code)
    if not policies.handles(request.user, case.agency_id):
        raise PermissionDenied(_("只有本机关窗口人员、承办人员可以打印待签署的承诺书"))
    _notification, version = services.current_versions(line.item)
    if version is None:
        raise Http404
    filled = copy.deepcopy(version.content)
    filled["applicant"] = {"name": case.subject.name}
    filled["version"] = {"number": version.number, "digest": version.digest}
    body = renderers.render_pdf(
        version.content, filled, number=version.number, digest=version.digest
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{case.number}-{renderers.version_filename(version, "pdf")}"'
    )
    return response


@staff_view
def commitment_detail(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A signed commitment rendered against the version it was signed with (not today's)."""
    case = selectors.case_get_for(request.user, number)
    c = selectors.commitment_get_for(request.user, pk)
    if c.case_id != case.pk:
        raise Http404
    v = c.commitment_version
    return render(
        request,
        "cases/commitment.html",
        {
            "case": case,
            "c": c,
            "layout": renderers.layout(
                v.content, services.signed_content(c), number=v.number, digest=v.digest
            ),
            "latest": services.current_versions(c.item)[1],
            "method_label": SignMethod(c.method).label,
            "receipt": _signing_receipt(case, c),
        },
    )


def _signing_receipt(case: Case, c: Any) -> dict[str, Any] | None:
    """The log receipt of the signing (R-9.1, ADR 0012), once it is in a checkpoint."""
    from chengnuo.audit import log

    return log.receipt_for(case, CaseEvent.COMMITMENT_SIGNED, commitment_id=c.pk)


@staff_view
def commitment_receipt(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """The signing's receipt as a file, to keep and to check at /log/verify/ or offline."""
    import json

    case = selectors.case_get_for(request.user, number)
    c = selectors.commitment_get_for(request.user, pk)
    if c.case_id != case.pk:
        raise Http404
    receipt = _signing_receipt(case, c)
    if receipt is None:
        raise Http404
    response = HttpResponse(
        json.dumps(receipt, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="receipt-{case.number}-{c.pk}.json"'
    return response


@staff_view
def commitment_pdf(request: HttpRequest, number: str, pk: int) -> Any:
    """The archived PDF of a signed commitment (rendered from its version if not yet archived)."""
    case = selectors.case_get_for(request.user, number)
    c = selectors.commitment_get_for(request.user, pk)
    if c.case_id != case.pk:
        raise Http404
    if not c.pdf:
        c = services.commitment_archive(commitment_id=c.pk)
    filename = f"{case.number}-{c.item.code}-commitment-{c.pk}.pdf"
    return FileResponse(c.pdf.open("rb"), content_type="application/pdf", filename=filename)


@staff_view
def proof_download(request: HttpRequest, number: str, pk: int) -> Any:
    case = selectors.case_get_for(request.user, number)
    proof = selectors.proof_get_for(request.user, pk)
    if proof.case_item.case_id != case.pk:
        raise Http404
    extension = proof.file.name.rsplit(".", 1)[-1]
    return FileResponse(
        proof.file.open("rb"),
        content_type=proof.content_type,
        as_attachment=True,
        filename=f"{case.number}-proof-{proof.pk}.{extension}",
    )


# --- public (R-6.3) -------------------------------------------------------------------------


def public_commitments(request: HttpRequest) -> HttpResponse:
    """Published commitments for social supervision, masked; no login. Searched by the shown
    name, agency, item and publication date, a page at a time; a bad value is left out with a
    message."""
    agencies = selectors.publishing_agencies()
    filters = list_filters(
        request.GET,
        agency_ids={pk for pk, _name in agencies},
        item=True,
        q_label=_("承诺人"),
        date_label=_("公开日期"),
    )
    commitments = selectors.public_commitments(
        agency_id=filters.agency_id,
        q=filters.q,
        item=filters.item,
        published_from=filters.date_from,
        published_to=filters.date_to,
    )
    page = Paginator(commitments, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/public_list.html",
        {"page_obj": page, "filters": filters, "agencies": agencies},
    )


def commitment_hall(request: HttpRequest) -> HttpResponse:
    """The service hall's big screen: the newest published commitments and public dishonesty
    entries, of one agency (?agency=id) or region (?region=code) or all, a page at a time in
    turn (cases/hall.js), reloaded every few minutes. From the halls' networks
    (HALL_NETWORKS) it also lists what is published at the venue only."""
    errors: list[str] = []
    agency = None
    raw_agency = request.GET.get("agency", "").strip()
    if raw_agency:
        pk = parse_pk(raw_agency)
        agency = Agency.objects.filter(pk=pk).first() if pk else None
        if agency is None:
            errors.append(_("“实施机关”无效，显示全部机关的公开信息。"))
    region = request.GET.get("region", "").strip()
    if region and region not in Region.values:
        errors.append(_("“行政区划”无效，已忽略该条件。"))
        region = ""
    agency_id = agency.pk if agency is not None else None
    if agency is not None:
        place, region = agency.name, ""  # the agency names the place
    else:
        place = str(Region(region).label) if region else ""
    in_hall = client_in(request, settings.HALL_NETWORKS)
    commitments = selectors.public_commitments(
        scopes=selectors.HALL_SCOPES if in_hall else selectors.PORTAL_SCOPES,
        agency_id=agency_id,
        region=region,
    )
    records = credit_selectors.publicly_listed_records(
        on=timezone.localdate(), agency_id=agency_id, region=region
    )
    return render(
        request,
        "cases/hall.html",
        {
            "place": place,
            "agency": agency,
            "commitments": list(commitments[:HALL_ROWS]),
            "records": list(records[:HALL_ROWS]),
            "errors": errors,
            "now": timezone.localtime(),
            "rows_per_screen": HALL_ROWS_PER_SCREEN,
            "seconds_per_screen": HALL_SECONDS_PER_SCREEN,
            "refresh_seconds": HALL_REFRESH_SECONDS,
        },
    )


def public_commitment(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        c = selectors.public_commitment_get(pk)
    except NotFound as exc:
        raise Http404 from exc
    v = c.commitment_version
    content = services.signed_content(c)
    content["applicant"] = {"name": c.subject.display_name}
    content["signed"] = dict(content["signed"], case=_("（不公开）"))
    return render(
        request,
        "cases/public_detail.html",
        {"c": c, "layout": renderers.layout(v.content, content, number=v.number, digest=v.digest)},
    )


def choice_label(value: str) -> str:
    return str(Choice(value).label) if value in Choice.values else value
