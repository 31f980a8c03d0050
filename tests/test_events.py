"""Reactions are registered, not called (ADR 0009): the registry in `core.events`, its
in-transaction handlers (atomic with the service) and its on-commit handlers (the outbox:
retried until they succeed, never lost)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.cases.constants import CaseStatus, CommitmentStatus
from chengnuo.cases.models import Case, Commitment
from chengnuo.cases.selectors import case_timeline
from chengnuo.core import events, reactions
from chengnuo.core.errors import DomainError
from chengnuo.core.models import Reaction
from chengnuo.verification import inspection
from chengnuo.verification.constants import (
    AssistanceStatus,
    InspectionStatus,
    TaskStatus,
    Timing,
)
from chengnuo.verification.models import (
    AssistanceRequest,
    Inspection,
    SamplingDraw,
    VerificationPlan,
    VerificationTask,
)

from .cases_helpers import build_world, line, pdf_upload, ready_case, sign


@pytest.fixture
def w(db):
    return build_world()


@pytest.fixture
def registered():
    """Handlers a test registers are removed afterwards."""
    keys: list[str] = []

    def on(name, func, **kwargs):
        handler = events.on(name, func, **kwargs)
        keys.append(handler.key)
        return handler

    yield on
    for key in keys:
        events.off(key)


def before_decision_inspection(w, settings) -> None:
    """Every commitment of the case is verified on site before the decision."""
    settings.VERIFICATION_INTENSITY = {
        level: {"share": 100, "timing": "before_decision"} for level in "ABCD"
    }
    for item in (w.social, w.marriage):
        VerificationPlan.objects.create(
            item=item, methods=["on_site"], timing=Timing.BEFORE_DECISION, days=10
        )


def inspectors(w):
    from chengnuo.agencies.constants import Role

    from .factories import user_with_role

    return [user_with_role(Role.INSPECTOR, w.agency, username=f"insp{i}") for i in (1, 2)]


# --- the registry ---------------------------------------------------------------------------


# the oversight statistics count these facts in the flows' transactions (R-8.1)
OVERSIGHT_COUNTERS = {
    ("case.submitted", "oversight.count_submitted", events.IN_TRANSACTION),
    ("case.approved", "oversight.count_approved", events.IN_TRANSACTION),
    ("case.closed", "oversight.count_closed", events.IN_TRANSACTION),
    ("case.revoked", "oversight.count_revoked", events.IN_TRANSACTION),
    ("commitment.withdrawn", "oversight.count_withdrawn", events.IN_TRANSACTION),
    ("verification.concluded", "oversight.count_concluded", events.IN_TRANSACTION),
}


def test_every_reaction_of_the_platform_is_named_and_registered_once():
    keys = {(h.name, h.key, h.phase) for h in events.all_handlers()}
    assert keys == {
        ("case.submitted", "verification.draw_before", events.IN_TRANSACTION),
        ("case.approving", "verification.guard", events.IN_TRANSACTION),
        ("case.approved", "verification.draw_after", events.IN_TRANSACTION),
        ("case.approved", "supervision.directory", events.IN_TRANSACTION),
        (
            "complaint.false_commitment_reported",
            "supervision.key_from_report",
            events.IN_TRANSACTION,
        ),
        ("verification.concluded", "supervision.key_report_unfounded", events.IN_TRANSACTION),
        ("case.closed", "verification.withdraw_case_tasks", events.IN_TRANSACTION),
        (
            "commitment.withdrawn",
            "verification.withdraw_commitment_tasks",
            events.IN_TRANSACTION,
        ),
        ("commitment.signed", "cases.archive_signed_pdf", events.ON_COMMIT),
        ("commitment.verified_true", "credit.record_commitment_kept", events.ON_COMMIT),
        ("credit.severe_recorded", "credit.notices_fan_out", events.ON_COMMIT),
        (
            "complaint.false_commitment_reported",
            "verification.from_complaint",
            events.IN_TRANSACTION,
        ),
        ("verification.task_opened", "complaints.verification_opened", events.IN_TRANSACTION),
        ("verification.concluded", "complaints.verification_outcome", events.IN_TRANSACTION),
        (
            "verification.task_cancelled",
            "complaints.verification_cancelled",
            events.IN_TRANSACTION,
        ),
        *OVERSIGHT_COUNTERS,
    }


def test_emitting_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        events.emit("case.submitted", case=None)


def test_handlers_run_in_their_order_then_by_key(db, registered):
    calls: list[str] = []
    registered("test.thing", lambda **kw: calls.append("late"), key="test.b", order=200)
    registered("test.thing", lambda **kw: calls.append("early"), key="test.z", order=10)
    registered("test.thing", lambda **kw: calls.append("same-a"), key="test.a", order=200)
    with transaction.atomic():
        events.emit("test.thing")
    assert calls == ["early", "same-a", "late"]


def test_a_handler_failing_inside_the_transaction_rolls_the_whole_service_back(
    w, settings, registered
):
    """Verification draws on submission (a handler); a later handler refuses: nothing of the
    submission remains — not the status, not its event, not the draw or the tasks."""
    before_decision_inspection(w, settings)
    inspectors(w)

    def refuse(**kwargs):
        raise DomainError("test_refusal", "测试：拒绝提交")

    registered("case.submitted", refuse, key="test.refuse", order=1000)
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    sign(w.applicant, case, w.social)
    sign(w.applicant, case, w.marriage)
    case_services.proof_upload(
        actor=w.applicant, case_item=line(case, w.diploma), upload=pdf_upload()
    )
    with pytest.raises(DomainError, match="测试：拒绝提交"):
        case_services.case_submit(actor=w.applicant, case=Case.objects.get(pk=case.pk))
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.due_date is None
    assert not case_timeline(case, staff=True).filter(event="cases.submitted").exists()
    assert not SamplingDraw.objects.filter(case=case).exists()
    assert not VerificationTask.objects.filter(commitment__case=case).exists()
    assert not Inspection.objects.exists()


# --- on-commit reactions: the outbox --------------------------------------------------------


def test_an_on_commit_handler_that_fails_is_retried_until_it_succeeds(
    w, registered, django_capture_on_commit_callbacks
):
    seen: list[dict] = []

    def flaky(**payload):
        seen.append(payload)
        if len(seen) < 3:
            raise ConnectionError("下游暂不可用")

    registered("test.done", flaky, key="test.flaky", phase=events.ON_COMMIT)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.emit("test.done", agency=w.agency, note="x")
    row = Reaction.objects.get(handler="test.flaky")
    # run once after commit (the task queue), failed, waiting for its retry
    assert row.payload == {"agency": w.agency.pk, "note": "x"}  # objects travel by id
    assert (row.attempts, row.done_at) == (1, None)
    assert "ConnectionError: 下游暂不可用" in row.last_error
    now = timezone.now()
    assert row.next_attempt_at > now
    assert reactions.run_due(now=now) == 0  # not due yet
    assert reactions.run_due(now=now + dt.timedelta(seconds=6)) == 0  # 2nd attempt fails
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at > now + dt.timedelta(seconds=9)
    assert reactions.run_due(now=now + dt.timedelta(hours=1)) == 1
    row.refresh_from_db()
    assert row.done_at is not None and row.last_error == "" and row.attempts == 3
    assert len(seen) == 3
    assert reactions.run_due(now=now + dt.timedelta(days=1)) == 0  # done is done


def test_a_rolled_back_service_leaves_no_reaction(w, registered):
    registered("test.done", lambda **kw: None, key="test.noop", phase=events.ON_COMMIT)
    with pytest.raises(ValueError), transaction.atomic():
        events.emit("test.done", n=1)
        raise ValueError
    assert not Reaction.objects.filter(handler="test.noop").exists()


def test_a_runner_killed_while_handling_loses_nothing(w, registered):
    """The runner claims a row with a lease and dies before marking it done: when the lease
    ends the row is run again (handlers are idempotent)."""
    runs: list[int] = []
    registered("test.done", lambda **kw: runs.append(1), key="test.count", phase=events.ON_COMMIT)
    with transaction.atomic():
        events.emit("test.done")
    row = Reaction.objects.get(handler="test.count")
    now = timezone.now()
    assert reactions._claim(row.pk, now) is not None  # … and the runner is killed here
    assert reactions.run_due(now=now) == 0  # the lease holds
    later = now + dt.timedelta(seconds=reactions.LEASE_SECONDS + 1)
    assert reactions.run_due(now=later) == 1
    row.refresh_from_db()
    assert row.done_at is not None and runs == [1]


def test_a_reaction_whose_handler_is_gone_stays_for_an_operator(w):
    with transaction.atomic():
        row = Reaction.objects.create(event="test.old", handler="test.removed", payload={})
    assert reactions.run_due() == 0
    row.refresh_from_db()
    assert row.done_at is None and "LookupError" in row.last_error


def test_the_signed_pdf_is_archived_by_the_reaction_even_if_the_queue_was_down(
    w, settings, django_capture_on_commit_callbacks, tmp_path
):
    """The queue refuses the job after commit: the outbox row remains, run_reactions archives."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.TASKS = {"default": {"BACKEND": "tests.test_events.RefusingBackend"}}
    case = case_services.case_create(actor=w.applicant, matter=w.matter, subject=w.person)
    with django_capture_on_commit_callbacks(execute=True):
        c = sign(w.applicant, case, w.social)
    assert not Commitment.objects.get(pk=c.pk).pdf
    assert reactions.pending_count() == 1
    assert reactions.run_due() == 1
    assert Commitment.objects.get(pk=c.pk).pdf
    assert AuditEvent.objects.filter(event="cases.commitment_archived").count() == 1
    assert reactions.run_due() == 0


class RefusingBackend:
    """A task backend that is down."""

    def __init__(self, alias, params):
        self.alias = alias

    def __getattr__(self, name):
        raise ConnectionError("task queue unavailable")


# --- what verification does when cases change -----------------------------------------------


def test_withdrawing_a_commitment_cancels_its_open_verification(w, settings):
    """R-6.2: a withdrawn commitment no longer stands; its on-site inspection is called off."""
    before_decision_inspection(w, settings)
    inspectors(w)
    case = ready_case(w)
    social = Commitment.objects.get(case=case, item=w.social)
    task = VerificationTask.objects.get(commitment=social)
    assert task.status == TaskStatus.IN_PROGRESS
    case_services.commitment_withdraw(
        actor=w.applicant, commitment=social, reason="缴费记录有中断，改为提交社保缴费证明"
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert "承诺已退出" in task.outcome_note
    assert Inspection.objects.get(task=task).status == InspectionStatus.CANCELLED
    other = VerificationTask.objects.get(commitment__case=case, commitment__item=w.marriage)
    assert other.status == TaskStatus.IN_PROGRESS  # the other commitment still stands
    kinds = list(case_timeline(case, staff=True).values_list("event", flat=True))
    assert kinds[-2:] == ["cases.commitment_withdrawn", "verification.task_cancelled"]
    assert Commitment.objects.get(pk=social.pk).status == CommitmentStatus.WITHDRAWN


def test_terminating_a_case_calls_off_the_verification_still_open(w, settings):
    before_decision_inspection(w, settings)
    inspectors(w)
    case = ready_case(w)
    case_services.case_decide(
        actor=w.officer, case=case, decision="terminate", reason="申请人书面申请撤回办理申请"
    )
    statuses = set(
        VerificationTask.objects.filter(commitment__case=case).values_list("status", flat=True)
    )
    assert statuses == {TaskStatus.CANCELLED}
    assert not Inspection.objects.filter(status=InspectionStatus.ASSIGNED).exists()
    assert not AssistanceRequest.objects.filter(status=AssistanceStatus.OPEN).exists()


def test_a_case_history_shows_what_every_app_did_in_order(w, settings):
    """The history is one selector over the spine: cases' and verification's events, in the
    order they happened; the applicant sees the kinds meant for the applicant."""
    before_decision_inspection(w, settings)
    pair = inspectors(w)
    case = ready_case(w)
    for task in VerificationTask.objects.filter(commitment__case=case).order_by("id"):
        inspection.inspection_complete(
            actor=pair[0],
            inspection=Inspection.objects.get(task=task),
            result="consistent",
            findings="现场查验原件，与承诺一致",
        )
    case_services.case_decide(
        actor=w.officer, case=Case.objects.get(pk=case.pk), decision="approve"
    )
    staff = list(case_timeline(case, staff=True))
    kinds = [e.event for e in staff]
    order = [
        "cases.created",
        "cases.commitment_signed",
        "cases.proof_uploaded",
        "cases.submitted",
        "verification.sample_drawn",
        "verification.inspection_assigned",
        "verification.inspection_done",
        "verification.outcome_recorded",
        "cases.decided",
    ]
    positions = [kinds.index(k) for k in order]
    assert positions == sorted(positions), kinds
    assert [e.occurred_at for e in staff] == sorted(e.occurred_at for e in staff)
    assert {e.object_id for e in staff} == {str(case.pk)}
    applicant = [e.event for e in case_timeline(case, staff=False)]
    assert "verification.outcome_recorded" in applicant and "cases.decided" in applicant
    assert not {"verification.sample_drawn", "verification.inspection_assigned"} & set(applicant)


def test_a_reaction_failing_its_last_attempt_is_left_for_an_operator_who_retries_it(
    w, registered, monkeypatch
):
    """Retried with backoff until it succeeds or, after MAX_ATTEMPTS, marked failed: no longer
    retried, shown to an operator, and run again when the operator asks (after the mend)."""
    monkeypatch.setattr(reactions, "MAX_ATTEMPTS", 3)
    state = {"broken": True, "runs": 0}

    def handler(**payload):
        state["runs"] += 1
        if state["broken"]:
            raise ConnectionError("归档存储不可用")

    registered("test.done", handler, key="test.store", phase=events.ON_COMMIT)
    with transaction.atomic():
        events.emit("test.done")
    row = Reaction.objects.get(handler="test.store")
    now = timezone.now()
    for n in range(1, 4):
        assert reactions.run_due(now=now + dt.timedelta(days=n)) == 0
    row.refresh_from_db()
    assert row.attempts == 3 and row.failed_at is not None and row.next_attempt_at is None
    assert "归档存储不可用" in row.last_error
    assert reactions.failed_count() == 1
    assert reactions.run_due(now=now + dt.timedelta(days=30)) == 0  # not retried any more
    assert state["runs"] == 3
    state["broken"] = False  # the operator mends the cause and asks again
    out = io.StringIO()
    call_command("run_reactions", "--retry-failed", stdout=out)
    assert "1 reaction(s) queued again" in out.getvalue()
    row.refresh_from_db()
    assert row.done_at is not None and row.failed_at is None and state["runs"] == 4
    assert reactions.requeue([row.pk]) == 0  # a done reaction is never run again
