"""Each app's surface is explicit (ADR 0009): entry-point services check the actor's permission
themselves, whoever calls them; internal steps refuse to run outside a service's transaction;
acts only a person can do refuse the system actor."""

from __future__ import annotations

import datetime as dt

import pytest

from chengnuo.agencies.constants import Role
from chengnuo.cases import services as case_services
from chengnuo.cases.constants import CaseStatus
from chengnuo.cases.models import Case
from chengnuo.core.actors import SYSTEM, SystemActor
from chengnuo.core.errors import NotFound, PermissionDenied
from chengnuo.credit.constants import RecordKind
from chengnuo.credit.models import CreditRecord
from chengnuo.credit.services import credit_record_create
from chengnuo.verification import internal
from chengnuo.verification.constants import Outcome, Timing
from chengnuo.verification.models import VerificationPlan, VerificationTask

from .cases_helpers import World, build_world, ready_case
from .factories import AgencyFactory, user_with_role

REASON = "经核查，申请人承诺的婚姻状况与民政部门登记信息不符，依法撤销准予决定"


@pytest.fixture
def w(db) -> World:
    return build_world()


@pytest.fixture
def approved(w) -> Case:
    case = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    assert case.status == CaseStatus.APPROVED
    return case


@pytest.fixture
def other_agency(db) -> World:
    return build_world(prefix="B")


# --- case_revoke ------------------------------------------------------------------------------


def test_only_a_case_officer_of_the_cases_agency_revokes_an_approval(w, approved):
    case = case_services.case_revoke(actor=w.officer2, case=approved, reason=REASON)
    assert case.status == CaseStatus.REVOKED


def test_the_applicant_cannot_revoke_their_own_approval(w, approved):
    with pytest.raises((PermissionDenied, NotFound)):
        case_services.case_revoke(actor=w.applicant, case=approved, reason=REASON)
    assert Case.objects.get(pk=approved.pk).status == CaseStatus.APPROVED


def test_a_window_clerk_of_the_same_agency_cannot_revoke(w, approved):
    with pytest.raises(PermissionDenied):
        case_services.case_revoke(actor=w.clerk, case=approved, reason=REASON)
    assert Case.objects.get(pk=approved.pk).status == CaseStatus.APPROVED


def test_an_officer_of_another_agency_does_not_even_learn_the_case_exists(
    w, approved, other_agency
):
    with pytest.raises(NotFound):
        case_services.case_revoke(actor=other_agency.officer, case=approved, reason=REASON)
    assert Case.objects.get(pk=approved.pk).status == CaseStatus.APPROVED


@pytest.mark.parametrize("actor", [None, SYSTEM, SystemActor("定时任务")])
def test_the_system_cannot_revoke_an_approval(w, approved, actor):
    with pytest.raises((PermissionDenied, NotFound)):
        case_services.case_revoke(actor=actor, case=approved, reason=REASON)


# --- credit_record_create ---------------------------------------------------------------------


def _record(actor, w: World, agency=None, kind=RecordKind.FALSE_COMMITMENT):
    return credit_record_create(
        actor=actor,
        subject=w.person,
        kind=kind,
        summary="承诺的婚姻状况经核查不实",
        decided_on=dt.date(2026, 11, 2),
        impact={"harm": "minor"},
        deciding_agency=agency or w.agency,
    )


def test_the_applicant_cannot_write_their_own_credit_record(w):
    with pytest.raises(PermissionDenied):
        _record(w.applicant, w)
    assert not CreditRecord.objects.exists()


def test_a_case_officer_writes_only_for_their_own_agency(w, other_agency):
    with pytest.raises(PermissionDenied):
        _record(other_agency.officer, w, agency=w.agency)
    assert _record(w.officer, w).pk
    assert CreditRecord.objects.count() == 1


def test_a_window_clerk_cannot_write_a_false_commitment_record(w):
    with pytest.raises(PermissionDenied):
        _record(w.clerk, w)


def test_the_credit_authority_and_the_system_write_records(w):
    officer = user_with_role(Role.CREDIT_OFFICER, AgencyFactory(kind="credit_authority"))
    assert _record(officer, w).pk
    assert _record(SystemActor("核查结论"), w).pk
    assert CreditRecord.objects.count() == 2


# --- internal steps --------------------------------------------------------------------------


@pytest.fixture
def open_task(w, settings) -> VerificationTask:
    settings.VERIFICATION_INTENSITY = {
        level: {"share": 100, "timing": "after_decision"} for level in "ABC"
    }
    for item in (w.social, w.marriage):
        VerificationPlan.objects.create(
            item=item, methods=["on_site"], timing=Timing.AFTER_DECISION, days=10
        )
    case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    return VerificationTask.objects.filter(commitment__item=w.social).get()


@pytest.mark.django_db(transaction=True)
def test_internal_steps_refuse_to_run_outside_a_transaction(open_task, w):
    case = Case.objects.get()
    steps = [
        lambda: internal.verification_work_create(case=case, stage=Timing.AFTER_DECISION),
        lambda: internal.task_conclude(task=open_task, outcome=Outcome.CONSISTENT, note=""),
        lambda: internal.fallback_for(open_task, "数据源不可用"),
        lambda: internal.assistance_create(open_task, w.agency.pk, 5, w.officer),
        lambda: internal.inspection_create(open_task, w.officer),
    ]
    for step in steps:
        with pytest.raises(RuntimeError, match="internal step"):
            step()
    task = VerificationTask.objects.get(pk=open_task.pk)
    assert task.outcome == "" or task.outcome is None
