"""Fault tolerance (容错机制, R-8.4): for an adverse outcome — a false commitment that caused
loss, a wrong refusal, an overdue case — the platform assembles an evidence pack from the
events (who decided what and when, on which rule, which catalog and template versions were in
force, what verification was done), frozen with its digest; a review records 合理容错 / 失职 /
需追责 with its reasons and basis, and the decision and basis are kept.

And the ways around it: an empty or placeholder loss, reasons or basis (无, 略, 同上), a
conclusion that is not one of the three, a second decision instead of a correction, a second
review of the same outcome, a case that is not an adverse outcome, a county reviewer reaching
another county's case, an agency admin of B reading A's reviews, a person concerned who is
not in the evidence."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from chengnuo.audit.models import AuditEvent
from chengnuo.audit.services import events_about
from chengnuo.cases import services as case_services
from chengnuo.cases.models import Case
from chengnuo.catalog.models import CatalogVersion
from chengnuo.core import spine
from chengnuo.core.actors import SYSTEM
from chengnuo.core.digest import digest_json
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.events import kind_label
from chengnuo.documents import services as doc_services
from chengnuo.documents.models import NotificationTemplate
from chengnuo.oversight import selectors_faulttolerance as selectors
from chengnuo.oversight import services_faulttolerance as services
from chengnuo.oversight.constants_faulttolerance import Event, FaultKind, ReviewStatus
from chengnuo.oversight.models import EvidencePack, FaultDecision, FaultReview
from chengnuo.verification.constants import Outcome
from chengnuo.verification.models import VerificationTask

from .cases_helpers import ready_case
from .oversight_helpers import OW, build, flows

pytestmark = pytest.mark.django_db

LOSS = "申请人以虚假婚姻状况承诺领取救助金3600元，已造成财政资金损失"
GROUNDS = "申请人提交的材料符合法定条件，窗口以缺少已实行告知承诺的证明为由不予办理"
REASONS = "承办人员按照工作规程完成了核查，承诺内容当时无法通过共享数据核实，不存在故意或重大过失"
BASIS = "《阜阳市全面推行证明事项告知承诺制实施方案》关于容错机制的规定"


@pytest.fixture
def ow(settings) -> OW:
    return flows(build(settings))


def _untrue(ow: OW) -> VerificationTask:
    return VerificationTask.objects.get(
        commitment__case=ow.cases["approved"], outcome=Outcome.INCONSISTENT
    )


def _open(ow: OW, **kw) -> FaultReview:
    kw.setdefault("actor", ow.county_reviewer)
    kw.setdefault("case", ow.cases["approved"])
    kw.setdefault("kind", FaultKind.FALSE_COMMITMENT)
    kw.setdefault("loss", LOSS)
    return services.fault_review_open(**kw)


def _decide(ow: OW, review: FaultReview, **kw) -> FaultDecision:
    kw.setdefault("actor", ow.county_reviewer)
    kw.setdefault("conclusion", "reasonable_error")
    kw.setdefault("reasons", REASONS)
    kw.setdefault("basis", BASIS)
    return services.fault_decide(review=review, **kw)


def _code(exc: DomainError) -> set[str]:
    return {d.get("code") for d in exc.details} | {exc.code}


# --- the evidence pack ----------------------------------------------------------------------


def test_the_pack_lists_the_cases_events_in_order_with_who_role_and_agency(ow):
    case = ow.cases["approved"]
    review = _open(ow)
    events = review.pack.content["events"]
    stored = list(events_about(case))
    assert [e["what"] for e in events] == [kind_label(e.event) for e in stored]
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    decided = next(e for e in events if e["what"] == "作出决定")
    assert decided["who"] == str(ow.w.officer)
    assert decided["role"] == "承办人员" and decided["agency"] == "颍州区民政局"
    signed = next(e for e in events if e["what"] == "签署承诺书")
    assert signed["role"] == "申请人"
    c = review.pack.content["case"]
    assert c["number"] == case.number and c["decided_by"]["name"] == str(ow.w.officer)
    assert c["legal_basis"] == case.matter.legal_basis
    # the staff of the events are the persons a decision may name; the applicant is not
    ids = {p["id"] for p in review.pack.content["persons"]}
    assert ow.w.officer.pk in ids and ow.w.applicant.pk not in ids


def test_the_pack_names_the_catalog_and_template_versions_in_force_at_decision_time(ow):
    case = ow.cases["approved"]
    decided = case.decided_at
    CatalogVersion.objects.create(
        agency=ow.w.agency, number=1, effective_date=decided.date() - dt.timedelta(days=30),
        published_at=decided - dt.timedelta(days=31), items={}, digest="0" * 64,
    )  # fmt: skip
    # after the decision: a newer catalog version and a newer notification version
    CatalogVersion.objects.create(
        agency=ow.w.agency, number=2, effective_date=timezone.localdate(),
        published_at=timezone.now(), items={}, digest="1" * 64,
    )  # fmt: skip
    used = case.commitments.get(item=ow.w.social).notification_version
    newer = doc_services.template_publish(
        actor=ow.w.admin, template=NotificationTemplate.objects.get(item=ow.w.social)
    )
    assert newer.number == used.number + 1
    pack = _open(ow).pack.content
    assert pack["catalog"]["in_force"]["number"] == 1
    social = next(x for x in pack["commitments"] if x["item"] == ow.w.social.name)
    assert social["notification"]["number"] == used.number
    assert social["commitment"]["number"] >= 1
    assert all(x["version"] is None or x["version"]["number"] for x in pack["catalog"]["lines"])


def test_the_pack_includes_the_verification_done_and_its_outcome(ow):
    pack = _open(ow).pack.content
    outcomes = sorted(t["outcome"] for t in pack["verification"])
    assert outcomes == ["承诺不实", "承诺属实"]
    assert all(t["method"] == "现场核查" and t["note"] == "现场核查情况记录在案"
               for t in pack["verification"])  # fmt: skip
    assert pack["plans"] and pack["plans"][0]["methods"] == ["现场核查"]
    assert any("承诺不实" in line for line in pack["outcome"])


def test_the_pack_is_frozen_with_its_digest_and_a_reassembly_keeps_the_old(ow):
    review = _open(ow)
    first = EvidencePack.objects.get(review=review, version=1)
    assert first.digest == digest_json(first.content)
    same = services.fault_pack_reassemble(actor=ow.county_reviewer, review=review)
    assert same.version == 2 and same.digest == first.digest  # nothing changed: same digest
    Case.objects.filter(pk=review.case_id).update(decision_reason="事后补写的决定理由")
    changed = services.fault_pack_reassemble(actor=ow.county_reviewer, review=review)
    assert changed.version == 3 and changed.digest != first.digest
    first.refresh_from_db()
    assert first.digest == digest_json(first.content)
    assert first.content["case"]["decision_reason"] == ""
    assert changed.content["case"]["decision_reason"] == "事后补写的决定理由"
    assert FaultReview.objects.get(pk=review.pk).pack_id == changed.pk
    with pytest.raises(RuntimeError):
        first.save()


# --- opening a review -----------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["", "无", "略", "同上", "损失"])
def test_a_false_commitment_review_needs_the_loss_it_caused(ow, loss):
    with pytest.raises(DomainError) as exc:
        _open(ow, loss=loss)
    assert _code(exc.value) & {"required", "placeholder", "too_short"}
    assert not FaultReview.objects.exists()


@pytest.mark.parametrize("grounds", ["", "无", "同上"])
def test_a_wrong_refusal_review_states_why_the_refusal_is_wrong(ow, grounds):
    with pytest.raises(DomainError):
        _open(ow, case=ow.cases["rejected"], kind=FaultKind.WRONG_REFUSAL, loss="", grounds=grounds)
    review = _open(ow, case=ow.cases["rejected"], kind=FaultKind.WRONG_REFUSAL, loss="",
                   grounds=GROUNDS)  # fmt: skip
    assert review.grounds == GROUNDS
    assert any("不予办理决定" in line for line in review.pack.content["outcome"])


@pytest.mark.parametrize(
    "case_key, kind",
    [
        ("withdrawn", FaultKind.FALSE_COMMITMENT),  # no verification found it untrue
        ("approved", FaultKind.WRONG_REFUSAL),  # not refused
        ("proof", FaultKind.OVERDUE),  # within its time limit
    ],
)
def test_a_review_is_opened_only_on_an_adverse_outcome(ow, case_key, kind):
    with pytest.raises(DomainError) as exc:
        _open(ow, case=ow.cases[case_key], kind=kind, grounds=GROUNDS)
    assert "not_adverse" in _code(exc.value)
    assert not FaultReview.objects.exists()


def test_an_unknown_kind_is_refused(ow):
    with pytest.raises(DomainError) as exc:
        _open(ow, kind="bad_luck")
    assert "invalid_kind" in _code(exc.value)


def test_a_second_review_of_the_same_outcome_is_refused(ow):
    _open(ow)
    with pytest.raises(Conflict):
        _open(ow)
    assert FaultReview.objects.count() == 1


def test_an_overdue_case_is_a_candidate_and_its_review_says_by_how_much(ow):
    case = ow.cases["withdrawn"]  # submitted, not decided
    Case.objects.filter(pk=case.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    rows = selectors.candidates(ow.county_reviewer, FaultKind.OVERDUE)
    assert case.pk in {r["case"].pk for r in rows}
    review = _open(ow, case=Case.objects.get(pk=case.pk), kind=FaultKind.OVERDUE, loss="")
    assert any("超期3日" in line for line in review.pack.content["outcome"])


def test_an_overdue_verification_is_a_candidate(ow):
    task = VerificationTask.objects.filter(commitment__case=ow.cases["b_approved"]).first()
    VerificationTask.objects.filter(pk=task.pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    city = selectors.candidates(ow.city_reviewer, FaultKind.OVERDUE)
    assert ow.cases["b_approved"].pk in {r["case"].pk for r in city}
    assert ow.cases["b_approved"].pk not in {
        r["case"].pk for r in selectors.candidates(ow.county_reviewer, FaultKind.OVERDUE)
    }


# --- access ---------------------------------------------------------------------------------


def test_a_county_reviewer_cannot_open_a_review_of_another_countys_case(ow, client):
    with pytest.raises(NotFound):
        _open(ow, actor=ow.b_reviewer)
    with pytest.raises(NotFound):
        selectors.case_to_review(ow.b_reviewer, ow.cases["approved"].number)
    client.force_login(ow.b_reviewer)
    response = client.post(
        reverse("oversight:ft_open"),
        {"case": ow.cases["approved"].number, "kind": FaultKind.FALSE_COMMITMENT, "loss": LOSS},
    )
    assert response.status_code == 404
    assert not FaultReview.objects.exists()


def test_an_agency_admin_reads_its_own_agencys_reviews_only_and_cannot_decide(ow, client):
    review = _open(ow)
    _decide(ow, review, person_ids=[ow.w.officer.pk])
    url = reverse("oversight:ft_review", args=[review.pk])
    client.force_login(ow.b.admin)
    assert client.get(url).status_code == 404
    assert review.number not in client.get(reverse("oversight:ft_index")).content.decode()
    with pytest.raises(NotFound):
        selectors.review_for(ow.b.admin, review.pk)
    client.force_login(ow.w.admin)
    page = client.get(url).content.decode()
    assert "合理容错" in page and REASONS in page and str(ow.w.officer) in page
    assert 'name="reasons"' not in page  # read-only
    response = client.post(
        reverse("oversight:ft_decide", args=[review.pk]),
        {"conclusion": "dereliction", "reasons": REASONS, "basis": BASIS, "correction": "1"},
    )
    assert response.status_code == 403
    with pytest.raises(NotFound):
        _decide(ow, review, actor=ow.w.admin, correction=True)
    assert FaultDecision.objects.count() == 1


def test_the_candidate_lists_are_scoped_to_the_overseen_agencies(ow):
    for kind in (FaultKind.FALSE_COMMITMENT, FaultKind.WRONG_REFUSAL):
        mine = {r["case"].pk for r in selectors.candidates(ow.county_reviewer, kind)}
        other = {r["case"].pk for r in selectors.candidates(ow.b_reviewer, kind)}
        assert mine and not (mine & other)
        assert all(Case.objects.get(pk=pk).agency_id == ow.w.agency.pk for pk in mine)
    assert selectors.candidates(ow.w.admin, FaultKind.FALSE_COMMITMENT) == []


def test_a_refusal_followed_by_approval_on_resubmission_is_flagged(ow):
    w = ow.w
    again = case_services.case_decide(actor=w.officer, case=ready_case(w), decision="approve")
    rows = selectors.candidates(ow.county_reviewer, FaultKind.WRONG_REFUSAL)
    row = next(r for r in rows if r["case"].pk == ow.cases["rejected"].pk)
    assert row["flagged"] and again.number in row["why"]


# --- the decision ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field, value",
    [
        ("reasons", ""),
        ("reasons", "无"),
        ("reasons", "略"),
        ("reasons", "同上"),
        ("reasons", "属于合理容错"),  # shorter than 20 characters
        ("basis", ""),
        ("basis", "无"),
        ("basis", "同上"),
    ],
)
def test_a_decision_needs_its_reasons_and_basis(ow, field, value):
    review = _open(ow)
    with pytest.raises(DomainError) as exc:
        _decide(ow, review, **{field: value})
    assert any(d["field"] == field for d in exc.value.details)
    assert not FaultDecision.objects.exists()
    assert FaultReview.objects.get(pk=review.pk).status == ReviewStatus.OPEN


@pytest.mark.parametrize("conclusion", ["", "pardon", "合理容错", None])
def test_the_conclusion_is_one_of_the_three(ow, conclusion):
    review = _open(ow)
    with pytest.raises(DomainError) as exc:
        _decide(ow, review, conclusion=conclusion)
    assert "invalid_conclusion" in _code(exc.value)
    assert not FaultDecision.objects.exists()


def test_a_second_decision_is_refused_and_a_correction_is_kept_with_the_first(ow):
    review = _open(ow)
    with pytest.raises(DomainError) as exc:
        _decide(ow, review, correction=True)  # nothing to correct yet
    assert "not_decided" in _code(exc.value)
    first = _decide(ow, review)
    assert FaultReview.objects.get(pk=review.pk).status == ReviewStatus.DECIDED
    with pytest.raises(Conflict):
        _decide(ow, review, conclusion="accountability")
    why = "复核查明承办人员未按核查计划开展现场核查，未尽核查职责，属于失职"
    corrected = _decide(ow, review, conclusion="dereliction", correction=True, reasons=why)
    assert corrected.corrects_id == first.pk
    kept = FaultDecision.objects.get(pk=first.pk)
    assert kept.conclusion == "reasonable_error" and kept.reasons == REASONS
    assert FaultDecision.objects.filter(review=review).count() == 2
    kinds = list(
        AuditEvent.objects.filter(object_id=str(review.pk), object_type="oversight.faultreview")
        .order_by("id")
        .values_list("event", flat=True)
    )
    assert kinds == [Event.REVIEW_OPENED, Event.DECIDED, Event.CORRECTED]
    with pytest.raises(RuntimeError):
        kept.save()


def test_the_persons_concerned_are_staff_named_in_the_evidence(ow):
    review = _open(ow)
    for wrong in ([ow.w.applicant.pk], [ow.b.officer.pk], ["x"]):
        with pytest.raises(DomainError) as exc:
            _decide(ow, review, person_ids=wrong)
        assert "invalid_person" in _code(exc.value)
    decision = _decide(ow, review, person_ids=[ow.w.officer.pk])
    assert list(decision.persons.all()) == [ow.w.officer]


def test_only_a_reviewer_opens_a_review(ow):
    with pytest.raises(PermissionDenied):
        _open(ow, actor=ow.w.admin)
    assert not FaultReview.objects.exists()


# --- pages ----------------------------------------------------------------------------------


def test_the_pages_open_a_review_and_decide_it_keeping_what_was_typed(ow, client):
    client.force_login(ow.county_reviewer)
    index = client.get(reverse("oversight:ft_index")).content.decode()
    assert "开展容错审查" in index and ow.cases["approved"].number in index
    url = reverse("oversight:ft_open")
    form = {"case": ow.cases["approved"].number, "kind": FaultKind.FALSE_COMMITMENT,
            "task": str(_untrue(ow).pk), "loss": "略"}  # fmt: skip
    bad = client.post(url, form)
    assert bad.status_code == 400 and "占位" in bad.content.decode()
    assert ow.cases["approved"].number in bad.content.decode()
    good = client.post(url, {**form, "loss": LOSS})
    review = FaultReview.objects.get()
    assert good.status_code == 302 and good["Location"].endswith(f"/{review.pk}/")
    assert review.task_id == _untrue(ow).pk
    decide = reverse("oversight:ft_decide", args=[review.pk])
    typed = "经查承办人员已按规定履职"
    bad = client.post(decide, {"conclusion": "reasonable_error", "reasons": typed, "basis": "同上"})
    assert bad.status_code == 400 and typed in bad.content.decode()
    assert not FaultDecision.objects.exists()
    ok = client.post(decide, {"conclusion": "reasonable_error", "reasons": REASONS, "basis": BASIS,
                              "person_ids": [str(ow.w.officer.pk)]})  # fmt: skip
    assert ok.status_code == 302
    page = client.get(reverse("oversight:ft_review", args=[review.pk])).content.decode()
    assert "复核更正结论" in page and "技术信息" in page
    assert "oversight." not in page and "R-8" not in page and "false_commitment" not in page


def test_the_open_page_from_a_case_number_of_another_county_says_not_found(ow, client):
    client.force_login(ow.b_reviewer)
    page = client.get(reverse("oversight:ft_open"), {"case": ow.cases["approved"].number})
    assert page.status_code == 200 and "不属于本局督查范围" in page.content.decode()
    assert ow.w.agency.name not in page.content.decode()


def test_an_old_pack_version_stays_readable(ow, client):
    review = _open(ow)
    Case.objects.filter(pk=review.case_id).update(decision_reason="事后补写的决定理由")
    services.fault_pack_reassemble(actor=ow.county_reviewer, review=review)
    client.force_login(ow.county_reviewer)
    old = client.get(reverse("oversight:ft_pack", args=[review.pk, 1])).content.decode()
    assert "这是此前的版本" in old and "事后补写的决定理由" not in old
    assert client.get(reverse("oversight:ft_pack", args=[review.pk, 9])).status_code == 404


def test_the_review_page_reads_a_bounded_number_of_queries_whatever_the_events(
    ow, client, django_assert_max_num_queries
):
    review = _open(ow)
    _decide(ow, review, person_ids=[ow.w.officer.pk])
    client.force_login(ow.county_reviewer)
    url = reverse("oversight:ft_review", args=[review.pk])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    case = ow.cases["approved"]
    for i in range(40):
        with transaction.atomic():
            spine.record(SYSTEM, "cases.submitted", case, message=f"补充记录{i}")
    services.fault_pack_reassemble(actor=ow.county_reviewer, review=review)
    assert len(FaultReview.objects.get(pk=review.pk).pack.content["events"]) > 40
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert "补充记录39" in page.content.decode()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("oversight:ft_index")).status_code == 200


def test_the_pdf_has_the_pack_text_and_a_chinese_file_name(ow, client):
    from pypdf import PdfReader

    review = _open(ow)
    _decide(ow, review)
    client.force_login(ow.county_reviewer)
    response = client.get(reverse("oversight:ft_pack_pdf", args=[review.pk, 1]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "容错审查证据材料" in unquote(response["Content-Disposition"])
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    text = "".join(text.replace("\x00", "").split())  # pypdf's NULs of Identity-H codes
    for expected in (review.number, ow.cases["approved"].number, "承诺不实", "合理容错",
                     "颍州区民政局", str(ow.w.officer)):  # fmt: skip
        assert expected in text, expected


def test_a_conclusion_of_dereliction_may_send_a_rectification_notice_once(ow, client):
    from chengnuo.oversight.models import Rectification

    review = _open(ow)
    deadline = timezone.localdate() + dt.timedelta(days=30)
    notice = {
        "title": "核查计划执行不到位",
        "text": "未按核查计划开展现场核查，请组织整改并报送整改情况",
        "deadline": deadline,
    }
    _decide(ow, review)
    with pytest.raises(DomainError):  # 合理容错: nothing to put right
        services.fault_rectify(actor=ow.county_reviewer, review=review, **notice)
    why = "复核查明承办人员未按核查计划开展现场核查，未尽核查职责，属于失职"
    _decide(ow, review, conclusion="dereliction", correction=True, reasons=why)
    with pytest.raises(NotFound):
        services.fault_rectify(actor=ow.b_reviewer, review=review, **notice)
    row = services.fault_rectify(actor=ow.county_reviewer, review=review, **notice)
    assert row.source == "fault_tolerance" and row.agency_id == ow.w.agency.pk
    with pytest.raises(Conflict):
        services.fault_rectify(actor=ow.county_reviewer, review=review, **notice)
    assert Rectification.objects.count() == 1
    client.force_login(ow.w.admin)
    page = client.get(reverse("oversight:ft_review", args=[review.pk])).content.decode()
    assert row.number in page and 'name="rectify_title"' not in page


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_openings_and_two_decisions_at_once_leave_one_of_each(transactional_db, settings):
    from .races import race

    ow = flows(build(settings))
    results, errors = race(lambda: _open(ow), lambda: _open(ow))
    assert len(results) == 1 and [e.code for e in errors] == ["already_done"]
    review = results[0]
    results, errors = race(lambda: _decide(ow, review), lambda: _decide(ow, review))
    assert len(results) == 1 and [e.code for e in errors] == ["already_done"]
    assert FaultReview.objects.count() == 1 and FaultDecision.objects.count() == 1
