"""Routine supervision end to end (R-4.3, R-4.4, R-5.3): item lists, the directory filled by
approvals of both routes, plans (joint ones too), commit-reveal draws a third party
recomputes, inspectors drawn with recusal, execution, publication and the push; and every way
around the rules a user or an insider would try."""

from __future__ import annotations

import datetime as dt
import zlib

import pytest
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.cases import services as case_services
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.supervision import draw as algorithm
from chengnuo.supervision import selectors, services
from chengnuo.supervision.constants import DrawStatus, Event, Outcome, TaskStatus
from chengnuo.supervision.models import Draw, InspectionTask, SeedShare, SubjectEntry

from .cases_helpers import ready_case
from .supervision_helpers import add_entries, build_sup, inspector_entry, plan, run_draw

pytestmark = pytest.mark.django_db


@pytest.fixture
def sup():
    s = build_sup()
    add_entries(s, 30, credit_class="A")
    add_entries(s, 10, credit_class="C", route="proof")
    return s


def test_approved_holders_enter_the_directory_by_either_route(sup):
    case = case_services.case_decide(
        actor=sup.w.officer, case=ready_case(sup.w), decision="approve"
    )
    entry = SubjectEntry.objects.get(subject=case.subject, matter=case.matter)
    assert entry.route == "commitment" and entry.case_id == case.pk
    assert entry.ref.startswith("DX") and case.subject.name not in entry.ref


def test_a_plan_may_not_select_by_route(sup):
    with pytest.raises(DomainError) as err:
        plan(sup, scope={"route": ["commitment"]})
    assert err.value.code == "discriminatory_selection"
    assert "歧视性监管" in err.value.message


def test_an_unpublished_item_cannot_be_planned(sup):
    sup.item.published = False
    sup.item.save(update_fields=["published"])
    with pytest.raises(DomainError) as err:
        plan(sup)
    assert err.value.field == "items"


def test_another_agencys_admin_cannot_plan_for_the_lead(sup):
    with pytest.raises((NotFound, PermissionDenied)):
        services.plan_create(
            actor=sup.member_admin,
            lead_agency=sup.lead,
            title="越权计划",
            period_kind="yearly",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            item_ids=[sup.item.pk],
        )


def test_a_placeholder_title_is_refused(sup):
    with pytest.raises(DomainError) as err:
        services.plan_create(
            actor=sup.w.admin,
            lead_agency=sup.lead,
            title="无",
            period_kind="yearly",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            item_ids=[sup.item.pk],
        )
    assert err.value.field == "title"


def test_no_draw_before_the_justice_bureau_commits_its_share(sup):
    p = plan(sup)
    d = services.draw_open(actor=sup.w.admin, plan=p)
    with pytest.raises(Conflict) as err:
        services.draw_run(actor=sup.w.admin, draw=d)
    assert err.value.code == "draw_not_ready"
    assert not InspectionTask.objects.exists()


def test_only_the_justice_bureau_contributes_the_second_share(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    with pytest.raises((NotFound, PermissionDenied)):
        services.seed_commit(actor=sup.w.admin, draw=d)
    services.seed_commit(actor=sup.justice, draw=d)
    with pytest.raises(Conflict):
        services.seed_commit(actor=sup.justice, draw=d)
    assert SeedShare.objects.filter(draw=d).count() == 2


def test_commitments_are_public_before_the_pool_freezes_and_shares_only_after(sup):
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    before = selectors.draw_public(Draw.objects.get(pk=d.pk))
    assert all(s["commitment"] and s["share"] is None for s in before["shares"])
    done = services.draw_run(actor=sup.w.admin, draw=d)
    shares = SeedShare.objects.filter(draw=done)
    assert all(s.committed_at < done.frozen_at for s in shares)
    after = selectors.draw_public(done)
    assert all(algorithm.share_commitment(s["share"]) == s["commitment"] for s in after["shares"])


def test_a_completed_draw_recomputes_from_what_is_published(sup):
    d = run_draw(sup, plan(sup))
    public = selectors.draw_public(d)
    assert public["algorithm"] == "sm3-rank-v1"
    assert algorithm.recompute(public) == []
    # stratified by credit class, the poorer class at its higher ratio
    strata = {s["key"]: s for s in public["strata"]}
    assert strata["A"]["quota"] == 3 and strata["C"]["quota"] == 4
    assert set(public["selected"]) == {r for s in public["strata"] for r in s["selected"]}
    assert "有限公司" not in str(public["pool"])  # opaque references only


def test_each_task_has_two_inspectors_and_the_officer_who_handled_the_case_recuses(sup):
    case = case_services.case_decide(
        actor=sup.w.officer, case=ready_case(sup.w), decision="approve"
    )
    entry = SubjectEntry.objects.get(subject=case.subject)
    SubjectEntry.objects.exclude(pk=entry.pk).update(active=False)  # only this subject is drawn
    d = run_draw(sup, plan(sup))
    task = InspectionTask.objects.get(draw=d)
    inspectors = set(task.inspectors.values_list("user_id", flat=True))
    assert len(inspectors) == 2
    assert sup.w.officer.pk not in inspectors
    spec = d.inspectors["tasks"][0]
    assert inspector_entry(sup.w.officer).ref in spec["excluded"]


def test_a_declared_relation_excludes_the_inspector(sup):
    only = sup.entries[0]
    SubjectEntry.objects.exclude(pk=only.pk).update(active=False)
    for u in sup.inspectors[:2]:
        services.recusal_declare(
            actor=u, inspector=inspector_entry(u), subject=only.subject, relation="household"
        )
    d = run_draw(sup, plan(sup))
    chosen = set(InspectionTask.objects.get(draw=d).inspectors.values_list("user_id", flat=True))
    assert not chosen & {u.pk for u in sup.inspectors[:2]}


def test_not_enough_eligible_inspectors_refuses_the_draw_and_writes_nothing(sup):
    only = sup.entries[0]
    SubjectEntry.objects.exclude(pk=only.pk).update(active=False)
    for u in [*sup.inspectors, sup.w.officer][:4]:
        services.recusal_declare(
            actor=sup.w.admin,
            inspector=inspector_entry(u),
            subject=only.subject,
            relation="declared",
        )
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    with pytest.raises(DomainError) as err:
        services.draw_run(actor=sup.w.admin, draw=d)
    assert err.value.code == "not_enough_inspectors"
    assert Draw.objects.get(pk=d.pk).status == DrawStatus.COMMITTING
    assert not InspectionTask.objects.exists()


def test_a_joint_inspection_sends_the_member_agencys_inspector_on_the_same_visit(sup):
    member_matter = sup.member_item.matters.get()
    both = sup.entries[0]
    SubjectEntry.objects.create(
        ref=services.new_ref("DX"),
        subject=both.subject,
        matter=member_matter,
        agency=sup.member,
        route="proof",
        region="yingzhou",
        credit_class="A",
        since=timezone.localdate(),
    )
    SubjectEntry.objects.exclude(subject=both.subject).update(active=False)
    d = run_draw(sup, plan(sup, joint=True))
    task = InspectionTask.objects.get(draw=d)  # one visit, not one per agency
    assert set(task.items.values_list("code", flat=True)) == {"A-CC-1", "B-CC-1"}
    agencies = list(task.inspectors.values_list("agency_id", flat=True))
    assert agencies.count(sup.lead.pk) == 2 and agencies.count(sup.member.pk) == 1
    assert algorithm.recompute(selectors.draw_public(d)) == []


def test_a_subject_is_not_drawn_again_for_the_same_item_within_the_period(sup):
    first = run_draw(sup, plan(sup))
    drawn = set(first.tasks.values_list("entry__ref", flat=True))
    second = run_draw(sup, plan(sup))
    again = set(second.tasks.values_list("entry__ref", flat=True))
    assert drawn and again and not drawn & again
    pool = {r for s in second.strata for r in selectors.draw_public(second)["pool"]}
    assert not drawn & pool


def test_a_redraw_needs_a_reason_keeps_the_old_draw_and_links_it(sup):
    old = run_draw(sup, plan(sup))
    for reason in ("", "无", "   "):
        with pytest.raises(DomainError):
            services.redraw(actor=sup.w.admin, draw=old, reason=reason)
    new = services.redraw(
        actor=sup.w.admin, draw=old, reason="名录库中十家企业已注销，需剔除后重新抽取"
    )
    old.refresh_from_db()
    assert old.status == DrawStatus.SUPERSEDED and old.seed and old.strata  # nothing overwritten
    assert new.replaces_id == old.pk and "注销" in new.redraw_reason
    assert not old.tasks.exclude(status=TaskStatus.CANCELLED).exists()
    services.seed_commit(actor=sup.justice, draw=new)
    new = services.draw_run(actor=sup.w.admin, draw=new)
    assert algorithm.recompute(selectors.draw_public(old)) == []
    assert algorithm.recompute(selectors.draw_public(new)) == []
    assert AuditEvent.objects.filter(event=Event.REDRAWN).count() == 1


def test_a_second_draw_of_a_plan_without_a_reason_is_refused(sup):
    p = plan(sup)
    run_draw(sup, p)
    with pytest.raises(Conflict):
        services.draw_open(actor=sup.w.admin, plan=p)


def test_only_a_drawn_inspector_records_the_result(sup):
    d = run_draw(sup, plan(sup))
    task = d.tasks.first()
    drawn = set(task.inspectors.values_list("user_id", flat=True))
    other = next(u for u in sup.inspectors if u.pk not in drawn)
    with pytest.raises(PermissionDenied):
        services.task_complete(
            actor=other, task=task, outcome="no_problem", findings="现场检查未发现问题"
        )
    with pytest.raises(NotFound):
        services.task_complete(
            actor=sup.member_inspectors[0],
            task=task,
            outcome="no_problem",
            findings="现场检查未发现问题",
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED


def test_a_result_is_due_for_publication_within_twenty_working_days(sup):
    from chengnuo.core.calendar import add_working_days

    d = run_draw(sup, plan(sup))
    task = d.tasks.first()
    inspector = task.inspectors.first().user
    done = services.task_complete(
        actor=inspector, task=task, outcome="rectify", findings="台账记录不全，责令十日内整改"
    )
    assert done.publish_by == add_working_days(timezone.localdate(), 20)
    with pytest.raises(Conflict):
        services.task_complete(
            actor=inspector, task=task, outcome="no_problem", findings="再次录入"
        )
    assert services.publish_due(today=done.publish_by - dt.timedelta(days=1)) == 0
    assert services.publish_due(today=done.publish_by) == 1
    done.refresh_from_db()
    assert done.status == TaskStatus.PUBLISHED


def test_an_untrue_commitment_found_in_supervision_goes_into_handling(sup):
    from chengnuo.verification.constants import Outcome as VOutcome
    from chengnuo.verification.models import VerificationTask

    case = case_services.case_decide(
        actor=sup.w.officer, case=ready_case(sup.w), decision="approve"
    )
    SubjectEntry.objects.exclude(subject=case.subject).update(active=False)
    d = run_draw(sup, plan(sup))
    task = d.tasks.get()
    inspector = task.inspectors.first().user
    commitment = case.commitments.filter(status="signed").first()
    with pytest.raises(DomainError) as err:
        services.task_complete(
            actor=inspector,
            task=task,
            outcome=Outcome.UNTRUE_COMMITMENT,
            findings="现场核实社保缴费仅三个月，与承诺不符",
        )
    assert err.value.field == "commitment"
    services.task_complete(
        actor=inspector,
        task=task,
        outcome=Outcome.UNTRUE_COMMITMENT,
        findings="现场核实社保缴费仅三个月，与承诺不符",
        commitment_id=commitment.pk,
    )
    vt = VerificationTask.objects.filter(commitment=commitment, outcome=VOutcome.INCONSISTENT).get()
    assert "双随机" in vt.outcome_note


def test_someone_elses_commitment_cannot_be_named_untrue(sup):
    case = case_services.case_decide(
        actor=sup.w.officer, case=ready_case(sup.w), decision="approve"
    )
    d = run_draw(sup, plan(sup))
    task = d.tasks.exclude(entry__subject=case.subject).first()
    inspector = task.inspectors.first().user
    with pytest.raises(DomainError):
        services.task_complete(
            actor=inspector,
            task=task,
            outcome=Outcome.UNTRUE_COMMITMENT,
            findings="核实承诺不实",
            commitment_id=case.commitments.first().pk,
        )


def test_a_draw_whose_inspections_have_begun_cannot_be_redrawn(sup):
    d = run_draw(sup, plan(sup))
    task = d.tasks.first()
    services.task_complete(actor=task.inspectors.first().user, task=task, outcome="no_problem",
                           findings="现场检查未发现问题")  # fmt: skip
    with pytest.raises(Conflict) as err:
        services.redraw(actor=sup.w.admin, draw=d, reason="抽中的企业不便检查，想换一批企业")
    assert err.value.code == "task_closed"
    d.refresh_from_db()
    assert d.status == DrawStatus.DONE


def test_an_empty_pool_is_refused_and_writes_nothing(sup):
    SubjectEntry.objects.update(active=False)
    d = services.draw_open(actor=sup.w.admin, plan=plan(sup))
    services.seed_commit(actor=sup.justice, draw=d)
    with pytest.raises(DomainError) as err:
        services.draw_run(actor=sup.w.admin, draw=d)
    assert err.value.code == "empty_pool"
    assert not SeedShare.objects.filter(draw=d).exclude(share="").exists()  # nothing revealed


def test_a_scope_may_narrow_by_industry_but_not_by_anything_else(sup):
    SubjectEntry.objects.filter(pk__in=[e.pk for e in sup.entries[:5]]).update(industry="餐饮服务")
    d = run_draw(sup, plan(sup, scope={"industries": ["餐饮服务"]}))
    assert d.pool_size == 5
    with pytest.raises(DomainError) as err:
        plan(sup, scope={"credit": ["A"]})
    assert err.value.code == "invalid_plan"


def test_an_inspector_no_longer_active_is_not_drawn(sup):
    from chengnuo.supervision.models import InspectorEntry

    gone = sup.inspectors[0]
    InspectorEntry.objects.filter(user=gone).update(active=False)
    d = run_draw(sup, plan(sup))
    assert not InspectionTask.objects.filter(draw=d, inspectors__user=gone).exists()
    assert inspector_entry(gone).ref not in d.inspectors["pools"][str(sup.lead.pk)]


def test_a_dishonesty_record_puts_the_subject_on_key_supervision_until_it_is_gone(sup):
    from chengnuo.credit.models import CreditRecord
    from chengnuo.supervision import key_supervision
    from chengnuo.supervision.models import KeySupervision

    from .cases_helpers import serious_record

    entry = sup.entries[0]
    record = serious_record(entry.subject)
    key_supervision.refresh()
    row = KeySupervision.objects.get(subject=entry.subject, reason="dishonesty")
    assert row.removed_at is None and str(record.pk) in row.detail
    entry.refresh_from_db()
    assert entry.credit_class != "A"  # the record lowers the class, which raises the ratio
    CreditRecord.objects.filter(pk=record.pk).update(status="repaired")
    key_supervision.refresh()
    row.refresh_from_db()
    assert row.removed_at is not None and row.removal_reason


def test_the_subject_is_told_only_where_an_item_allows_notice_and_once(sup):
    from chengnuo.cases.selectors import case_timeline

    case = case_services.case_decide(
        actor=sup.w.officer, case=ready_case(sup.w), decision="approve"
    )
    SubjectEntry.objects.exclude(subject=case.subject).update(active=False)
    d = run_draw(sup, plan(sup))
    task = d.tasks.get()
    inspector = task.inspectors.first().user
    with pytest.raises(DomainError) as err:
        services.task_notify(actor=inspector, task=task)  # unannounced by default
    assert "不事先告知" in err.value.message
    sup.item.announce = True
    sup.item.save(update_fields=["announce"])
    services.task_notify(actor=inspector, task=task)
    with pytest.raises(Conflict):
        services.task_notify(actor=inspector, task=task)
    seen = list(case_timeline(case, staff=False).values_list("event", flat=True))
    assert Event.TASK_NOTICE in seen  # on the subject's own case history


def test_a_pool_read_out_of_order_is_sorted_before_it_is_digested_stored_or_drawn():
    from chengnuo.supervision import draw as algorithm

    members = [f"DX{i:03d}" for i in range(40)]
    scrambled = services.Pool(
        texts={"A": "\n".join(reversed(members)).encode()},
        whole="\n".join(reversed(members)).encode(),
    )
    ranked = services.rank_subjects("3" * 64, scrambled, [{"A": 10}], 1.0)
    stratum = ranked.strata[0]
    assert stratum["pool_digest"] == algorithm.pool_digest(members)
    assert ranked.pool_digest == algorithm.pool_digest(members)
    assert zlib.decompress(ranked.packed["A"]).decode().split("\n") == members
    assert stratum["selected"] == algorithm.select("3" * 64, members, stratum["quota"])
