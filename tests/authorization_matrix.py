"""The data of tests/test_authorization_matrix.py: the actors, one scenario that owns an object of
every kind a URL names (all of agency A), and the matrix — for every HTML route and every API
operation, the status each actor gets.

Actors: the anonymous visitor; the applicant who owns the case, subject and credit record
("owner") and an applicant who owns none of them ("other_applicant"); each staff role of agency
A, the agency owning every object ("<role>@A"), and the same role of another agency B
("<role>@B"); the system admin (no agency); a case officer of agency C, the agency A asked
for assistance ("case_officer@C"), the one third party the platform lets in on A's objects; and
the complaint handler of the Justice Bureau overseeing A ("complaint_handler@SFJ-A"), the one
who sees complainants' sealed identities.

The Justice Bureau owns none of the objects, it oversees their agency: "justice_reviewer@A" is a
reviewer of the county Justice Bureau of A's region (it oversees A), "justice_reviewer@B" one of
B's region (it does not). A and B are county-level agencies of different regions for that.

Every cell comes from the view's permission check (the selector or service it calls); each
entry's `why` names it. A cell is:

- an HTTP status (int): the answer;
- LOGIN: a redirect to the login page (anonymous visitors of staff pages);
- ALLOWED: a permitted write — any answer but a refusal (401, 403, 404, 405), the login page
  or an error; what the service then says (302, 400, 409, 422…) is the feature tests' business;
- Refused(status): a refusal answered with another status (a page with the message, a 400):
  like 401/403/404 and LOGIN, nothing may be written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.agencies.models import Membership

# --- actors ---------------------------------------------------------------------------------

ANON = "anonymous"
OWNER = "owner"
STRANGER = "other_applicant"
SYSADMIN = "system_admin"
HELPER = "case_officer@C"
JB_HANDLER = "complaint_handler@SFJ-A"

AGENCY_ROLES = (
    Role.WINDOW_CLERK,
    Role.CASE_OFFICER,
    Role.INSPECTOR,
    Role.AGENCY_ADMIN,
    Role.JUSTICE_REVIEWER,
    Role.CREDIT_OFFICER,
    Role.DATA_ADMIN,
    Role.AUDITOR,
    Role.COMPLAINT_HANDLER,
)


def a(role: Role) -> str:
    return f"{role.value}@A"


def b(role: Role) -> str:
    return f"{role.value}@B"


CLERK_A, CLERK_B = a(Role.WINDOW_CLERK), b(Role.WINDOW_CLERK)
OFFICER_A, OFFICER_B = a(Role.CASE_OFFICER), b(Role.CASE_OFFICER)
INSPECTOR_A, INSPECTOR_B = a(Role.INSPECTOR), b(Role.INSPECTOR)
ADMIN_A, ADMIN_B = a(Role.AGENCY_ADMIN), b(Role.AGENCY_ADMIN)
REVIEWER_A, REVIEWER_B = a(Role.JUSTICE_REVIEWER), b(Role.JUSTICE_REVIEWER)
CREDIT_A, CREDIT_B = a(Role.CREDIT_OFFICER), b(Role.CREDIT_OFFICER)
DATA_A, DATA_B = a(Role.DATA_ADMIN), b(Role.DATA_ADMIN)
AUDITOR_A, AUDITOR_B = a(Role.AUDITOR), b(Role.AUDITOR)

STAFF_A = tuple(a(r) for r in AGENCY_ROLES)
STAFF_B = tuple(b(r) for r in AGENCY_ROLES)
HANDLER_A, HANDLER_B = a(Role.COMPLAINT_HANDLER), b(Role.COMPLAINT_HANDLER)
ACTORS = (ANON, OWNER, STRANGER, *STAFF_A, *STAFF_B, SYSADMIN, HELPER, JB_HANDLER)
SIGNED_IN = tuple(x for x in ACTORS if x != ANON)

# groups the views' checks come back to
CASE_READERS_A = (CLERK_A, OFFICER_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN)
CASE_HANDLERS_A = (CLERK_A, OFFICER_A)
LOOKUP_ROLES = (CLERK_A, OFFICER_A, INSPECTOR_A, CREDIT_A, CLERK_B, OFFICER_B, INSPECTOR_B)
CREDIT_LOOKUP = (*LOOKUP_ROLES, CREDIT_B, SYSADMIN, HELPER)
CREDIT_OFFICERS = (CREDIT_A, CREDIT_B, SYSADMIN)
# who reaches the owner's subject through a lawful context (credit.access): a case or a record
# of their own agency (lookup roles of A), the assistance request to C
SUBJECT_REACHERS = (CLERK_A, OFFICER_A, INSPECTOR_A, CREDIT_A, HELPER)
TASK_READERS_A = (OFFICER_A, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN)
AUDIT_READERS_A = (ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN)
PROPOSAL_READERS_A = (ADMIN_A, REVIEWER_A, SYSADMIN)
DRAFT_READERS_A = (ADMIN_A, REVIEWER_A, SYSADMIN)

# --- cells ----------------------------------------------------------------------------------

LOGIN = "login"
ALLOWED = "allowed"


@dataclass(frozen=True)
class Refused:
    """A refusal with a status other than 401/403/404 (the page again with its message)."""

    status: int

    def __str__(self) -> str:
        return f"refused {self.status}"


Cell = int | str | Refused
DENIALS = (401, 403, 404, 405)


def is_denial(cell: Cell) -> bool:
    return cell == LOGIN or isinstance(cell, Refused) or cell in DENIALS


def grant(cell: Cell, *actors: str | Iterable[str]) -> tuple[Cell, list[str]]:
    names: list[str] = []
    for x in actors:
        names += [x] if isinstance(x, str) else list(x)
    return cell, names


def expect(default: Cell, *grants: tuple[Cell, list[str]], anonymous: Cell = LOGIN) -> dict:
    """Every actor's cell: `default` for signed-in actors not granted anything else."""
    cells: dict[str, Cell] = {x: default for x in SIGNED_IN}
    cells[ANON] = anonymous
    for cell, names in grants:
        for name in names:
            assert name in cells, name
            cells[name] = cell
    return cells


def public(status: int = 200) -> dict:
    return expect(status, anonymous=status)


def signed_in(status: int = 200, *grants: tuple[Cell, list[str]]) -> dict:
    return expect(status, *grants)


def api(default: Cell, *grants: tuple[Cell, list[str]]) -> dict:
    return expect(default, *grants, anonymous=401)


# --- the scenario ---------------------------------------------------------------------------

REPAIR_TEXT = {
    "statement": "已全额退回违规领取的款项，并补办了相关登记手续。",
    "commitment_letter": "本人承诺今后如实承诺，如有不实愿意承担法律责任。",
}
OBJECTION_GROUNDS = "核查时经营场所正在装修，已在三日内整改并复查合格。"
RETURN_REASON = "依据不足，请补充所依据的法律法规条款"
WITHDRAW_REASON = "不再符合条件，改为提交证明材料"
ALERT_NOTE = "已核实：窗口集中补录材料所需"


@dataclass
class Scenario:
    users: dict[str, Any]
    agency: Any
    other_agency: Any
    helper_agency: Any
    matter: Any
    social: Any  # under commitment: signed in both cases
    marriage: Any  # under commitment, published for 30 days
    diploma: Any  # proof only
    new_item: Any  # in force through a filed proposal, no templates yet
    version: Any  # the catalog version the filing published
    proposal: Any  # submitted
    returned: Any  # returned by the Justice Bureau
    person: Any  # the owner's subject
    person_number: str
    stranger_person: Any
    case: Any  # submitted, not decided
    commitment: Any  # case: signed for `social`
    proof: Any  # case: uploaded for `diploma`
    approved: Any  # decided; its commitments verified
    public_commitment: Any  # approved: `marriage`, published
    assistance_task: Any
    assistance: Any  # open, to agency C, with evidence
    inspection: Any  # assigned to inspector@A
    photo: Any
    handling: Any  # rectification ordered, open
    draw: Any
    record: Any  # the owner's credit record, decided by agency A
    repair: Any
    material: Any
    objection: Any
    notice: Any  # sanction notice to agency A
    alert: Any  # raised for agency A
    guide_version: Any
    source: Any
    extra: dict[str, Any] = field(default_factory=dict)


def _user(role: Role, agency: Any, username: str) -> Any:
    from .factories import UserFactory

    user = UserFactory(username=username)
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


def build_scenario() -> Scenario:
    """Everything of agency A a URL names, built through the services (as people do)."""
    from chengnuo.audit import alerts
    from chengnuo.audit.models import Alert
    from chengnuo.cases import services as case_services
    from chengnuo.cases.models import Commitment, Proof
    from chengnuo.catalog import services as catalog_services
    from chengnuo.catalog.models import CatalogVersion, CertificationItem
    from chengnuo.core import crypto
    from chengnuo.credit import services as credit_services
    from chengnuo.credit.constants import RecordKind
    from chengnuo.credit.models import SanctionNotice, SubjectLink
    from chengnuo.documents import guides
    from chengnuo.verification import handling, internal
    from chengnuo.verification.constants import Outcome, VerificationMethod
    from chengnuo.verification.models import (
        DataSource,
        Inspection,
        InspectionPhoto,
        SamplingDraw,
        VerificationPlan,
        VerificationTask,
    )

    from .cases_helpers import PDF, PNG, pdf_upload, publish_texts, read_versions
    from .credit_helpers import resident_id
    from .factories import AgencyFactory, CertificationItemFactory, MatterFactory, item_payload

    today = timezone.localdate()
    agency = AgencyFactory(
        name="颍州区人力资源和社会保障局", region=Region.YINGZHOU, level=Level.COUNTY
    )
    other = AgencyFactory(name="太和县民政局", region=Region.TAIHE, level=Level.COUNTY)
    justice_a = AgencyFactory(
        name="颍州区司法局", kind="justice_bureau", region=Region.YINGZHOU, level=Level.COUNTY
    )
    justice_b = AgencyFactory(
        name="太和县司法局", kind="justice_bureau", region=Region.TAIHE, level=Level.COUNTY
    )
    helper = AgencyFactory(name="阜阳市医疗保障局", region=Region.FUYANG, level=Level.CITY)

    users: dict[str, Any] = {}
    for role in AGENCY_ROLES:
        home_a, home_b = (
            (justice_a, justice_b) if role == Role.JUSTICE_REVIEWER else (agency, other)
        )
        users[a(role)] = _user(role, home_a, f"mx-{role.value}-a")
        users[b(role)] = _user(role, home_b, f"mx-{role.value}-b")
    users[SYSADMIN] = _user(Role.SYSTEM_ADMIN, None, "mx-sysadmin")
    users[HELPER] = _user(Role.CASE_OFFICER, helper, "mx-officer-c")
    users[JB_HANDLER] = _user(Role.COMPLAINT_HANDLER, justice_a, "mx-complaints-sfj")
    users[OWNER] = _user(Role.APPLICANT, None, "mx-owner")
    users[STRANGER] = _user(Role.APPLICANT, None, "mx-stranger")
    # a second inspector of A: an inspection goes to two
    _user(Role.INSPECTOR, agency, "mx-inspector-a2")
    admin, officer, reviewer = users[ADMIN_A], users[OFFICER_A], users[REVIEWER_A]

    # --- catalog: a matter, three items, a filing that published a version, two proposals
    matter = MatterFactory(agency=agency, code="YZ-M-1", name="最低生活保障审核确认")
    social = CertificationItemFactory(
        agency=agency, code="YZ-SB-1", name="社会保险缴费证明", proof_content="近12个月连续缴费"
    )
    marriage = CertificationItemFactory(
        agency=agency,
        code="YZ-HY-1",
        name="婚姻状况证明",
        proof_content="婚姻状况为已婚",
        disclosure_scope="website",
        disclosure_period_days=30,
    )
    diploma = CertificationItemFactory(
        agency=agency,
        code="YZ-XL-1",
        name="学历证明",
        not_under_commitment=True,
        verification_method="",
    )
    for item in (social, marriage, diploma):
        item.matters.add(matter)
    for item in (social, marriage):
        publish_texts(admin, item)
    # the proposals' items are of another matter: the cases' matter keeps its three items
    other_matter = MatterFactory(agency=agency, code="YZ-M-2", name="就业困难人员认定")

    def propose(code: str) -> Any:
        return catalog_services.proposal_submit(
            actor=admin,
            agency=agency,
            action="add",
            item_code=code,
            payload=item_payload(matter_codes=[other_matter.code], name=f"证明{code}"),
            reason="扩大告知承诺范围",
            law_change="国办发〔2020〕42号",
            effective_date=today,
        )

    catalog_services.proposal_file(actor=reviewer, proposal=propose("YZ-NEW-1"), comment="")
    new_item = CertificationItem.objects.get(code="YZ-NEW-1")
    version = CatalogVersion.objects.filter(agency=agency).order_by("-number").first()
    proposal = propose("YZ-NEW-2")
    returned = catalog_services.proposal_return(
        actor=reviewer, proposal=propose("YZ-NEW-3"), reason=RETURN_REASON
    )

    # --- documents: a published service guide, work rules drafted
    guide = guides.guide_draft_create(actor=admin, matter=matter)
    guide = guides.guide_draft_update(
        actor=admin, guide=guide, data={"promised_time_limit_days": 10}
    )
    guide_version = guides.guide_publish(actor=admin, guide=guide)
    guides.work_rules_draft_create(actor=admin, item=social)

    # --- subjects: registered by no one of the matrix (a registration is a lookup context)
    number = resident_id()
    person = credit_services.subject_register(
        actor=None,
        kind="person",
        name="王小明",
        id_type="resident_id",
        id_value=number,
        phone="13912345678",
    )
    credit_services.subject_link(
        actor=users[OWNER], user=users[OWNER], subject=person, relation=SubjectLink.Relation.SELF
    )
    stranger_person = credit_services.subject_register(
        actor=None, kind="person", name="李小红", id_type="resident_id", id_value=resident_id()
    )
    credit_services.subject_link(
        actor=users[STRANGER],
        user=users[STRANGER],
        subject=stranger_person,
        relation=SubjectLink.Relation.SELF,
    )

    # --- cases: one submitted, one approved (and verified after the decision)
    VerificationPlan.objects.create(
        item=social,
        methods=[VerificationMethod.ASSISTANCE],
        days=10,
        assistance_agency=helper,
        assistance_days=5,
    )
    VerificationPlan.objects.create(item=marriage, methods=[VerificationMethod.ON_SITE], days=10)
    owner = users[OWNER]

    def ready() -> Any:
        case = case_services.case_create(actor=owner, matter=matter, subject=person)
        for item in (social, marriage):
            line = case.items.get(item=item)
            case_services.commitment_sign(
                actor=owner,
                case_item=line,
                read=read_versions(item),
                facts={"meets_condition": "是"},
                confirmed=True,
            )
        case_services.proof_upload(
            actor=owner, case_item=case.items.get(item=diploma), upload=pdf_upload()
        )
        return case_services.case_submit(actor=owner, case=type(case).objects.get(pk=case.pk))

    case = ready()
    approved = case_services.case_decide(actor=officer, case=ready(), decision="approve")
    commitment = Commitment.objects.get(case=case, item=social)
    proof = Proof.objects.get(case_item__case=case)
    # archived (the worker would have): the PDF page streams it instead of rendering one
    commitment.pdf.save("commitment.pdf", ContentFile(PDF), save=True)
    public_commitment = Commitment.objects.get(case=approved, item=marriage)
    assistance_task = VerificationTask.objects.get(
        commitment__case=approved, method=VerificationMethod.ASSISTANCE
    )
    request = assistance_task.assistance_requests.get()
    request.evidence.save("evidence.pdf", ContentFile(PDF), save=True)
    inspection = Inspection.objects.get(task__commitment__case=approved)
    assert inspection.inspectors.filter(pk=users[INSPECTOR_A].pk).exists()
    photo = InspectionPhoto.objects.create(
        inspection=inspection,
        file=ContentFile(PNG, name="photo.png"),
        original_name="现场.png",
        size=len(PNG),
        content_type="image/png",
        digest="0" * 64,
        uploaded_by=users[INSPECTOR_A],
    )
    untrue = VerificationTask.objects.create(
        commitment=Commitment.objects.get(case=approved, item=social),
        agency=agency,
        method=VerificationMethod.ON_SITE,
        due_date=today + dt.timedelta(days=30),
    )
    with transaction.atomic():
        internal.task_conclude(task=untrue, outcome=Outcome.INCONSISTENT, note="缴费月数不足")
    rectify = handling.handling_decide(
        actor=officer,
        task=VerificationTask.objects.get(pk=untrue.pk),
        measure="rectify",
        reason="缴费月数不足，责令补缴",
        rectification_days=10,
    )
    draw = SamplingDraw.objects.filter(case=approved).first()
    assert draw is not None

    # --- credit: the owner's record (decided by A), a repair with a material, an objection
    record = credit_services.credit_record_create(
        actor=None,
        subject=person,
        kind=RecordKind.FALSE_COMMITMENT,
        summary="承诺已缴纳社保12个月，核查发现仅缴纳3个月",
        decided_on=today - dt.timedelta(days=400),
        impact={"amount_yuan": 5000},
        deciding_agency=agency,
    )
    repair = credit_services.repair_submit(actor=owner, record=record, **REPAIR_TEXT)
    material = credit_services.repair_material_add(
        actor=owner, repair=repair, upload=pdf_upload("完税证明.pdf")
    )
    objection = credit_services.objection_submit(
        actor=owner, record=record, grounds=OBJECTION_GROUNDS
    )
    notice = SanctionNotice.objects.create(record=record, agency=agency)

    with transaction.atomic():
        alert = alerts.alert_raise(
            kind=Alert.Kind.IDENTIFIER_BURST,
            agency=agency,
            staff=users[CLERK_A],
            message="窗口人员在10分钟内查看了5个完整证件号码",
            count=5,
        )
    source = DataSource.objects.create(
        code="yz_social",
        name="社保缴费数据",
        providing_agency=helper,
        base_url="http://127.0.0.1:9",
        path="/api/share/{source}/{id_type}/{id_number}",
        app_key="matrix",
        secret_cipher=crypto.encrypt("matrix-secret"),
        timeout_seconds=0.5,
        max_attempts=1,
    )
    return Scenario(
        users=users,
        agency=agency,
        other_agency=other,
        helper_agency=helper,
        matter=matter,
        social=social,
        marriage=marriage,
        diploma=diploma,
        new_item=new_item,
        version=version,
        proposal=proposal,
        returned=returned,
        person=person,
        person_number=number,
        stranger_person=stranger_person,
        case=case,
        commitment=commitment,
        proof=proof,
        approved=approved,
        public_commitment=public_commitment,
        assistance_task=assistance_task,
        assistance=request,
        inspection=inspection,
        photo=photo,
        handling=rectify,
        draw=draw,
        record=record,
        repair=repair,
        material=material,
        objection=objection,
        notice=notice,
        alert=alert,
        guide_version=guide_version,
        source=source,
        extra={
            **_supervision_scenario(users, agency, matter),
            **_complaints_scenario(users, agency, matter, social, public_commitment),
            **_keytasks_scenario(users, agency),
            **_rectification_scenario(users, agency),
            **_portalchecks_scenario(users, agency),
            **_casereview_scenario(users, agency),
            **_indicators_scenario(users, agency),
            **_reports_scenario(users, agency),
            **_faulttolerance_scenario(users, agency),
            **_learning_scenario(users, agency),
            **_log_scenario(),
        },
    )


def _supervision_scenario(users: dict[str, Any], agency: Any, matter: Any) -> dict[str, Any]:
    """A published inspection item of A, a plan with a completed draw (the approved case's
    subject drawn, inspector@A among its two inspectors), a photo and a parity report."""
    from chengnuo.accounts.models import User
    from chengnuo.supervision import parity_report
    from chengnuo.supervision import services as sup
    from chengnuo.supervision.models import TaskPhoto

    from .cases_helpers import PNG

    admin = users[ADMIN_A]
    item = sup.item_save(
        actor=admin, agency=agency, code="YZ-CC-1", name="最低生活保障待遇领取情况检查",
        kind="general", legal_basis="《社会救助暂行办法》第十一条",
        content="核对享受待遇的条件是否持续符合", matter_ids=[matter.pk], method="on_site",
        frequency="yearly", ratio_by_class={"A": 100, "B": 100, "C": 100, "D": 100},
    )  # fmt: skip
    sup.item_publish(actor=admin, item=item)
    for user in (users[INSPECTOR_A], User.objects.get(username="mx-inspector-a2")):
        sup.inspector_save(
            actor=admin, agency=agency, user=user, qualification="皖YZ0001", region="yingzhou"
        )
    today = timezone.localdate()
    plan = sup.plan_create(
        actor=admin, lead_agency=agency, title="颍州区最低生活保障年度抽查",
        period_kind="yearly", period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31), item_ids=[item.pk],
    )  # fmt: skip
    draw = sup.draw_open(actor=admin, plan=plan)
    sup.seed_commit(actor=users[REVIEWER_A], draw=draw)
    draw = sup.draw_run(actor=admin, draw=draw)
    task = draw.tasks.get()
    assert task.inspectors.filter(user=users[INSPECTOR_A]).exists()
    photo = TaskPhoto.objects.create(
        task=task, file=ContentFile(PNG, name="photo.png"), original_name="现场.png",
        size=len(PNG), content_type="image/png", digest="0" * 64, uploaded_by=users[INSPECTOR_A],
    )  # fmt: skip
    report = parity_report.report_create(
        actor=admin, agency=agency, quarter=parity_report.quarter_of(today)
    )
    return {
        "sup_item": item,
        "sup_plan": plan,
        "sup_draw": draw,
        "sup_task": task,
        "sup_photo": photo,
        "sup_report": report,
        "sup_pool_key": draw.strata[0]["key"],
    }


def _keytasks_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """A custom key task of which A is the responsible unit, and a joint inspection with a
    member of each of the Justice Bureau, the data bureau and the credit authority."""
    from chengnuo.oversight import services_keytasks as kt

    from .factories import AgencyFactory

    task = kt.key_task_save(
        actor=users[SYSADMIN], heading="窗口人员培训", responsible_ids=[agency.pk],
        requirement="组织窗口人员学习告知承诺制工作规程并考试",
    )  # fmt: skip
    data = AgencyFactory(name="阜阳市数据资源管理局", kind="data_bureau", level=Level.CITY)
    fgw = AgencyFactory(name="阜阳市发展和改革委员会", kind="credit_authority", level=Level.CITY)
    members = [
        users[REVIEWER_A],
        _user(Role.DATA_ADMIN, data, "mx-data-sjj"),
        _user(Role.CREDIT_OFFICER, fgw, "mx-credit-fgw"),
    ]
    today = timezone.localdate()
    joint = kt.joint_plan(
        actor=users[SYSADMIN], title="告知承诺制联合督查", member_ids=[u.pk for u in members],
        scope="对证明事项告知承诺办理情况开展联合督查并通报", start=today, end=today,
    )  # fmt: skip
    return {"key_task": task, "joint": joint, "joint_members": [u.pk for u in members]}


def _rectification_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """A rectification notice to A (its finding: a key task of A's, standing for any)."""
    from chengnuo.oversight import services_keytasks as kt
    from chengnuo.oversight import services_rectification as rs

    finding = kt.key_task_save(
        actor=users[SYSADMIN], heading="目录清单公布", responsible_ids=[agency.pk],
        requirement="在政务服务网公布实行告知承诺制的证明事项目录清单",
    )  # fmt: skip
    notice = rs.rectification_issue(
        actor=users[SYSADMIN], agency=agency, source="portal_check", target=finding,
        title="未公布告知承诺书", text="政务服务网未公布该事项的告知承诺书，请限期公布。",
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip
    return {"rectification": notice}


def _portalchecks_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """Today's portal check of A (the daily job's, no actor) and one of its open findings (A's
    work rules are drafted, not published)."""
    from chengnuo.oversight import services_portalchecks as pc
    from chengnuo.oversight.models import PortalFinding

    check = pc.portal_check_run(agency=agency, day=timezone.localdate())
    finding = PortalFinding.objects.filter(agency=agency, resolved_on__isnull=True).first()
    assert finding is not None
    return {"portal_check": check, "portal_finding": finding}


def _casereview_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """Two case-file review rounds of A (by the county reviewer overseeing A): one drawn, with
    every concluded case of A in its sample and the first scored with a deduction; one only
    committed (for the freeze and the reveal)."""
    import secrets

    from chengnuo.audit.services import events_about
    from chengnuo.cases.models import Case
    from chengnuo.core import spine
    from chengnuo.oversight import services_casereview as cr
    from chengnuo.supervision import draw as algorithm

    reviewer = users[REVIEWER_A]
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)

    def opened() -> tuple[Any, str]:
        share = secrets.token_hex(32)
        review = cr.review_open(
            actor=reviewer, agency=agency, period_start=start, period_end=today, quota=50,
            commitment=algorithm.share_commitment(share),
        )  # fmt: skip
        return review, share

    review, share = opened()
    cr.review_freeze(actor=reviewer, review=review)
    review = cr.review_reveal(actor=reviewer, review=review, share=share)
    # the scenario's transaction never commits: append the events queued so far, so that the
    # case's history has rows to cite as evidence
    spine.flush(connection)
    case = Case.objects.get(number=review.selected[0])
    item = review.sheet.items.order_by("position")[0]
    points = {str(i.pk): i.max_points for i in review.sheet.items.all()}
    points[str(item.pk)] = item.max_points - 2
    score = cr.file_score(
        actor=reviewer, review=review, case_number=case.number, points=points,
        notes={str(item.pk): "告知书未留存送达回执"},
        evidence=[events_about(case).values_list("pk", flat=True).first()],
    )  # fmt: skip
    pending, _ = opened()
    return {
        "cr_review": review,
        "cr_pending": pending,
        "cr_case": case,
        "cr_score": score,
        "cr_points": {f"points_{k}": v for k, v in points.items()},
        "cr_event": score.evidence[0],
        "cr_note": f"note_{item.pk}",
    }


def _indicators_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """The default indicator schemes, and two evaluations of A's region by A's county bureau
    for this month: one computed (adjustable), one finalised (A's admin reads it)."""
    import calendar

    from chengnuo.oversight import services_indicators as ind
    from chengnuo.oversight.indicator_schemes import load_schemes
    from chengnuo.oversight.models import Indicator, Score

    today = timezone.localdate()
    scheme = load_schemes(year=today.year)[0]
    start = today.replace(day=1)
    end = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    reviewer = users[REVIEWER_A]
    computed = ind.evaluation_start(
        actor=reviewer, scheme=scheme, title="本月告知承诺制考评", start=start, end=end
    )
    final = ind.evaluation_start(
        actor=reviewer, scheme=scheme, title="上报的告知承诺制考评", start=start, end=end
    )
    ind.evaluation_finalise(actor=reviewer, evaluation=final)
    return {
        "ind_scheme": scheme,
        "ind_leaf": Indicator.objects.filter(scheme=scheme, parent__isnull=False).first(),
        "ind_eval": computed,
        "ind_final": final,
        "ind_score": Score.objects.filter(evaluation=computed, agency=agency).first(),
    }


def _reports_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """Two circulated reports of the county Justice Bureau of A's region, addressed to A: a
    draft, and one issued (R-8.2)."""
    from chengnuo.oversight import services_reports as rp

    year = timezone.localdate().year
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    draft = rp.report_draft(actor=users[REVIEWER_A], start=start, end=end)
    issued = rp.report_issue(
        actor=users[REVIEWER_A],
        report=rp.report_draft(actor=users[REVIEWER_A], start=start, end=end),
    )
    return {"report_draft": draft, "report_issued": issued}


def _faulttolerance_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """A fault-tolerance review (R-8.4) of A's commitment found untrue, opened by A's
    overseeing reviewer, not yet decided."""
    from chengnuo.oversight import services_faulttolerance as ft
    from chengnuo.verification.constants import Outcome
    from chengnuo.verification.models import VerificationTask

    task = VerificationTask.objects.select_related("commitment__case").get(
        agency=agency, outcome=Outcome.INCONSISTENT
    )
    review = ft.fault_review_open(
        actor=users[REVIEWER_A], case=task.commitment.case, kind="false_commitment", task=task,
        loss="承诺人以不实缴费承诺领取待遇，造成财政资金损失1200元",
    )  # fmt: skip
    return {"fault_review": review, "fault_case": task.commitment.case}


def _learning_scenario(users: dict[str, Any], agency: Any) -> dict[str, Any]:
    """The daily assessment of A's items over the scenario's verification outcomes (`social`
    found untrue: an open suggestion), and a second suggestion for it adopted as a proposal to
    A (open, for A's admin to answer)."""
    from django.test import override_settings

    from chengnuo.oversight import services_learning as learning
    from chengnuo.oversight.constants_learning import SuggestionKind
    from chengnuo.oversight.models import LearningSuggestion

    with override_settings(OVERSIGHT_LEARNING={"min_verified": 1}):
        learning.outcomes_compute(today=timezone.localdate() + dt.timedelta(days=1))
    suggestion = LearningSuggestion.objects.filter(item__agency=agency).order_by("pk").first()
    assert suggestion is not None
    second = LearningSuggestion.objects.create(
        number="PG-MATRIX-2", item=suggestion.item, outcome=suggestion.outcome,
        kind=next(k for k in SuggestionKind.values if k != suggestion.kind),
        evidence=suggestion.evidence, created_at=timezone.now(),
    )  # fmt: skip
    proposal = learning.suggestion_adopt(actor=users[SYSADMIN], suggestion=second)
    return {"learning_suggestion": suggestion, "learning_proposal": proposal}


def _complaints_scenario(
    users: dict[str, Any], agency: Any, matter: Any, item: Any, commitment: Any
) -> dict[str, Any]:
    """A complaint about A (submitted, with a contact and an attachment), one accepted and
    overdue (a supervision order may be issued), one answered (followed with its secret), a
    false-commitment report, and a CAPTCHA challenge."""
    from captcha.models import CaptchaStore

    from chengnuo.complaints import services as cs
    from chengnuo.complaints.models import Complaint, HotlinePlatform

    from .cases_helpers import pdf_upload

    def submit(phone: str, **kw: Any) -> Any:
        data: dict[str, Any] = {
            "channel": "web", "kind": "proof_demanded", "agency_id": agency.pk,
            "matter_id": matter.pk, "item_id": item.pk, "name": "赵六", "phone": phone,
            "text": "窗口要求提供已实行告知承诺的社会保险缴费证明，未按告知承诺制办理。",
        }  # fmt: skip
        data.update(kw)
        return cs.complaint_submit(**data)

    handler = users[a(Role.COMPLAINT_HANDLER)]
    complaint = submit("13800000001", attachments=[pdf_upload("材料.pdf")]).complaint
    overdue = cs.complaint_accept(actor=handler, complaint=submit("13800000002").complaint)
    past = timezone.localdate() - dt.timedelta(days=1)
    Complaint.objects.filter(pk=overdue.pk).update(due_date=past, answer_due=past)
    done = submit("13800000003")
    answered = cs.complaint_accept(actor=handler, complaint=done.complaint)
    cs.complaint_answer(
        actor=handler, complaint=answered,
        facts="经调阅办件记录，窗口人员要求申请人另行提交证明属实。",
        measures="已对窗口人员批评教育，并组织重新学习告知承诺制工作规程。",
    )  # fmt: skip
    cs.complaint_submit(
        channel="web", kind="false_commitment", commitment_id=commitment.pk, anonymous=True,
        text="承诺人承诺已婚，但据了解其早已离婚多年，承诺内容与事实不符。",
    )  # fmt: skip
    return {
        "complaint": complaint,
        "complaint_attachment": complaint.attachments.get(),
        "complaint_overdue": overdue,
        "complaint_answered": answered,
        "complaint_secret": done.secret,
        "hotline": HotlinePlatform.objects.create(
            name="阜阳12345",
            base_url="http://127.0.0.1:9",
            app_key="matrix-12345",
            secret="matrix-12345-secret",
        ),
        "captcha_key": CaptchaStore.generate_key(),
    }


def _log_scenario() -> dict[str, Any]:
    """The verifiable log over the scenario's events, checkpointed, and a witness's refusal."""
    from chengnuo.audit import log
    from chengnuo.audit.models import WitnessRefusal
    from chengnuo.core import spine

    spine.flush(connection)  # the scenario's events, appended as a commit would (its
    # transaction never commits)
    log.integrate_all()
    checkpoint = log.sign_checkpoint(force=True)
    assert checkpoint is not None
    refusal = WitnessRefusal.objects.create(
        witness="sfj.example.gov.cn/witness",
        size=checkpoint.size,
        root_hash=checkpoint.root_hash,
        status=409,
        reason="见证方已见证到更大的规模：数据库被恢复到了旧的备份",
        refused_at=timezone.now(),
    )
    size = checkpoint.size
    tile = "000" if size >= 256 else f"000.p/{size}"
    return {"refusal": refusal, "tile": tile, "size": size}


Kwargs = Callable[[Scenario], dict[str, Any]]
Data = Callable[[Scenario], dict[str, Any]] | None


@dataclass(frozen=True)
class Entry:
    """One HTML route (its URL name) or one API operation ("<METHOD> <path>"), one method,
    with what every actor gets. `variant` names a second instance of the same route (another
    kind of object in its URL)."""

    key: str
    method: str
    cells: dict[str, Cell]
    kwargs: Kwargs = lambda s: {}
    query: Kwargs = lambda s: {}
    data: Data = None
    variant: str = ""
    json: bool = False
    # fixed headers, or computed from the scenario and the body (a signature)
    headers: dict[str, str] | Callable[[Any, bytes], dict[str, str]] = field(default_factory=dict)
    why: str = ""
    xfail: dict[str, str] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.key.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE "))

    @property
    def label(self) -> str:
        head = self.key if self.is_api else f"{self.method} {self.key}"
        return f"{head} [{self.variant}]" if self.variant else head


GET, POST = "GET", "POST"


def page(name: str, method: str, cells: dict, **kw: Any) -> Entry:
    return Entry(key=name, method=method, cells=cells, **kw)


def op(method: str, path: str, cells: dict, **kw: Any) -> Entry:
    kw.setdefault("json", method != GET)
    return Entry(key=f"{method} /api/v1{path}", method=method, cells=cells, **kw)


def _case(s: Scenario) -> dict[str, Any]:
    return {"number": s.case.number}


def _case_item(code: str) -> Kwargs:
    return lambda s: {"number": s.case.number, "item_code": getattr(s, code).code}


def _upload(s: Scenario) -> dict[str, Any]:
    from .cases_helpers import pdf_upload

    return {"file": pdf_upload()}


def _pk(attr: str, name: str = "pk") -> Kwargs:
    return lambda s: {name: getattr(s, attr).pk}


IDEMPOTENT = {"Idempotency-Key": "matrix-0001"}
READERS_OF_DRAFTS = (
    "drafts: its agency's admins and the system admin (selectors), the Justice Bureau "
    "overseeing it read-only (_reviewed*)"
)

# --- HTML routes ----------------------------------------------------------------------------

PAGES: list[Entry] = [
    # accounts: public forms
    page("accounts:login", GET, public(200)),
    page("accounts:login", POST, public(400), data=lambda s: {}, why="empty form: 400 for all"),
    page("accounts:logout", POST, public(302), data=lambda s: {}, why="logout, home page"),
    page("set_language", POST, public(302), data=lambda s: {"language": "zh-hans"}),
    # portal: public reads (R-7.1); the workbench needs a login
    page("portal:home", GET, public()),
    page("portal:catalog", GET, public()),
    page("portal:export", GET, public(), kwargs=lambda s: {"fmt": "csv"}),
    page("portal:item_detail", GET, public(), kwargs=lambda s: {"code": s.social.code}),
    page("portal:matters", GET, public()),
    page("portal:matter_detail", GET, public(), kwargs=lambda s: {"code": s.matter.code}),
    page("portal:agency_detail", GET, public(), kwargs=_pk("agency")),
    page("portal:versions", GET, public()),
    page("portal:version_compare", GET, public()),
    page("portal:version_detail", GET, public(), kwargs=_pk("version")),
    page("portal:workbench", GET, signed_in(200), why="login_required, any role"),
    # documents: published texts and guides are public (R-3.4)
    page("documents:index", GET, public()),
    page(
        "documents:version",
        GET,
        public(),
        kwargs=lambda s: {"item_code": s.social.code, "kind": "notification", "number": 1},
    ),
    page(
        "documents:download",
        GET,
        public(),
        kwargs=lambda s: {
            "item_code": s.social.code,
            "kind": "commitment",
            "number": 1,
            "fmt": "docx",
        },
    ),
    page("documents:guides", GET, public()),
    page("documents:guide_version", GET, public(), kwargs=_pk("guide_version")),
    page(
        "documents:guide_download",
        GET,
        public(),
        kwargs=lambda s: {"pk": s.guide_version.pk, "fmt": "docx"},
    ),
    # documents: the template editor (agency admins; the Justice Bureau reads and overrides)
    page("documents:staff_drafts", GET, signed_in(200), why="lists what the actor keeps"),
    page(
        "documents:staff_create",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        data=lambda s: {"item_code": s.new_item.code},
        why="can_edit_templates (admin of the item's agency) else NotFound",
    ),
    page(
        "documents:staff_edit",
        GET,
        expect(404, grant(200, DRAFT_READERS_A)),
        kwargs=lambda s: {"item_code": s.social.code, "kind": "notification"},
        why=READERS_OF_DRAFTS,
    ),
    page(
        "documents:staff_edit",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A), grant(403, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"item_code": s.social.code, "kind": "notification"},
        data=lambda s: {"action": "save"},
        why="save: can_edit_templates else PermissionDenied, for those who see the draft",
    ),
    page(
        "documents:staff_lint",
        POST,
        expect(404, grant(200, DRAFT_READERS_A)),
        kwargs=lambda s: {"item_code": s.social.code, "kind": "notification"},
        data=lambda s: {"field": "legal_basis", "legal_basis": "依照有关规定办理"},
        why=READERS_OF_DRAFTS + "; stores nothing",
    ),
    page("documents:guide_staff_drafts", GET, signed_in(200), why="lists what the actor keeps"),
    page(
        "documents:guide_staff_drafts",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        data=lambda s: {"kind": "work_rules", "code": s.marriage.code},
        why="creating a draft: can_edit_templates of the item's agency else NotFound",
    ),
    page(
        "documents:guide_staff_edit",
        GET,
        expect(404, grant(200, DRAFT_READERS_A)),
        kwargs=lambda s: {"matter_code": s.matter.code},
        why=READERS_OF_DRAFTS,
    ),
    page(
        "documents:guide_staff_edit",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A), grant(403, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"matter_code": s.matter.code},
        data=lambda s: {"action": "save"},
    ),
    page(
        "documents:guide_staff_lint",
        POST,
        expect(404, grant(200, DRAFT_READERS_A)),
        kwargs=lambda s: {"matter_code": s.matter.code},
        data=lambda s: {"field": "conditions", "conditions": "符合条件的申请人"},
    ),
    page(
        "documents:work_rules_staff_edit",
        GET,
        expect(404, grant(200, DRAFT_READERS_A)),
        kwargs=lambda s: {"item_code": s.social.code},
    ),
    page(
        "documents:work_rules_staff_edit",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A), grant(403, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"item_code": s.social.code},
        data=lambda s: {"action": "save"},
    ),
    page(
        "documents:work_rules_staff_lint",
        POST,
        expect(404, grant(200, DRAFT_READERS_A)),
        kwargs=lambda s: {"item_code": s.social.code},
        data=lambda s: {"field": "steps", "steps": "受理\n核查"},
    ),
    # catalog workbench (R-7.2): agency admins propose, the Justice Bureau files
    page("catalog:proposal_list", GET, signed_in(200), why="proposals_visible_to filters"),
    page(
        "catalog:proposal_create",
        GET,
        expect(403, grant(200, ADMIN_A, ADMIN_B)),
        why="agencies_administered_by: any agency admin proposes for its own agency",
    ),
    page(
        "catalog:proposal_create",
        POST,
        expect(403, grant(ALLOWED, ADMIN_A, ADMIN_B)),
        data=lambda s: {},
    ),
    page(
        "catalog:proposal_detail",
        GET,
        expect(404, grant(200, PROPOSAL_READERS_A)),
        kwargs=_pk("proposal"),
        why="proposal_get_for: admins of A, reviewers overseeing A, system admins",
    ),
    page(
        "catalog:proposal_file",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A)),
        kwargs=_pk("proposal"),
        data=lambda s: {"comment": ""},
        why="proposal_file: can_review else NotFound (also for the proposing admin)",
    ),
    page(
        "catalog:proposal_return",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A)),
        kwargs=_pk("proposal"),
        data=lambda s: {"reason": RETURN_REASON},
    ),
    page(
        "catalog:proposal_withdraw",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        kwargs=_pk("proposal"),
        data=lambda s: {},
        why="proposal_withdraw: can_manage_catalog else NotFound",
    ),
    page(
        "catalog:proposal_resubmit",
        GET,
        expect(404, grant(200, ADMIN_A), grant(403, REVIEWER_A, SYSADMIN)),
        kwargs=_pk("returned"),
        why="visible, then can_manage_catalog else PermissionDenied",
    ),
    page(
        "catalog:proposal_resubmit",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A), grant(403, REVIEWER_A, SYSADMIN)),
        kwargs=_pk("returned"),
        data=lambda s: {},
    ),
    page("catalog:import", GET, expect(403, grant(200, ADMIN_A, ADMIN_B))),
    page("catalog:import", POST, expect(403, grant(ALLOWED, ADMIN_A, ADMIN_B)), data=lambda s: {}),
    page("catalog:import_template", GET, signed_in(200), why="staff_view only: a blank form"),
    page(
        "catalog:matter_list",
        GET,
        expect(403, grant(200, ADMIN_A, ADMIN_B, SYSADMIN)),
        why="admins, or anyone matters_managed_by gives matters (system admins: all)",
    ),
    page("catalog:matter_create", GET, expect(403, grant(200, ADMIN_A, ADMIN_B))),
    page(
        "catalog:matter_create",
        POST,
        expect(403, grant(ALLOWED, ADMIN_A, ADMIN_B)),
        data=lambda s: {},
    ),
    page(
        "catalog:matter_edit",
        GET,
        expect(404, grant(200, ADMIN_A, SYSADMIN)),
        kwargs=_pk("matter"),
        why="matter_get_for_admin: matters_managed_by (admins of A, system admins)",
    ),
    page(
        "catalog:matter_edit",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        kwargs=_pk("matter"),
        data=lambda s: {
            "name": "最低生活保障审核确认（修订）",
            "matter_type": "benefit",
            "legal_basis": "《社会救助暂行办法》",
            "materials": "申请书",
        },
        why="matter_update: can_manage_catalog else NotFound (the system admin reads only)",
    ),
    # audit (R-9.1)
    page(
        "audit:index",
        GET,
        expect(
            403,
            grant(200, ADMIN_A, ADMIN_B, AUDITOR_A, AUDITOR_B, REVIEWER_A, REVIEWER_B),
            grant(200, SYSADMIN),
        ),
        why="events_visible_to: admins, auditors, Justice Bureau reviewers (own scope)",
    ),
    page(
        "audit:alerts",
        GET,
        expect(
            403,
            grant(200, ADMIN_A, ADMIN_B, AUDITOR_A, AUDITOR_B, REVIEWER_A, REVIEWER_B),
            grant(200, SYSADMIN),
        ),
        why="can_watch_alerts",
    ),
    page(
        "audit:alert_acknowledge",
        POST,
        expect(404, grant(ALLOWED, AUDIT_READERS_A)),
        kwargs=_pk("alert"),
        data=lambda s: {"note": ALERT_NOTE},
        why="alerts_for: the agencies one audits",
    ),
    page(
        "audit:history",
        GET,
        expect(404, grant(200, AUDIT_READERS_A)),
        kwargs=lambda s: {"target_type": "cases.case", "pk": str(s.case.pk)},
        variant="case",
        why="history_target_get: the owning agency in auditable_agency_ids",
    ),
    page(
        "audit:history",
        GET,
        expect(404, grant(200, CREDIT_A, CREDIT_B, AUDITOR_A, AUDITOR_B, SYSADMIN)),
        kwargs=lambda s: {"target_type": "credit.creditrecord", "pk": str(s.record.pk)},
        variant="credit record",
        why="credit objects: any credit officer or auditor (CREDIT_HISTORY_TYPES)",
    ),
    # the verifiable log (R-9.1, ADR 0012): public pages; the witnesses' page for the
    # Justice Bureau
    page("log:index", GET, public()),
    page("log:checkpoint", GET, public()),
    page("log:verify", GET, public()),
    page(
        "log:verify",
        POST,
        public(200),
        data=lambda s: {"receipt": "{}"},
        why="anyone may check a receipt; a bad one is the page with its reasons",
    ),
    page(
        "log:tile",
        GET,
        public(),
        kwargs=lambda s: {"level": "0", "path": s.extra["tile"]},
    ),
    page(
        "audit:log_status",
        GET,
        expect(403, grant(200, REVIEWER_A, REVIEWER_B, SYSADMIN)),
        why="can_watch_log: the Justice Bureau's reviewers and auditors, system admins",
    ),
    page(
        "audit:log_refusal_acknowledge",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A, REVIEWER_B, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["refusal"].pk},
        data=lambda s: {"note": "已核实：误用了前一日的备份，已用最新备份重建"},
        why="refusal_acknowledge: can_watch_log else NotFound",
    ),
    # credit (R-5.4–R-5.7)
    page("credit:public_listing", GET, public()),
    page("credit:notices", GET, signed_in(200), why="notices_for filters"),
    page(
        "credit:notice_read",
        POST,
        expect(404, grant(ALLOWED, [x for x in STAFF_A if x != REVIEWER_A])),
        kwargs=_pk("notice"),
        data=lambda s: {},
        why="notices_for: staff of the notified agency (A); the reviewer is of the bureau",
    ),
    page(
        "credit:lookup",
        GET,
        expect(403, grant(200, CREDIT_LOOKUP)),
        why="can_lookup_credit: clerks, officers, inspectors, credit officers, system admins",
    ),
    page(
        "credit:lookup",
        POST,
        expect(403, grant(ALLOWED, CREDIT_LOOKUP)),
        data=lambda s: {"id_type": "resident_id", "id_number": s.person_number},
    ),
    page(
        "credit:subject_detail",
        GET,
        expect(403, grant(200, CREDIT_A), grant(404, CREDIT_B, SYSADMIN)),
        kwargs=_pk("person"),
        why="credit officers only, then a lawful context (subject_for_staff) else NotFound",
    ),
    page(
        "credit:subject_reveal",
        POST,
        expect(
            404,
            grant(ALLOWED, CLERK_A, CREDIT_A),
            grant(403, OFFICER_A, INSPECTOR_A),
            grant(Refused(400), HELPER),
        ),
        kwargs=_pk("person"),
        data=lambda s: {"context": f"case:{s.case.number}"},
        why="a context reaches the subject else NotFound; the named one must be the actor's "
        "(else 400); can_unmask (clerks, credit officers) else PermissionDenied",
    ),
    page(
        "credit:subject_pull",
        POST,
        expect(
            403,
            grant(503, SUBJECT_REACHERS),
            grant(404, CLERK_B, OFFICER_B, INSPECTOR_B, CREDIT_B, SYSADMIN),
        ),
        kwargs=_pk("person"),
        data=lambda s: {},
        why="can_lookup_credit else 403; a lawful context else 404; no platform: 503",
    ),
    page(
        "credit:records_export",
        GET,
        expect(403, grant(200, CREDIT_OFFICERS)),
        kwargs=lambda s: {"fmt": "csv"},
        why="_require_officer",
    ),
    page(
        "credit:material_download",
        GET,
        expect(404, grant(200, OWNER, CREDIT_OFFICERS)),
        kwargs=lambda s: {"repair_pk": s.repair.pk, "pk": s.material.pk},
        why="material_get: credit officers or the applicant who submitted it",
    ),
    page("credit:officer_queue", GET, expect(403, grant(200, CREDIT_OFFICERS))),
    page(
        "credit:overdue",
        GET,
        expect(403, grant(200, CREDIT_OFFICERS)),
        why="can_supervise_credit (and the credit authority's admin: none here)",
    ),
    page(
        "credit:push_log",
        GET,
        expect(404, grant(200, CREDIT_OFFICERS)),
        why="push_messages_visible_to: _officer_only raises NotFound",
    ),
    page(
        "credit:repair_decide",
        GET,
        expect(404, grant(200, CREDIT_OFFICERS)),
        kwargs=_pk("repair"),
        why="repair_get: _officer_only",
    ),
    page(
        "credit:repair_decide",
        POST,
        expect(404, grant(ALLOWED, CREDIT_OFFICERS)),
        kwargs=_pk("repair"),
        data=lambda s: {"decision": "approve", "reason": ""},
    ),
    page(
        "credit:objection_answer",
        GET,
        expect(404, grant(200, CREDIT_OFFICERS)),
        kwargs=_pk("objection"),
    ),
    page(
        "credit:objection_answer",
        POST,
        expect(404, grant(ALLOWED, CREDIT_OFFICERS)),
        kwargs=_pk("objection"),
        data=lambda s: {"result": "upheld", "answer": "经复核，原记录准确，维持原记录。"},
    ),
    page("credit:my_credit", GET, signed_in(200), why="my_subjects filters"),
    page(
        "credit:my_record",
        GET,
        expect(404, grant(200, OWNER)),
        kwargs=_pk("record"),
        why="my_record_get: records of the account's subjects",
    ),
    page(
        "credit:my_record_repair",
        POST,
        expect(404, grant(ALLOWED, OWNER)),
        kwargs=_pk("record"),
        data=lambda s: dict(REPAIR_TEXT),
    ),
    page(
        "credit:my_record_object",
        POST,
        expect(404, grant(ALLOWED, OWNER)),
        kwargs=_pk("record"),
        data=lambda s: {"grounds": OBJECTION_GROUNDS},
    ),
    # cases (R-2.1, R-3.3, R-6.2): the applicant, the agency's clerks and officers act; its
    # admins, auditors, the Justice Bureau and system admins read (cases_visible_to)
    page("cases:mine", GET, signed_in(200), why="my_cases filters"),
    page("cases:start", GET, signed_in(200), why="lists the actor's own subjects"),
    page(
        "cases:start",
        POST,
        expect(Refused(200), grant(ALLOWED, OWNER)),
        data=lambda s: {"matter": s.matter.code, "subject": s.person.pk},
        why="the subject must be one of the actor's own: else the form again, nothing created",
    ),
    page(
        "cases:queue",
        GET,
        expect(
            403,
            grant(200, CLERK_A, OFFICER_A, ADMIN_A, AUDITOR_A, REVIEWER_A),
            grant(200, CLERK_B, OFFICER_B, ADMIN_B, AUDITOR_B, REVIEWER_B, SYSADMIN, HELPER),
        ),
        why="staff_readable_agency_ids not empty (reading roles, reviewers, system admins)",
    ),
    page("cases:window", GET, expect(403, grant(200, CLERK_A, CLERK_B))),
    page(
        "cases:window",
        POST,
        expect(403, grant(ALLOWED, CLERK_A), grant(404, CLERK_B)),
        data=lambda s: {"action": "start", "subject": s.person.pk, "matter": s.matter.pk},
        why="clerks only; subject_for_staff: a lawful context else NotFound",
    ),
    page(
        "cases:detail",
        GET,
        expect(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=_case,
        why="case_get_for: the applicant's own, or staff_readable_agency_ids",
    ),
    page(
        "cases:submit",
        POST,
        expect(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=_case,
        data=lambda s: {},
        why="case_submit: may_act_on else NotFound",
    ),
    page(
        "cases:decide",
        POST,
        expect(
            404,
            grant(ALLOWED, OFFICER_A),
            grant(403, OWNER, CLERK_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_case,
        data=lambda s: {"decision": "approve"},
        why="case_decide: can_decide; PermissionDenied for those who see the case",
    ),
    page(
        "cases:choose",
        POST,
        expect(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=_case_item("diploma"),
        data=lambda s: {"choice": "proof"},
        why="item_choose: may_act_on else NotFound",
    ),
    page(
        "cases:sign",
        GET,
        expect(
            404,
            grant(200, OWNER, CASE_HANDLERS_A),
            grant(403, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_case_item("social"),
        why="visible, then may_act_on else PermissionDenied",
    ),
    page(
        "cases:sign",
        POST,
        expect(
            404,
            grant(ALLOWED, OWNER, CASE_HANDLERS_A),
            grant(403, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_case_item("social"),
        data=lambda s: {"confirmed": "1"},
    ),
    page(
        "cases:upload_proof",
        POST,
        expect(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=_case_item("diploma"),
        data=_upload,
        why="proof_upload: may_act_on else NotFound",
    ),
    page(
        "cases:print_commitment",
        GET,
        expect(
            404,
            grant(200, CASE_HANDLERS_A),
            grant(403, OWNER, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_case_item("social"),
        why="visible, then handles (clerks and officers of A) else PermissionDenied",
    ),
    page(
        "cases:commitment",
        GET,
        expect(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=lambda s: {"number": s.case.number, "pk": s.commitment.pk},
    ),
    page(
        "cases:commitment_receipt",
        GET,
        expect(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=lambda s: {"number": s.case.number, "pk": s.commitment.pk},
        why="the signing's log receipt: whoever may read the commitment",
    ),
    page(
        "cases:commitment_pdf",
        GET,
        expect(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=lambda s: {"number": s.case.number, "pk": s.commitment.pk},
    ),
    page(
        "cases:withdraw",
        POST,
        expect(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=lambda s: {"number": s.case.number, "pk": s.commitment.pk},
        data=lambda s: {"reason": WITHDRAW_REASON},
        why="commitment_withdraw: acts_for or handles else NotFound",
    ),
    page(
        "cases:proof",
        GET,
        expect(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=lambda s: {"number": s.case.number, "pk": s.proof.pk},
    ),
    page("public_commitments", GET, public(), why="R-6.3: published, masked"),
    page("commitment_hall", GET, public(), why="R-6.3: the service hall's screen, masked"),
    page("public_commitment", GET, public(), kwargs=_pk("public_commitment")),
    # verification (R-4): A's officers handle, its inspectors inspect, C answers assistance;
    # A's officers, inspectors, admins, auditors, the Justice Bureau and system admins read
    page(
        "verification:dashboard",
        GET,
        expect(
            403,
            grant(200, OFFICER_A, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A),
            grant(200, OFFICER_B, INSPECTOR_B, ADMIN_B, AUDITOR_B, REVIEWER_B, SYSADMIN, HELPER),
        ),
        why="readable_agency_ids not empty",
    ),
    page(
        "verification:task",
        GET,
        expect(404, grant(200, TASK_READERS_A, HELPER)),
        kwargs=_pk("assistance_task"),
        why="task_get_for: readers of A, the requested agency, the assigned inspectors",
    ),
    page(
        "verification:task_handle",
        POST,
        expect(
            404,
            grant(ALLOWED, OFFICER_A),
            grant(403, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_pk("assistance_task"),
        data=lambda s: {"measure": "rectify", "reason": "缴费月数不足", "rectification_days": "10"},
        why="assert_handles: officers of A; 403 for readers of A, else NotFound (also C)",
    ),
    page(
        "verification:rectification",
        POST,
        expect(
            404,
            grant(ALLOWED, OFFICER_A),
            grant(403, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_pk("handling"),
        data=lambda s: {"rectified": "1", "note": "已补缴并提交凭证"},
    ),
    page(
        "verification:draw",
        GET,
        expect(404, grant(200, TASK_READERS_A)),
        kwargs=_pk("draw"),
        why="readable_agency_ids of the draw's case",
    ),
    page("verification:plans", GET, expect(403, grant(200, ADMIN_A, ADMIN_B))),
    page(
        "verification:plan_edit",
        GET,
        expect(404, grant(200, ADMIN_A)),
        kwargs=lambda s: {"item_code": s.social.code},
        why="can_edit_plan: admins of the item's agency, else NotFound",
    ),
    page(
        "verification:plan_edit",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        kwargs=lambda s: {"item_code": s.social.code},
        data=lambda s: {
            "methods": "on_site",
            "timing": "after_decision",
            "days": "10",
            "comparisons": "[]",
        },
    ),
    page("verification:assistance_inbox", GET, signed_in(200), why="filtered lists"),
    page(
        "verification:assistance_overdue",
        GET,
        expect(403, grant(200, REVIEWER_A, REVIEWER_B, SYSADMIN)),
        why="oversees_assistance: the Justice Bureau (reviewers, its auditors), system admins",
    ),
    page(
        "verification:assistance_detail",
        GET,
        expect(404, grant(200, TASK_READERS_A, HELPER)),
        kwargs=_pk("assistance"),
        why="assistance_get_for: the requested agency, readers of the requesting agency",
    ),
    page(
        "verification:assistance_answer",
        POST,
        expect(404, grant(ALLOWED, HELPER), grant(403, TASK_READERS_A)),
        kwargs=_pk("assistance"),
        data=lambda s: {"result": "consistent", "answer": "经核查，缴费记录连续12个月"},
        why="_assert_answers: the requested agency; 403 for the requesting agency's readers",
    ),
    page(
        "verification:assistance_refuse",
        POST,
        expect(404, grant(ALLOWED, HELPER), grant(403, TASK_READERS_A)),
        kwargs=_pk("assistance"),
        data=lambda s: {"reason": "本局系统自2024年起不再保存该类缴费明细，请向省级平台请求协助"},
    ),
    page(
        "verification:assistance_take",
        POST,
        expect(404, grant(ALLOWED, HELPER), grant(403, TASK_READERS_A)),
        kwargs=_pk("assistance"),
        data=lambda s: {},
    ),
    page(
        "verification:assistance_evidence",
        GET,
        expect(404, grant(200, TASK_READERS_A, HELPER)),
        kwargs=_pk("assistance"),
    ),
    page(
        "verification:assistance_request_create",
        GET,
        expect(
            404,
            grant(200, OFFICER_A),
            grant(403, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=lambda s: {"task_pk": s.assistance_task.pk},
        why="task_get_for, then assert_handles",
    ),
    page(
        "verification:assistance_request_create",
        POST,
        expect(
            404,
            grant(ALLOWED, OFFICER_A),
            grant(403, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=lambda s: {"task_pk": s.assistance_task.pk},
        data=lambda s: {"agency": s.other_agency.pk, "questions": "请核查缴费记录", "days": "5"},
    ),
    page(
        "verification:inspection_request_create",
        POST,
        expect(
            404,
            grant(ALLOWED, OFFICER_A),
            grant(403, INSPECTOR_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=lambda s: {"task_pk": s.assistance_task.pk},
        data=lambda s: {},
    ),
    page("verification:inspection_list", GET, signed_in(200), why="the actor's inspections"),
    page(
        "verification:inspection_detail",
        GET,
        expect(404, grant(200, TASK_READERS_A)),
        kwargs=_pk("inspection"),
        why="inspection_get_for: its inspectors, readers of the task's agency",
    ),
    page(
        "verification:inspection_detail",
        POST,
        expect(
            404,
            grant(ALLOWED, INSPECTOR_A),
            grant(403, OFFICER_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_pk("inspection"),
        data=lambda s: {"result": "consistent", "findings": "现场核查，婚姻状况属实"},
        why="assert_inspector: the assigned inspectors; 403 for readers",
    ),
    page(
        "verification:inspection_photo",
        GET,
        expect(404, grant(200, TASK_READERS_A)),
        kwargs=lambda s: {"pk": s.inspection.pk, "photo_pk": s.photo.pk},
    ),
    page(
        "verification:sources",
        GET,
        expect(404, grant(200, DATA_A, DATA_B, SYSADMIN)),
        why="can_manage_sources (data admins, system admins) else NotFound",
    ),
    page("verification:source_create", GET, expect(404, grant(200, DATA_A, DATA_B, SYSADMIN))),
    page(
        "verification:source_create",
        POST,
        expect(404, grant(ALLOWED, DATA_A, DATA_B, SYSADMIN)),
        data=lambda s: {},
    ),
    page(
        "verification:source_edit",
        GET,
        expect(404, grant(200, DATA_A, DATA_B, SYSADMIN)),
        kwargs=_pk("source"),
    ),
    page(
        "verification:source_edit",
        POST,
        expect(404, grant(ALLOWED, DATA_A, DATA_B, SYSADMIN)),
        kwargs=_pk("source"),
        data=lambda s: {},
    ),
    page(
        "verification:source_test",
        POST,
        expect(404, grant(ALLOWED, DATA_A, DATA_B, SYSADMIN)),
        kwargs=_pk("source"),
        data=lambda s: {},
        why="the call goes to a closed local port: it fails at once, the page says why",
    ),
]

# --- API operations (/api/v1) ---------------------------------------------------------------


def _proposal_body(s: Scenario) -> dict[str, Any]:
    from .factories import item_payload

    return {
        "agency_id": s.agency.pk,
        "action": "add",
        "item_code": "YZ-NEW-9",
        "payload": item_payload(matter_codes=["YZ-M-2"]),
        "reason": "扩大告知承诺范围",
        "law_change": "国办发〔2020〕42号",
        "effective_date": timezone.localdate().isoformat(),
    }


def _sign_body(s: Scenario) -> dict[str, Any]:
    from .cases_helpers import read_versions

    read = read_versions(s.social)
    return {
        "notification_version_id": read.notification_id,
        "commitment_version_id": read.commitment_id,
        "facts": {"meets_condition": "是"},
        "confirmed": True,
    }


OPERATIONS: list[Entry] = [
    op("GET", "/agencies", public()),
    op("GET", "/catalog/items", public()),
    op("GET", "/catalog/items/{code}", public(), kwargs=lambda s: {"code": s.social.code}),
    op("GET", "/catalog/matters", public()),
    op("GET", "/catalog/matters/{code}", public(), kwargs=lambda s: {"code": s.matter.code}),
    op(
        "POST",
        "/catalog/matters",
        api(403, grant(ALLOWED, ADMIN_A)),
        data=lambda s: {
            "agency_id": s.agency.pk,
            "code": "YZ-M-9",
            "name": "临时救助审批",
            "matter_type": "benefit",
            "legal_basis": "《社会救助暂行办法》",
            "materials": ["申请书"],
        },
        why="matter_create: can_manage_catalog of the named agency else PermissionDenied",
    ),
    op("GET", "/catalog/versions", public()),
    op("GET", "/log/checkpoint", public()),
    op(
        "GET",
        "/log/proofs/inclusion",
        public(),
        query=lambda s: {"index": 0, "size": s.extra["size"]},
    ),
    op(
        "GET",
        "/log/proofs/consistency",
        public(),
        query=lambda s: {"from": 1, "to": s.extra["size"]},
    ),
    op(
        "GET",
        "/log/entries/{index}",
        public(),
        kwargs=lambda s: {"index": 0},
        why="the entry is public; its event only for who may read it (events_visible_to)",
    ),
    op(
        "GET",
        "/catalog/versions/compare",
        public(),
        query=lambda s: {"a": s.version.pk, "b": s.version.pk},
    ),
    op(
        "GET",
        "/catalog/versions/{version_id}",
        public(),
        kwargs=lambda s: {"version_id": s.version.pk},
    ),
    op("GET", "/catalog/proposals", api(200), why="proposals_visible_to filters"),
    op(
        "POST",
        "/catalog/proposals",
        api(403, grant(ALLOWED, ADMIN_A)),
        data=_proposal_body,
        why="proposal_submit: can_manage_catalog else PermissionDenied",
    ),
    op(
        "GET",
        "/catalog/proposals/{proposal_id}",
        api(404, grant(200, PROPOSAL_READERS_A)),
        kwargs=lambda s: {"proposal_id": s.proposal.pk},
    ),
    op(
        "POST",
        "/catalog/proposals/{proposal_id}/file",
        api(404, grant(ALLOWED, REVIEWER_A)),
        kwargs=lambda s: {"proposal_id": s.proposal.pk},
        data=lambda s: {},
    ),
    op(
        "POST",
        "/catalog/proposals/{proposal_id}/return",
        api(404, grant(ALLOWED, REVIEWER_A)),
        kwargs=lambda s: {"proposal_id": s.proposal.pk},
        data=lambda s: {"reason": RETURN_REASON},
    ),
    op(
        "POST",
        "/catalog/proposals/{proposal_id}/withdraw",
        api(404, grant(ALLOWED, ADMIN_A)),
        kwargs=lambda s: {"proposal_id": s.proposal.pk},
        data=lambda s: {},
    ),
    op(
        "POST",
        "/documents/lint",
        public(),
        data=lambda s: {"text": "依照有关规定办理"},
        why="auth=None: stores nothing",
    ),
    op(
        "GET",
        "/credit/subjects/lookup",
        api(403, grant(200, CREDIT_LOOKUP)),
        query=lambda s: {"id_type": "resident_id", "id_number": s.person_number},
        why="subject_lookup: can_lookup_credit else PermissionDenied",
    ),
    op(
        "GET",
        "/credit/subjects/{subject_id}/eligibility",
        api(
            403,
            grant(200, SUBJECT_REACHERS),
            grant(404, CLERK_B, OFFICER_B, INSPECTOR_B, CREDIT_B, SYSADMIN),
        ),
        kwargs=lambda s: {"subject_id": s.person.pk},
        query=lambda s: {"item": s.social.code},
        why="can_lookup_credit else 403; subject_for_staff: a lawful context else 404",
    ),
    op(
        "POST",
        "/credit/subjects/{subject_id}/pull",
        api(
            403,
            grant(503, SUBJECT_REACHERS),
            grant(404, CLERK_B, OFFICER_B, INSPECTOR_B, CREDIT_B, SYSADMIN),
        ),
        kwargs=lambda s: {"subject_id": s.person.pk},
        why="as eligibility; no credit platform is configured: 503",
    ),
    op("GET", "/credit/me/records", api(200), why="my_records filters"),
    op(
        "POST",
        "/credit/records/{record_id}/repairs",
        api(404, grant(ALLOWED, OWNER)),
        kwargs=lambda s: {"record_id": s.record.pk},
        data=lambda s: dict(REPAIR_TEXT),
        why="my_record_get",
    ),
    op(
        "POST",
        "/credit/records/{record_id}/objections",
        api(404, grant(ALLOWED, OWNER)),
        kwargs=lambda s: {"record_id": s.record.pk},
        data=lambda s: {"grounds": OBJECTION_GROUNDS},
    ),
    op(
        "POST",
        "/credit/repairs/{repair_id}/decision",
        api(404, grant(ALLOWED, CREDIT_OFFICERS)),
        kwargs=lambda s: {"repair_id": s.repair.pk},
        data=lambda s: {"approve": True, "reason": ""},
        why="repair_get: _officer_only",
    ),
    op(
        "POST",
        "/credit/objections/{objection_id}/answer",
        api(404, grant(ALLOWED, CREDIT_OFFICERS)),
        kwargs=lambda s: {"objection_id": s.objection.pk},
        data=lambda s: {"corrected": False, "answer": "经复核，原记录准确，维持原记录。"},
    ),
    op("GET", "/credit/repairs", api(403, grant(200, CREDIT_OFFICERS)), why="_officer"),
    op("GET", "/credit/objections", api(403, grant(200, CREDIT_OFFICERS)), why="_officer"),
    op(
        "POST",
        "/cases",
        api(403, grant(ALLOWED, OWNER, CLERK_A)),
        data=lambda s: {"matter_code": s.matter.code, "subject_id": s.person.pk},
        headers=IDEMPOTENT,
        variant="the owner's subject",
        why="case_create: a clerk of the matter's agency, or the applicant acting for the "
        "subject, else PermissionDenied",
    ),
    op(
        "POST",
        "/cases",
        api(403, grant(ALLOWED, STRANGER), grant(404, CLERK_A)),
        data=lambda s: {"matter_code": s.matter.code, "subject_id": s.stranger_person.pk},
        headers=IDEMPOTENT,
        variant="a subject no one of A has reached",
        why="a clerk reaches a subject only through a lawful context (R-5.6, R-5.7), as at the "
        "window (cases:window start, subject_for_staff): 404 as if it did not exist",
    ),
    op("GET", "/cases", api(200), why="cases_visible_to filters"),
    op(
        "GET",
        "/cases/{number}",
        api(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=_case,
        why="case_get_for",
    ),
    op(
        "GET",
        "/cases/{number}/items/{item_code}/texts",
        api(404, grant(200, OWNER, CASE_READERS_A)),
        kwargs=_case_item("social"),
    ),
    op(
        "POST",
        "/cases/{number}/items/{item_code}/choice",
        api(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=_case_item("diploma"),
        data=lambda s: {"choice": "proof"},
        why="item_choose: may_act_on else NotFound",
    ),
    op(
        "POST",
        "/cases/{number}/items/{item_code}/commitment",
        api(404, grant(ALLOWED, OWNER), grant(Refused(400), CASE_READERS_A)),
        kwargs=_case_item("social"),
        data=_sign_body,
        headers=IDEMPOTENT,
        why="visible, then acts_for else 400 online_signing_only (before the service)",
    ),
    op(
        "POST",
        "/cases/{number}/items/{item_code}/proofs",
        api(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=_case_item("diploma"),
        data=_upload,
        json=False,
        headers=IDEMPOTENT,
        why="proof_upload: may_act_on else NotFound",
    ),
    op(
        "POST",
        "/cases/{number}/commitments/{commitment_id}/withdraw",
        api(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=lambda s: {"number": s.case.number, "commitment_id": s.commitment.pk},
        data=lambda s: {"reason": WITHDRAW_REASON},
    ),
    op(
        "POST",
        "/cases/{number}/submit",
        api(404, grant(ALLOWED, OWNER, CASE_HANDLERS_A)),
        kwargs=_case,
        data=lambda s: {},
    ),
    op(
        "POST",
        "/cases/{number}/decision",
        api(
            404,
            grant(ALLOWED, OFFICER_A),
            grant(403, OWNER, CLERK_A, ADMIN_A, AUDITOR_A, REVIEWER_A, SYSADMIN),
        ),
        kwargs=_case,
        data=lambda s: {"decision": "approve"},
        why="case_decide: can_decide; PermissionDenied for those who see the case",
    ),
]

# routine supervision (R-4.3, R-4.4, R-5.3): public pages and API; staff pages of A's plan
SUPERVISION_READERS_A = (ADMIN_A, AUDITOR_A, INSPECTOR_A, REVIEWER_A, SYSADMIN)
SUPERVISION_READERS = (
    ADMIN_A, ADMIN_B, AUDITOR_A, AUDITOR_B, INSPECTOR_A, INSPECTOR_B, REVIEWER_A, REVIEWER_B,
    SYSADMIN,
)  # fmt: skip


def _sup(key: str) -> Kwargs:
    return lambda s: {"pk": s.extra[key].pk}


def _sup_draw(s: Scenario) -> dict[str, Any]:
    return {"draw": s.extra["sup_draw"].pk}


SUPERVISION: list[Entry] = [
    page("supervision_public:public_index", GET, public()),
    page("supervision_public:public_items", GET, public()),
    page("supervision_public:public_draws", GET, public()),
    page("supervision_public:public_draw", GET, public(), kwargs=_sup("sup_draw")),
    page("supervision_public:public_results", GET, public()),
    op("GET", "/supervision/draws", public()),
    op(
        "GET",
        "/supervision/draws/{draw_id}",
        public(),
        kwargs=lambda s: {"draw_id": s.extra["sup_draw"].pk},
    ),
    op(
        "GET",
        "/supervision/draws/{draw_id}/pools/{key}.txt",
        public(),
        kwargs=lambda s: {"draw_id": s.extra["sup_draw"].pk, "key": s.extra["sup_pool_key"]},
    ),
    page(
        "supervision:plans",
        GET,
        expect(403, grant(200, SUPERVISION_READERS)),
        why="readable_agency_ids: admins, auditors, inspectors, the Justice Bureau",
    ),
    page("supervision:plan_new", GET, expect(403, grant(200, ADMIN_A, ADMIN_B))),
    page(
        "supervision:plan_new",
        POST,
        expect(403, grant(ALLOWED, ADMIN_A, ADMIN_B)),
        data=lambda s: {"lead": s.agency.pk, "title": "矩阵计划", "start": "2026-01-01"},
        why="the lead is one of the admin's own agencies (B's admin: the form again, 400)",
    ),
    page(
        "supervision:plan",
        GET,
        expect(404, grant(200, SUPERVISION_READERS_A)),
        kwargs=_sup("sup_plan"),
        why="reads_plan: readers of the lead or a member agency",
    ),
    *[
        page(
            f"supervision:{name}",
            POST,
            expect(404, grant(403, SUPERVISION_READERS_A), grant(ALLOWED, who)),
            kwargs=_sup("sup_plan"),
            data=data,
            why=why,
        )
        for name, who, data, why in (
            ("draw_open", ADMIN_A, lambda s: {}, "the lead agency's admin (a second: 409)"),
            ("draw_commit", REVIEWER_A, _sup_draw, "commits_for_justice: the bureau over A"),
            ("draw_run", ADMIN_A, _sup_draw, "the lead agency's admin (done: 409)"),
            (
                "draw_reveal",
                REVIEWER_A,
                lambda s: {**_sup_draw(s), "share": "12" * 32},
                "commits_for_justice: the bureau over A (done: 409)",
            ),
            (
                "draw_redo",
                ADMIN_A,
                lambda s: {**_sup_draw(s), "reason": ""},
                "the lead agency's admin (no reason: refused)",
            ),
        )
    ],
    page("supervision:items", GET, expect(403, grant(200, ADMIN_A, ADMIN_B))),
    page("supervision:item_new", GET, expect(403, grant(200, ADMIN_A, ADMIN_B))),
    page(
        "supervision:item_new",
        POST,
        expect(403, grant(ALLOWED, ADMIN_A, ADMIN_B)),
        data=lambda s: {"agency": s.agency.pk, "code": "", "name": ""},
        why="an admin, for one of their own agencies (B naming A: the form again, 400)",
    ),
    page(
        "supervision:item_edit",
        GET,
        expect(403, grant(200, ADMIN_A), grant(404, ADMIN_B)),
        kwargs=_sup("sup_item"),
        why="an admin of the item's agency; another agency's admin: 404",
    ),
    page(
        "supervision:item_edit",
        POST,
        expect(403, grant(ALLOWED, ADMIN_A), grant(404, ADMIN_B)),
        kwargs=_sup("sup_item"),
        data=lambda s: {"agency": s.agency.pk, "name": ""},
    ),
    page(
        "supervision:item_publish",
        POST,
        expect(404, grant(403, SUPERVISION_READERS_A), grant(ALLOWED, ADMIN_A)),
        kwargs=_sup("sup_item"),
        data=lambda s: {},
        why="readers of the agency see it; only its admin publishes",
    ),
    page("supervision:tasks", GET, signed_in(200), why="the tasks the actor was drawn for"),
    page(
        "supervision:task",
        GET,
        expect(404, grant(200, SUPERVISION_READERS_A)),
        kwargs=_sup("sup_task"),
        why="task_for: its drawn inspectors, readers of the plan",
    ),
    page(
        "supervision:task",
        POST,
        expect(404, grant(403, SUPERVISION_READERS_A), grant(ALLOWED, INSPECTOR_A)),
        kwargs=_sup("sup_task"),
        data=lambda s: {"outcome": "", "findings": ""},
        why="assert_inspector: only a drawn inspector records the result",
    ),
    page(
        "supervision:task_notify",
        POST,
        expect(404, grant(403, SUPERVISION_READERS_A), grant(ALLOWED, INSPECTOR_A)),
        kwargs=_sup("sup_task"),
        data=lambda s: {},
        why="assert_inspector: a drawn inspector tells the subject (this item: unannounced)",
    ),
    page(
        "supervision:task_publish",
        POST,
        expect(404, grant(403, SUPERVISION_READERS_A), grant(ALLOWED, ADMIN_A)),
        kwargs=_sup("sup_task"),
        data=lambda s: {},
        why="the lead agency's admin publishes",
    ),
    page(
        "supervision:task_photo",
        GET,
        expect(404, grant(200, SUPERVISION_READERS_A)),
        kwargs=lambda s: {"pk": s.extra["sup_task"].pk, "photo": s.extra["sup_photo"].pk},
    ),
    page("supervision:key_list", GET, expect(403, grant(200, SUPERVISION_READERS))),
    page("supervision:parity", GET, expect(403, grant(200, SUPERVISION_READERS))),
    page(
        "supervision:parity",
        POST,
        expect(403, grant(ALLOWED, ADMIN_A)),
        data=lambda s: {"agency": s.agency.pk, "quarter": "2026Q1"},
        why="an admin of the agency named; B's admin naming A: 403",
    ),
    page(
        "supervision:parity_report",
        GET,
        expect(404, grant(200, SUPERVISION_READERS_A)),
        kwargs=_sup("sup_report"),
    ),
]

# complaints (R-8.1): the public form and receipt; the agency's pages; the Justice Bureau's
COMPLAINT_READERS = (
    ADMIN_A, ADMIN_B, AUDITOR_A, AUDITOR_B, HANDLER_A, HANDLER_B, REVIEWER_A, REVIEWER_B,
    SYSADMIN, JB_HANDLER,
)  # fmt: skip
COMPLAINT_READERS_A = (ADMIN_A, AUDITOR_A, HANDLER_A, REVIEWER_A, SYSADMIN, JB_HANDLER)
COMPLAINT_HANDLERS_A = (ADMIN_A, HANDLER_A)
JUSTICE = (REVIEWER_A, REVIEWER_B, SYSADMIN, JB_HANDLER)


def _complaint(key: str = "complaint") -> Kwargs:
    return lambda s: {"pk": s.extra[key].pk}


def _work_order(s: Scenario) -> dict[str, Any]:
    return {
        "order_no": "GD-MATRIX-0001",
        "kind": "attitude",
        "text": "来电反映窗口工作人员态度生硬，不解释告知承诺制的办理要求。",
        "agency_uscc": s.agency.uscc,
        "anonymous": True,
    }


def _hotline_signed(s: Scenario, body: bytes) -> dict[str, str]:
    from chengnuo.core.signing import signed_headers

    platform = s.extra["hotline"]
    return signed_headers(
        platform.app_key, platform.secret, "GD-MATRIX-0001", body, user_agent="12345"
    )


def _receipt(**more: Any) -> Data:
    return lambda s: {
        "code": s.extra["complaint_answered"].number,
        "secret": s.extra["complaint_secret"],
        **more,
    }


COMPLAINTS: list[Entry] = [
    page("complaints_public:new", GET, public()),
    page("complaints_public:statistics", GET, public(), why="per agency counts, nothing personal"),
    op(
        "POST",
        "/complaints/hotline",
        expect(ALLOWED, anonymous=ALLOWED),
        data=lambda s: _work_order(s),
        headers=lambda s, body: _hotline_signed(s, body),
        why="signed by the 12345 platform, the session plays no part (201 once, then 200);"
        " unsigned: 401 (tests/test_complaints_hotline.py)",
    ),
    page(
        "complaints_public:new",
        POST,
        public(400),
        data=lambda s: {},
        why="no account needed; an empty form (and no CAPTCHA answer): 400 for all",
    ),
    page("complaints_public:receipt", GET, public()),
    page(
        "complaints_public:receipt",
        POST,
        public(200),
        data=_receipt(),
        why="the receipt code and its secret are the only key: whoever holds them",
    ),
    page(
        "complaints_public:receipt_rate",
        POST,
        expect(ALLOWED, anonymous=ALLOWED),
        data=_receipt(rating="satisfied"),
        why="code + secret",
    ),
    page(
        "complaints_public:receipt_reopen",
        POST,
        public(400),
        data=_receipt(reason=""),
        why="code + secret; no reason: the page again with the refusal",
    ),
    page("captcha-image", GET, public(), kwargs=lambda s: {"key": s.extra["captcha_key"]}),
    page(
        "complaints:list",
        GET,
        expect(403, grant(200, COMPLAINT_READERS)),
        why="readable_agency_ids: admins, complaint handlers, auditors, the Justice Bureau",
    ),
    page("complaints:oversight", GET, expect(403, grant(200, JUSTICE)), why="is_justice"),
    page("complaints:oversight_export", GET, expect(403, grant(200, JUSTICE)), why="is_justice"),
    page(
        "complaints:detail",
        GET,
        expect(404, grant(200, COMPLAINT_READERS_A)),
        kwargs=_complaint(),
        why="reads: staff of A with a complaint role, the Justice Bureau overseeing A",
    ),
    page(
        "complaints:attachment",
        GET,
        expect(404, grant(200, COMPLAINT_READERS_A)),
        kwargs=lambda s: {
            "pk": s.extra["complaint"].pk,
            "attachment": s.extra["complaint_attachment"].pk,
        },
    ),
    *[
        page(
            f"complaints:{name}",
            POST,
            expect(404, grant(403, COMPLAINT_READERS_A), grant(ALLOWED, COMPLAINT_HANDLERS_A)),
            kwargs=_complaint(),
            data=data,
            why="handles: the handling agency's admins and complaint handlers",
        )
        for name, data in (
            ("accept", lambda s: {}),
            ("decline", lambda s: {"reason": ""}),
            ("transfer", lambda s: {"agency": s.other_agency.pk, "reason": ""}),
            ("extend", lambda s: {"reason": ""}),
            ("answer", lambda s: {"facts": "", "measures": ""}),
        )
    ],
    page(
        "complaints:supervise",
        POST,
        expect(404, grant(403, COMPLAINT_READERS_A), grant(ALLOWED, REVIEWER_A, JB_HANDLER)),
        kwargs=_complaint("complaint_overdue"),
        data=lambda s: {"note": ""},
        why="orders: the Justice Bureau overseeing the handling agency",
    ),
    page(
        "complaints:identity",
        POST,
        expect(404, grant(403, COMPLAINT_READERS_A), grant(200, JB_HANDLER)),
        kwargs=_complaint(),
        data=lambda s: {},
        why="sees_identity: the Justice Bureau's complaint handlers only (audited)",
    ),
]

# the rollout at a glance (R-8.1): the Justice Bureau's reviewers (a county bureau: its region's
# agencies) and the system admin; everyone else 403; an agency outside the reviewer's region 404
DASHBOARD_READERS = (REVIEWER_A, REVIEWER_B, SYSADMIN)
DASHBOARD_READERS_A = (REVIEWER_A, SYSADMIN)

OVERSIGHT_DASHBOARD: list[Entry] = [
    page(
        "oversight:dashboard",
        GET,
        expect(403, grant(200, DASHBOARD_READERS)),
        why="policies_dashboard.require_overseer: reviewable_agency_ids or the system admin",
    ),
    page(
        "oversight:dashboard_agency",
        GET,
        expect(403, grant(404, REVIEWER_B), grant(200, DASHBOARD_READERS_A)),
        kwargs=lambda s: {"pk": s.agency.pk},
        why="require_agency: the reviewer overseeing A's region; B's reviewer 404",
    ),
    page(
        "oversight:dashboard_cases",
        GET,
        expect(403, grant(404, REVIEWER_B), grant(200, DASHBOARD_READERS_A)),
        kwargs=lambda s: {"pk": s.agency.pk},
        query=lambda s: {"measure": "submitted"},
        why="require_agency: the reviewer overseeing A's region; B's reviewer 404",
    ),
]

# the key-task table (R-8.3): the Justice Bureau's reviewers and the units' admins read it; a
# task's page is for those who see one of its units (A's); only A's admin reports for A; the
# reviewers plan joint inspections, its members and the reviewers read and conclude them
KEYTASK_READERS = (REVIEWER_A, REVIEWER_B, ADMIN_A, ADMIN_B, SYSADMIN)
OVERSEERS = (REVIEWER_A, REVIEWER_B, SYSADMIN)

KEY_TASKS: list[Entry] = [
    page("oversight:key_tasks", GET, expect(403, grant(200, KEYTASK_READERS))),
    page(
        "oversight:key_task",
        GET,
        expect(404, grant(200, REVIEWER_A, ADMIN_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["key_task"].pk},
        why="selectors_keytasks.task_for: a reader of one of its units (A)",
    ),
    page(
        "oversight:key_task_report",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        kwargs=lambda s: {"pk": s.extra["key_task"].pk},
        data=lambda s: {
            "agency": s.agency.pk,
            "progress": "under_way",
            "text": "已组织窗口人员集中学习告知承诺制工作规程",
        },
        why="progress_report: the admin of the reporting unit (A) only",
    ),
    page("oversight:key_task_new", GET, expect(403, grant(200, OVERSEERS))),
    page(
        "oversight:key_task_new",
        POST,
        expect(403, grant(ALLOWED, REVIEWER_A, SYSADMIN), grant(Refused(400), REVIEWER_B)),
        data=lambda s: {
            "heading": "材料清单复核",
            "requirement": "逐项复核告知承诺事项的申请材料清单",
            "responsible_ids": [s.agency.pk],
        },
        why="key_task_save: for agencies the reviewer oversees (B's: the form again, 400)",
    ),
    page("oversight:joint_list", GET, expect(403, grant(200, OVERSEERS))),
    page(
        "oversight:joint_list",
        POST,
        expect(403, grant(ALLOWED, OVERSEERS)),
        data=lambda s: {
            "title": "第二次联合督查",
            "scope": "对证明事项告知承诺办理情况开展联合督查并通报",
            "start": "2026-06-01",
            "end": "2026-06-30",
            "member_ids": s.extra["joint_members"],
        },
        why="joint_plan: a Justice Bureau reviewer",
    ),
    page(
        "oversight:joint",
        GET,
        expect(404, grant(200, OVERSEERS)),
        kwargs=lambda s: {"pk": s.extra["joint"].pk},
        why="joint_for: the reviewers and the inspection's members",
    ),
    page(
        "oversight:joint",
        POST,
        expect(404, grant(ALLOWED, OVERSEERS)),
        kwargs=lambda s: {"pk": s.extra["joint"].pk},
        data=lambda s: {"findings": "督查发现部分单位未公布目录清单，已通报并限期整改"},
        why="joint_conclude: the reviewers and the inspection's members",
    ),
]

# rectification notices (R-8.1): the reviewers (a county bureau: its region) and the agencies'
# admins read the list; A's notice is for the reviewer over A, A's admin and the system admin;
# only A's admin answers it (the bureau is refused: it reviews, it does not answer)
RECTIFICATION: list[Entry] = [
    page("oversight:rectifications", GET, expect(403, grant(200, KEYTASK_READERS))),
    page(
        "oversight:rectification",
        GET,
        expect(404, grant(200, REVIEWER_A, ADMIN_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["rectification"].pk},
        why="selectors_rectification.get_for: the overseeing reviewer and the agency's admin",
    ),
    page(
        "oversight:rectification",
        POST,
        expect(404, grant(403, REVIEWER_A, SYSADMIN), grant(ALLOWED, ADMIN_A)),
        kwargs=lambda s: {"pk": s.extra["rectification"].pk},
        data=lambda s: {"action": "answer", "answer": "已在政务服务网公布该事项的告知承诺书。"},
        why="rectification_answer: the agency's admin only; the reviewer reviews (403)",
    ),
]

# the daily portal check (R-8.1): the Justice Bureau's reviewers read the agencies they oversee
# (B's county reviewer: A is not among them, 404), the agencies' admins their own (read-only);
# running a check and sending findings for rectification are the overseeing reviewer's
PORTAL_READERS = (REVIEWER_A, REVIEWER_B, ADMIN_A, ADMIN_B, SYSADMIN)
PORTAL_READERS_A = (REVIEWER_A, ADMIN_A, SYSADMIN)

PORTALCHECKS: list[Entry] = [
    page(
        "oversight:portal_checks",
        GET,
        expect(403, grant(200, PORTAL_READERS)),
        why="policies_portalchecks.reads_any: reviewers and agency admins",
    ),
    page(
        "oversight:portal_check_agency",
        GET,
        expect(403, grant(404, REVIEWER_B, ADMIN_B), grant(200, PORTAL_READERS_A)),
        kwargs=lambda s: {"pk": s.agency.pk},
        why="selectors_portalchecks.agency_for: A's reviewer, A's admin; B's 404",
    ),
    page(
        "oversight:portal_check",
        GET,
        expect(403, grant(404, REVIEWER_B, ADMIN_B), grant(200, PORTAL_READERS_A)),
        kwargs=lambda s: {"pk": s.extra["portal_check"].pk},
        why="selectors_portalchecks.check_for: A's reviewer, A's admin; B's 404",
    ),
    page(
        "oversight:portal_check_run",
        POST,
        expect(403, grant(404, REVIEWER_B, ADMIN_B), grant(ALLOWED, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.agency.pk},
        data=lambda s: {},
        why="portal_check_run: the reviewer overseeing A (A's admin reads only: 403)",
    ),
    page(
        "oversight:portal_check_send",
        POST,
        expect(403, grant(404, REVIEWER_B, ADMIN_B), grant(ALLOWED, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.agency.pk},
        data=lambda s: {
            "finding_ids": [s.extra["portal_finding"].pk],
            "deadline": (timezone.localdate() + dt.timedelta(days=15)).isoformat(),
        },
        why="portal_findings_send: the reviewer overseeing A (A's admin reads only: 403)",
    ),
]

# case-file review (R-8.1): the Justice Bureau's reviewers open, draw and score rounds of the
# agencies they oversee (A's: REVIEWER_A); A's admin reads A's rounds, read-only (its writes:
# 403); anyone else gets 404 for a round. The list and the sheet are for reviewers and admins.
CASEREVIEW_READERS = (REVIEWER_A, REVIEWER_B, ADMIN_A, ADMIN_B, SYSADMIN)
ROUND_READERS_A = (REVIEWER_A, ADMIN_A, SYSADMIN)
ROUND_WRITERS_A = (REVIEWER_A, SYSADMIN)


def _cr(key: str) -> Kwargs:
    return lambda s: {"pk": s.extra[key].pk}


def _cr_file(s: Scenario) -> dict[str, Any]:
    return {"pk": s.extra["cr_review"].pk, "number": s.extra["cr_case"].number}


CASEREVIEW: list[Entry] = [
    page(
        "oversight:casereview_list",
        GET,
        expect(403, grant(200, CASEREVIEW_READERS)),
        why="policies_casereview.reads_any: a reviewer or an agency admin",
    ),
    page(
        "oversight:casereview_new",
        GET,
        expect(403, grant(200, OVERSEERS)),
        why="policies_casereview.reviews: a Justice Bureau reviewer",
    ),
    page(
        "oversight:casereview_new",
        POST,
        expect(403, grant(ALLOWED, ROUND_WRITERS_A), grant(Refused(400), REVIEWER_B)),
        data=lambda s: {
            "agency": s.agency.pk,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "quota": "5",
            "commitment": "3b" * 32,
        },
        why="review_open: for an agency the reviewer oversees (B's reviewer: the form, 400)",
    ),
    page(
        "oversight:casereview_round",
        GET,
        expect(404, grant(200, ROUND_READERS_A)),
        kwargs=_cr("cr_review"),
        why="selectors_casereview.review_for: A's overseers and A's admin",
    ),
    page(
        "oversight:casereview_freeze",
        POST,
        expect(404, grant(ALLOWED, ROUND_WRITERS_A), grant(403, ADMIN_A)),
        kwargs=_cr("cr_pending"),
        why="review_freeze: A's overseers; A's admin reads only",
    ),
    page(
        "oversight:casereview_reveal",
        POST,
        expect(404, grant(ALLOWED, ROUND_WRITERS_A), grant(403, ADMIN_A)),
        kwargs=_cr("cr_pending"),
        data=lambda s: {"share": "5c" * 32},
        why="review_reveal: A's overseers; A's admin reads only",
    ),
    page(
        "oversight:casereview_abandon",
        POST,
        expect(404, grant(ALLOWED, ROUND_WRITERS_A), grant(403, ADMIN_A)),
        kwargs=_cr("cr_pending"),
        data=lambda s: {"reason": "评查人员保管的随机数遗失，另行发起评查"},
        why="review_abandon: A's overseers; A's admin reads only",
    ),
    page(
        "oversight:casereview_published",
        GET,
        expect(404, grant(200, ROUND_READERS_A)),
        kwargs=_cr("cr_review"),
        why="selectors_casereview.review_for: the round's readers download its draw",
    ),
    page(
        "oversight:casereview_score",
        GET,
        expect(404, grant(200, ROUND_READERS_A)),
        kwargs=_cr_file,
        why="review_for + sampled_case: the round's readers",
    ),
    page(
        "oversight:casereview_score",
        POST,
        expect(404, grant(ALLOWED, ROUND_WRITERS_A), grant(403, ADMIN_A)),
        kwargs=_cr_file,
        data=lambda s: {
            **s.extra["cr_points"],
            s.extra["cr_note"]: "告知书未留存送达回执",
            "evidence": [str(s.extra["cr_event"])],
            "reason": "复核时发现送达回执已归档，更正扣分",
        },
        why="file_score: A's overseers; A's admin reads only",
    ),
    page(
        "oversight:casereview_finding",
        POST,
        expect(404, grant(ALLOWED, ROUND_WRITERS_A), grant(403, ADMIN_A)),
        kwargs=_cr_file,
        data=lambda s: {
            "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "requirement": "补齐告知书送达回执并对窗口人员开展培训",
        },
        why="finding_issue: A's overseers send the finding to A; A's admin reads only",
    ),
    page(
        "oversight:casereview_sheet",
        GET,
        expect(404, grant(200, CASEREVIEW_READERS)),
        kwargs=lambda s: {"pk": s.extra["cr_review"].sheet_id},
        why="selectors_casereview.sheet_for: a reviewer or an agency admin",
    ),
    page(
        "oversight:casereview_sheet_revise",
        GET,
        expect(404, grant(403, CASEREVIEW_READERS), grant(200, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["cr_review"].sheet_id},
        why="policies_casereview.revises_sheets: the city bureau's reviewers (A's, B's: county)",
    ),
    page(
        "oversight:casereview_sheet_revise",
        POST,
        expect(404, grant(403, CASEREVIEW_READERS), grant(ALLOWED, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["cr_review"].sheet_id},
        data=lambda s: {
            "rows": "2",
            "heading_0": "告知书送达",
            "description_0": "是否向申请人出具书面告知书并留存送达记录",
            "max_points_0": "40",
            "heading_1": "承诺书签署",
            "description_1": "承诺书是否由申请人本人签署且内容完整",
            "max_points_1": "60",
            "excellent_min": "90",
            "pass_min": "60",
            "note": "合并评查项目，简化评查",
        },
        why="sheet_revise: the city bureau's reviewers (A's, B's: county)",
    ),
]

# evaluation indicators (R-8.2): the schemes are read by the Justice Bureau's reviewers and
# the agencies' admins, revised by the city bureau (here: the system admin); an evaluation of
# A's region is its county bureau's (A's reviewer) to compute, adjust and finalise; A's admin
# reads A's scores once it is finalised
INDICATOR_READERS = (REVIEWER_A, REVIEWER_B, ADMIN_A, ADMIN_B, SYSADMIN)
EVALUATION_OWNERS_A = (REVIEWER_A, SYSADMIN)


def _ind(key: str, **more: Any) -> Kwargs:
    return lambda s: {"pk": s.extra[key].pk, **{k: f(s) for k, f in more.items()}}


def _ind_agency(key: str) -> Kwargs:
    return _ind(key, agency=lambda s: s.agency.pk)


INDICATORS: list[Entry] = [
    page("oversight:indicator_schemes", GET, expect(403, grant(200, INDICATOR_READERS))),
    page(
        "oversight:indicator_scheme",
        GET,
        expect(403, grant(200, INDICATOR_READERS)),
        kwargs=_ind("ind_scheme"),
        why="selectors_indicators.require_reader",
    ),
    page(
        "oversight:indicator_scheme_version",
        POST,
        expect(403, grant(ALLOWED, SYSADMIN)),
        kwargs=_ind("ind_scheme"),
        data=lambda s: {},
        why="scheme_new_version: the city bureau's reviewers and the system admin",
    ),
    page(
        "oversight:indicator_scheme_enact",
        POST,
        expect(403, grant(ALLOWED, SYSADMIN)),
        kwargs=_ind("ind_scheme"),
        data=lambda s: {},
        why="scheme_enact: the city bureau's reviewers and the system admin",
    ),
    page(
        "oversight:indicator_edit",
        POST,
        expect(404, grant(ALLOWED, SYSADMIN)),
        kwargs=_ind("ind_leaf"),
        data=lambda s: {"name": "核查按期完成", "weight": "10"},
        why="selectors_indicators.indicator_for: scheme managers only",
    ),
    page("oversight:indicator_evaluations", GET, expect(403, grant(200, INDICATOR_READERS))),
    page(
        "oversight:indicator_evaluations",
        POST,
        expect(403, grant(ALLOWED, REVIEWER_A, REVIEWER_B, SYSADMIN)),
        data=lambda s: {
            "scheme": s.extra["ind_scheme"].pk,
            "title": "告知承诺制季度考评",
            "start": "2026-01-01",
            "end": "2026-03-31",
        },
        why="evaluation_start: a Justice Bureau reviewer, for the agencies it oversees",
    ),
    page(
        "oversight:indicator_evaluation",
        GET,
        expect(404, grant(200, EVALUATION_OWNERS_A)),
        kwargs=_ind("ind_eval"),
        why="selectors_indicators.evaluation_for: the bureau of A's region (not B's)",
    ),
    page(
        "oversight:indicator_evaluation",
        GET,
        expect(404, grant(200, REVIEWER_A, ADMIN_A, SYSADMIN)),
        kwargs=_ind("ind_final"),
        variant="finalised",
        why="evaluation_for: once finalised, A's admin too (its own agency's row)",
    ),
    page(
        "oversight:indicator_evaluation_compute",
        POST,
        expect(404, grant(ALLOWED, EVALUATION_OWNERS_A)),
        kwargs=_ind("ind_eval"),
        data=lambda s: {},
        why="evaluation_for, then evaluation_compute: the evaluation's bureau",
    ),
    page(
        "oversight:indicator_evaluation_finalise",
        POST,
        expect(404, grant(ALLOWED, EVALUATION_OWNERS_A)),
        kwargs=_ind("ind_eval"),
        data=lambda s: {},
        why="evaluation_for, then evaluation_finalise: the evaluation's bureau",
    ),
    page(
        "oversight:indicator_evaluation_export",
        GET,
        expect(404, grant(200, EVALUATION_OWNERS_A)),
        kwargs=_ind("ind_eval"),
        why="evaluation_for: the rows the reader may see",
    ),
    page(
        "oversight:indicator_adjustments",
        GET,
        expect(404, grant(200, EVALUATION_OWNERS_A)),
        kwargs=_ind("ind_eval"),
        why="evaluation_for",
    ),
    page(
        "oversight:indicator_agency",
        GET,
        expect(404, grant(200, EVALUATION_OWNERS_A)),
        kwargs=_ind_agency("ind_eval"),
        why="evaluation_for, agency_for: an agency the reader oversees",
    ),
    page(
        "oversight:indicator_agency",
        GET,
        expect(404, grant(200, REVIEWER_A, ADMIN_A, SYSADMIN)),
        kwargs=_ind_agency("ind_final"),
        variant="finalised",
        why="agency_for: once finalised, the agency's own admin (read-only)",
    ),
    page(
        "oversight:indicator_score_adjust",
        POST,
        expect(404, grant(ALLOWED, EVALUATION_OWNERS_A)),
        kwargs=_ind("ind_score"),
        data=lambda s: {"points": "1", "reason": "经现场核实已整改到位，酌情调整得分"},
        why="evaluation_for, agency_for, score_adjust: the evaluation's bureau",
    ),
]

# circulated reports (R-8.2): the Justice Bureau's reviewers draft, edit and issue their
# bureau's reports (A's county bureau drafted both); agency admins read the issued reports
# addressed to their agency and acknowledge them; drafts are never shown to agencies; the
# system admin reads everything and writes nothing
REPORT_LIST_READERS = (REVIEWER_A, REVIEWER_B, ADMIN_A, ADMIN_B, SYSADMIN)
ISSUED_READERS = (REVIEWER_A, ADMIN_A, SYSADMIN)


def _report(key: str) -> Kwargs:
    return lambda s: {"pk": s.extra[key].pk}


REPORTS: list[Entry] = [
    page("oversight:reports", GET, expect(403, grant(200, REPORT_LIST_READERS))),
    page("oversight:report_new", GET, expect(403, grant(200, REVIEWER_A, REVIEWER_B))),
    page(
        "oversight:report_new",
        POST,
        expect(403, grant(ALLOWED, REVIEWER_A, REVIEWER_B)),
        data=lambda s: {
            "start": f"{timezone.localdate():%Y}-01",
            "end": f"{timezone.localdate():%Y-%m}",
        },
        why="report_draft: a Justice Bureau reviewer, for the agencies its bureau oversees",
    ),
    page(
        "oversight:report",
        GET,
        expect(404, grant(200, REVIEWER_A, SYSADMIN)),
        kwargs=_report("report_draft"),
        variant="draft",
        why="selectors_reports.report_for: a draft only for its bureau's reviewers",
    ),
    page(
        "oversight:report",
        GET,
        expect(404, grant(200, ISSUED_READERS)),
        kwargs=_report("report_issued"),
        variant="issued",
        why="report_for: its bureau, the reviewers overseeing an addressee, the addressee's admin",
    ),
    page(
        "oversight:report_edit",
        GET,
        expect(404, grant(200, REVIEWER_A), grant(403, SYSADMIN)),
        kwargs=_report("report_draft"),
        why="policies_reports.may_edit: the issuing bureau's reviewers",
    ),
    page(
        "oversight:report_edit",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A), grant(403, SYSADMIN)),
        kwargs=_report("report_draft"),
        data=lambda s: {
            "title": "关于证明事项告知承诺制推行情况的通报",
            "heading": ["总体情况"],
            "text": ["各单位按照实施方案要求推进告知承诺制，总体情况良好。"],
            "recipient_ids": [s.agency.pk],
        },
        why="report_edit: the issuing bureau's reviewers, while a draft",
    ),
    page(
        "oversight:report_issue",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A), grant(403, SYSADMIN)),
        kwargs=_report("report_draft"),
        why="report_issue: the issuing bureau's reviewers",
    ),
    page(
        "oversight:report_acknowledge",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A)),
        kwargs=_report("report_issued"),
        data=lambda s: {"agency": s.agency.pk, "note": "已收悉"},
        why="report_acknowledge: the admin of the addressed agency (A) only",
    ),
    page(
        "oversight:report_download",
        GET,
        expect(404, grant(200, ISSUED_READERS)),
        kwargs=lambda s: {"pk": s.extra["report_issued"].pk, "fmt": "pdf"},
        why="report_for, as the report's page",
    ),
    page(
        "oversight:report_chart",
        GET,
        expect(404, grant(200, ISSUED_READERS)),
        kwargs=lambda s: {"pk": s.extra["report_issued"].pk, "name": "bars"},
        why="report_for, as the report's page",
    ),
]

# fault-tolerance reviews (R-8.4): the Justice Bureau's reviewers open and decide them for the
# agencies they oversee (B's reviewer: 404 on A's); A's admin reads A's reviews, read-only (403
# on the writes); everyone else 403 on the list, 404 on a review
FT_READERS = (REVIEWER_A, REVIEWER_B, ADMIN_A, ADMIN_B, SYSADMIN)
FT_READERS_A = (REVIEWER_A, ADMIN_A, SYSADMIN)


def _fault_review(s: Scenario) -> dict[str, Any]:
    return {"pk": s.extra["fault_review"].pk}


def _fault_pack(s: Scenario) -> dict[str, Any]:
    return {"pk": s.extra["fault_review"].pk, "version": 1}


FAULTTOLERANCE: list[Entry] = [
    page("oversight:ft_index", GET, expect(403, grant(200, FT_READERS))),
    page("oversight:ft_open", GET, expect(403, grant(200, OVERSEERS))),
    page(
        "oversight:ft_open",
        POST,
        expect(403, grant(ALLOWED, REVIEWER_A, SYSADMIN), grant(404, REVIEWER_B)),
        data=lambda s: {
            "case": s.extra["fault_case"].number,
            "kind": "false_commitment",
            "loss": "承诺人以不实缴费承诺领取待遇，造成财政资金损失1200元",
        },
        why="fault_review_open: a reviewer overseeing the case's agency (B's: case_to_review 404)",
    ),
    page(
        "oversight:ft_review",
        GET,
        expect(404, grant(200, FT_READERS_A)),
        kwargs=_fault_review,
        why="selectors_faulttolerance.review_for: A's reviewer, A's admin, the system admin",
    ),
    page(
        "oversight:ft_pack",
        GET,
        expect(404, grant(200, FT_READERS_A)),
        kwargs=_fault_pack,
        why="review_for, then the pack version",
    ),
    page(
        "oversight:ft_pack_pdf",
        GET,
        expect(404, grant(200, FT_READERS_A)),
        kwargs=_fault_pack,
        why="review_for, then the pack version",
    ),
    page(
        "oversight:ft_decide",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A, SYSADMIN), grant(403, ADMIN_A)),
        kwargs=_fault_review,
        data=lambda s: {
            "conclusion": "reasonable_error",
            "reasons": "承办人员按照核查计划完成了现场核查，承诺内容当时无法通过共享数据核实",
            "basis": "阜阳市全面推行证明事项告知承诺制实施方案",
        },
        why="fault_decide: a reviewer overseeing the agency; A's admin reads only (403)",
    ),
    page(
        "oversight:ft_reassemble",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A, SYSADMIN), grant(403, ADMIN_A)),
        kwargs=_fault_review,
        data=lambda s: {},
        why="fault_pack_reassemble: a reviewer overseeing the agency; A's admin reads only",
    ),
    page(
        "oversight:ft_rectify",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A, SYSADMIN), grant(403, ADMIN_A)),
        kwargs=_fault_review,
        data=lambda s: {
            "rectify_title": "核查计划执行不到位",
            "rectify_text": "未按核查计划开展现场核查，请组织整改并报送整改情况",
            "rectify_deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        },
        why="fault_rectify: a reviewer overseeing the agency (undecided: the page again, 400)",
    ),
]

# the catalog learns from outcomes (R-8.1, R-7.2): the figures and the suggestions are the
# Justice Bureau's (the reviewers overseeing the item's agency decide them); an agency's admin
# sees only the proposals adopted for its agency and answers them
LEARNING_OVERSEERS = (REVIEWER_A, REVIEWER_B, SYSADMIN)

LEARNING: list[Entry] = [
    page(
        "oversight:learning_items",
        GET,
        expect(403, grant(200, LEARNING_OVERSEERS)),
        why="policies_learning.overseer: a Justice Bureau reviewer or the system admin",
    ),
    page(
        "oversight:learning_suggestions",
        GET,
        expect(403, grant(200, LEARNING_OVERSEERS)),
        why="policies_learning.overseer",
    ),
    page(
        "oversight:learning_suggestion",
        GET,
        expect(404, grant(200, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["learning_suggestion"].pk},
        why="selectors_learning.suggestion_for: the reviewer overseeing A; never A's staff",
    ),
    page(
        "oversight:learning_suggestion_adopt",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["learning_suggestion"].pk},
        data=lambda s: {"note": ""},
        why="suggestion_for, then suggestion_adopt: the reviewer overseeing A",
    ),
    page(
        "oversight:learning_suggestion_dismiss",
        POST,
        expect(404, grant(ALLOWED, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["learning_suggestion"].pk},
        data=lambda s: {"reason": "样本量较小，待下一评估期再行研判"},
        why="suggestion_for, then suggestion_dismiss: the reviewer overseeing A",
    ),
    page(
        "oversight:learning_proposals",
        GET,
        expect(403, grant(200, *LEARNING_OVERSEERS, ADMIN_A, ADMIN_B)),
        why="policies_learning.proposal_reader: overseers and agency admins (their own agency)",
    ),
    page(
        "oversight:learning_proposal",
        GET,
        expect(404, grant(200, ADMIN_A, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["learning_proposal"].pk},
        why="selectors_learning.proposal_for: A's admin and the reviewer overseeing A",
    ),
    page(
        "oversight:learning_proposal",
        POST,
        expect(404, grant(ALLOWED, ADMIN_A), grant(403, REVIEWER_A, SYSADMIN)),
        kwargs=lambda s: {"pk": s.extra["learning_proposal"].pk},
        data=lambda s: {"decision": "accept", "answer": "已调整核查计划，提高现场核查比例"},
        why="proposal_answer: A's admin answers; the overseers read it only (403)",
    ),
]

ENTRIES: list[Entry] = [
    *PAGES,
    *OPERATIONS,
    *SUPERVISION,
    *COMPLAINTS,
    *OVERSIGHT_DASHBOARD,
    *KEY_TASKS,
    *RECTIFICATION,
    *PORTALCHECKS,
    *CASEREVIEW,
    *INDICATORS,
    *REPORTS,
    *FAULTTOLERANCE,
    *LEARNING,
]

# Routes of the URL conf that are not the platform's pages: no entry, for the reason given.
NOT_IN_MATRIX: dict[str, str] = {
    "healthz": "the load balancer's liveness probe: no login, no data",
    "admin:*": "Django's admin site: its own is_staff login (tests/test_admin.py)",
    "djdt:*": "the debug toolbar, when installed for development",
    "api:api-root": "Django Ninja's root of /api/v1/: always 404, names the docs",
    "api:openapi-json": "Django Ninja's schema of the API: public (tests/test_openapi.py)",
    "api:openapi-view": "Django Ninja's docs page for the schema: public",
    "POST /api/v1/bench/insert": "the benchmark's floor (bench/case_submit.py), never deployed",
}
# routes of NOT_IN_MATRIX that exist only with a setting (CHENGNUO_BENCH_ENDPOINTS)
ONLY_IF_CONFIGURED = frozenset({"POST /api/v1/bench/insert"})
