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
    # revoked approvals come from handling untrue commitments (the verification demo)
    states = set(CaseStatus.values) - {CaseStatus.REVOKED}
    assert states <= set(Case.objects.values_list("status", flat=True))
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
