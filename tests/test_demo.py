"""The demo data: at least 40 realistic items across all R-1.2 domains, some refused for
R-1.3, at least two filed catalog versions; loading twice changes nothing."""

from django.core.management import call_command

from chengnuo.audit.services import verify_chain
from chengnuo.catalog.constants import PriorityDomain
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal
from chengnuo.catalog.rules import clean_item_payload
from chengnuo.demo import data
from chengnuo.demo.loader import item_payload


def test_demo_loads_idempotently_with_the_promised_content(db):
    call_command("load_demo", verbosity=0)
    counts = (
        CertificationItem.objects.count(),
        CatalogVersion.objects.count(),
        ChangeProposal.objects.count(),
    )
    call_command("load_demo", verbosity=0)
    assert (
        CertificationItem.objects.count(),
        CatalogVersion.objects.count(),
        ChangeProposal.objects.count(),
    ) == counts

    in_force = CertificationItem.objects.filter(status="in_force")
    assert in_force.count() >= 40
    domains = {d for item in in_force for d in item.priority_domains}
    assert domains == set(PriorityDomain.values)
    refused = in_force.filter(under_commitment=False).exclude(excluded_domains=[])
    assert refused.count() >= 5
    agencies_with_two = [
        a
        for a in CatalogVersion.objects.values_list("agency", flat=True)
        if CatalogVersion.objects.filter(agency=a).count() >= 2
    ]
    assert agencies_with_two
    assert ChangeProposal.objects.filter(status="returned").exists()
    assert ChangeProposal.objects.filter(status="submitted").exists()
    assert verify_chain() is None


def test_demo_items_marked_under_commitment_pass_the_r_1_3_rule():
    for row in data.ITEMS:
        _, _, payload = item_payload(row)
        _, errors = clean_item_payload(payload)
        assert errors == [], (row[1], errors)


def test_demo_publishes_templates_for_every_item_under_commitment(db):
    from chengnuo.documents.models import TemplateVersion

    call_command("load_demo", verbosity=0)
    items = CertificationItem.objects.filter(status="in_force", under_commitment=True)
    versions = TemplateVersion.objects.filter(item__in=items)
    assert versions.filter(kind="notification").count() == items.count()
    assert versions.filter(kind="commitment").count() == items.count()
    call_command("load_demo", verbosity=0)
    assert TemplateVersion.objects.count() == 2 * items.count()


def test_demo_publishes_a_guide_per_matter_and_work_rules_per_item(db):
    from chengnuo.catalog.models import Matter
    from chengnuo.documents.guide_models import GuideVersion

    call_command("load_demo", verbosity=0)
    items = CertificationItem.objects.filter(status="in_force", under_commitment=True)
    assert GuideVersion.objects.filter(kind="guide").count() == Matter.objects.count()
    assert GuideVersion.objects.filter(kind="work_rules").count() == items.count()
    call_command("load_demo", verbosity=0)
    assert GuideVersion.objects.count() == Matter.objects.count() + items.count()


def test_demo_cases_cover_every_state_and_load_once(db):
    from chengnuo.cases.constants import CaseStatus, CommitmentStatus
    from chengnuo.cases.models import Case, CaseItem, Commitment, Proof
    from chengnuo.cases.selectors import public_commitments

    call_command("load_demo", verbosity=0)
    # the revoked approval comes from handling an untrue commitment (the verification demo)
    assert set(CaseStatus.values) <= set(Case.objects.values_list("status", flat=True))
    assert Case.objects.filter(status=CaseStatus.APPROVED).count() >= 3
    withdrawn = Commitment.objects.filter(status=CommitmentStatus.WITHDRAWN)
    assert withdrawn.count() >= 2
    for c in withdrawn:
        assert c.withdrawal_reason
        assert Proof.objects.filter(case_item=c.case_item).exists()
    assert public_commitments().exists()
    refused = CaseItem.objects.filter(commit_offered=False, choice="proof")
    assert any(
        r["code"] in ("false_commitment", "serious_record")
        for line in refused
        for r in line.eligibility["reasons"]
    )
    assert Commitment.objects.filter(method="handwritten").exclude(signature_scan="").exists()
    assert not Commitment.objects.filter(pdf="").exists()
    assert all(c.pdf_digest for c in Commitment.objects.all())
    assert Case.objects.exclude(status=CaseStatus.DRAFT).exclude(decision_reason="").exists()
    counts = (Case.objects.count(), Commitment.objects.count(), Proof.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Case.objects.count(), Commitment.objects.count(), Proof.objects.count()) == counts
    assert verify_chain() is None


def test_demo_verification_covers_every_measure_and_outcome_and_loads_once(db):
    from chengnuo.audit.models import AuditEvent
    from chengnuo.cases.constants import CaseStatus
    from chengnuo.cases.models import Case
    from chengnuo.credit.constants import RecordKind
    from chengnuo.credit.models import CreditRecord
    from chengnuo.demo.verification_cases import SUBJECTS
    from chengnuo.verification.constants import (
        AssistanceStatus,
        HandlingStatus,
        InspectionStatus,
        Measure,
        Outcome,
    )
    from chengnuo.verification.models import (
        AssistanceRequest,
        Handling,
        Inspection,
        OnlineCheck,
        VerificationPlan,
        VerificationTask,
    )

    call_command("load_demo", verbosity=0)
    assert set(Handling.objects.values_list("measure", flat=True)) == set(Measure.values)
    outcomes = set(VerificationTask.objects.values_list("outcome", flat=True))
    assert {Outcome.CONSISTENT, Outcome.INCONSISTENT, Outcome.UNABLE} <= outcomes
    assert not OnlineCheck.objects.filter(status__in=["queued", "retrying"]).exists()
    statuses = set(AssistanceRequest.objects.values_list("status", flat=True))
    assert {AssistanceStatus.ANSWERED, AssistanceStatus.REFUSED} <= statuses
    assert Inspection.objects.filter(status=InspectionStatus.DONE).exists()
    assert Inspection.objects.filter(status=InspectionStatus.ASSIGNED).exists()
    assert all(i.inspectors.count() == 2 for i in Inspection.objects.all())
    assert Case.objects.filter(status=CaseStatus.REVOKED).exists()
    terminated = Handling.objects.get(measure=Measure.TERMINATE).commitment.case
    assert terminated.status == CaseStatus.TERMINATED
    assert Handling.objects.filter(status=HandlingStatus.RECTIFIED).exists()
    assert Handling.objects.filter(status=HandlingStatus.ESCALATED).exists()
    awaiting = VerificationTask.objects.filter(
        outcome=Outcome.INCONSISTENT, handlings=None, origin_ref=""
    )
    assert awaiting.count() == 1
    assert awaiting.get().commitment.subject.name == "钱八"
    refs = CreditRecord.objects.exclude(verification_ref="")
    assert refs.filter(kind=RecordKind.COMMITMENT_KEPT).exists()
    assert refs.filter(kind=RecordKind.FALSE_COMMITMENT).exists()
    # good faith and a rectification done in time leave no false-commitment record
    for h in Handling.objects.filter(status=HandlingStatus.RECTIFIED) | Handling.objects.filter(
        measure=Measure.GOOD_FAITH
    ):
        assert h.credit_record_id is None
        ref = f"commitment:{h.commitment_id}:false"
        assert not CreditRecord.objects.filter(verification_ref=ref).exists()
    names = {name for _key, name, _number, _phone in SUBJECTS}
    assert (
        set(Case.objects.filter(subject__name__in=names).values_list("subject__name", flat=True))
        == names
    )

    def state():
        return (
            Case.objects.count(),
            VerificationPlan.objects.count(),
            VerificationTask.objects.count(),
            Handling.objects.count(),
            CreditRecord.objects.count(),
            AuditEvent.objects.count(),
        )

    before = state()
    call_command("load_demo", verbosity=0)
    assert state() == before
    assert verify_chain() is None


def test_demo_complaints_cover_the_states_an_overdue_supervision_and_a_report_and_load_once(db):
    from chengnuo.complaints.constants import Event, Status
    from chengnuo.complaints.models import Complaint
    from chengnuo.verification.models import VerificationTask

    call_command("load_demo", verbosity=0)
    count = Complaint.objects.count()
    assert {Status.SUBMITTED, Status.ACCEPTED, Status.DECLINED, Status.ANSWERED} <= set(
        Complaint.objects.values_list("status", flat=True)
    )
    late = Complaint.objects.get(supervised_at__isnull=False)
    assert late.overdue_since is not None and late.supervision_note
    report = Complaint.objects.get(kind="false_commitment")
    assert VerificationTask.objects.filter(origin_ref=report.number).exists()
    assert report.verification_task_id is not None and report.verification_state
    assert Complaint.objects.filter(transfer_count=1).exists()
    assert Complaint.objects.filter(reopen_count=1, status=Status.ACCEPTED).exists()
    from chengnuo.audit.models import AuditEvent

    assert AuditEvent.objects.filter(event=Event.SUPERVISED).count() == 1
    call_command("load_demo", verbosity=0)
    assert Complaint.objects.count() == count
