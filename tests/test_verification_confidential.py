"""Verification is confidential to staff (issue 11 §8, R-4.2): the applicant's case page and
timeline showed the risk level, the share sampled, "抽中0项" and the draw's seed — telling an
applicant that none of their commitments would be checked. Applicants see that their
commitments are subject to verification, and each verification's result once concluded; draws,
seeds, shares, risk levels and pending tasks stay on staff pages."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from chengnuo.audit.models import AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Case
from chengnuo.verification import internal
from chengnuo.verification.models import SamplingDraw, VerificationTask

from .cases_helpers import build_world, ready_case
from .test_case_api import token

SECRETS = ("随机种子", "抽取比例", "抽中", "候选", "信用风险等级", "核查抽样")


@pytest.fixture
def approved(db, settings):
    settings.VERIFICATION_INTENSITY = {"A": {"share": 100, "timing": "after_decision"}}
    w = build_world()
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    assert SamplingDraw.objects.filter(case=case).exists()
    return w, Case.objects.get(pk=case.pk)


def page(user, case) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/cases/{case.number}/").content.decode()


def test_the_applicants_page_shows_no_draw_share_seed_or_risk(approved):
    w, case = approved
    draw = SamplingDraw.objects.get(case=case, stage="after_decision")
    body = page(w.applicant, case)
    for secret in (*SECRETS, draw.seed, f"{draw.share_percent}%"):
        assert secret not in body, secret
    assert "本承诺接受行政机关依法核查" in body


def test_the_applicant_does_not_see_which_commitments_are_pending_verification(approved):
    w, case = approved
    body = page(w.applicant, case)
    assert "待核查" not in body and "在线核查" not in body
    assert "核查结果" not in body  # nothing concluded yet


def test_staff_see_the_draw_and_the_tasks(approved):
    w, case = approved
    draw = SamplingDraw.objects.get(case=case, stage="after_decision")
    body = page(w.officer, case)
    assert draw.seed in body and "信用风险等级" in body
    for task in VerificationTask.objects.filter(commitment__case=case):
        assert f"/verification/tasks/{task.pk}/" in body


def test_the_applicant_sees_each_result_once_concluded(approved):
    w, case = approved
    task = VerificationTask.objects.filter(commitment__case=case).exclude(status="done").first()
    assert task is not None
    with transaction.atomic():
        internal.task_conclude(task=task, outcome="consistent", note="数据比对一致")
    body = page(w.applicant, case)
    assert "核查结果" in body and "属实" in body


def test_an_unable_outcome_and_its_fallback_are_not_shown_to_the_applicant(approved):
    """No data source answered in this world: each online check ended "unable" and an on-site
    inspection replaced it. The applicant sees neither."""
    w, case = approved
    unable = VerificationTask.objects.filter(commitment__case=case, outcome="unable")
    assert unable.exists()
    rows = AuditEvent.objects.filter(
        object_type="cases.case", object_id=str(case.pk), event__startswith="verification."
    ).exclude(event__in=["verification.outcome_recorded"])
    assert rows.exists() and all(r.visibility == "staff" for r in rows)
    unable_outcomes = AuditEvent.objects.filter(
        event="verification.outcome_recorded", after__outcome="unable"
    )
    assert all(r.visibility == "staff" for r in unable_outcomes)
    body = page(w.applicant, case)
    assert "无法核查" not in body and "现场核查" not in body


def test_the_api_timeline_for_the_applicant_has_no_staff_rows(approved):
    w, case = approved
    applicant = Client().get(f"/api/v1/cases/{case.number}", headers=token(w.applicant)).json()
    kinds = {e["kind"] for e in applicant["timeline"]}
    assert "verification.sample_drawn" not in kinds
    assert applicant["risk_level"] is None
    text = str(applicant)
    assert not any(secret in text for secret in SECRETS)
    staff = Client().get(f"/api/v1/cases/{case.number}", headers=token(w.officer)).json()
    assert "verification.sample_drawn" in {e["kind"] for e in staff["timeline"]}


def test_the_clerk_is_not_linked_to_task_pages_that_refuse_it(approved):
    w, case = approved
    body = page(w.clerk, case)
    assert "/verification/tasks/" not in body
