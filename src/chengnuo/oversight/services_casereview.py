"""Writes of case-file review (调阅案卷, 案卷评查, R-8.1), each in one transaction with its event.

A round goes: `review_open` (the reviewer commits SM3 of a share it keeps; the scoring sheet's
version is fixed) → `review_freeze` (the pool — the agency's concluded case numbers in the
period — is frozen with its digest; the platform draws the second share and publishes its SM3)
→ `review_reveal` (the reviewer types its share in: it must match the commitment; the
platform's share is revealed; seed = SM3(reviewer share + ":" + platform share); the sample is
`draw.select(seed, pool, quota)` of supervision's published algorithm `sm3-rank-v1`, which
anyone recomputes from `published(review)` with `draw.recompute`).

Then `file_score` scores a sampled file on the sheet (points per item, a note for every
deduction, the case's own events cited as evidence; the grade follows from the sheet's
thresholds); a second scoring is a correction with its reason, the first kept on record.
`finding_issue` sends a scored file's deductions to the agency as a rectification notice with a
deadline (tracked to closure on the rectification pages)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of, user_of
from chengnuo.agencies.models import Agency
from chengnuo.audit.models import AuditEvent
from chengnuo.cases.constants import CONCLUDED
from chengnuo.cases.models import Case
from chengnuo.core import crypto, spine
from chengnuo.core.actors import Actor, SystemActor
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors
from chengnuo.supervision import draw as algorithm
from chengnuo.supervision.services import clean_hex64

from . import casereview_sheet as default_sheet
from . import policies_casereview as policies
from .constants_casereview import PARTY_PLATFORM, PARTY_REVIEWER, Event, Grade, ReviewStatus
from .models import (
    CaseFileScore,
    CaseFileScoreLine,
    CaseReview,
    ScoringItem,
    ScoringSheet,
)
from .services_keytasks import clean_text

QUOTA_MAX = 200
NOTE_MIN = 4
SYSTEM = SystemActor("案卷评查标准")


# --- the scoring sheet (pure rules first) ----------------------------------------------------


def grade_of(total: int, *, excellent_min: int, pass_min: int, veto_failed: bool = False) -> str:
    """The grade from the sheet's thresholds (R-8.1): 优秀 at or above `excellent_min`, 合格 at
    or above `pass_min`, otherwise 不合格; a veto item scored 0 makes it 不合格."""
    if veto_failed or total < pass_min:
        return Grade.FAIL
    return Grade.EXCELLENT if total >= excellent_min else Grade.PASS


def _clean_items(items: Any) -> list[dict[str, Any]]:
    errors: list[FieldError] = []
    out: list[dict[str, Any]] = []
    for n, raw in enumerate(items or [], start=1):
        heading, error = clean_text(
            raw.get("heading"), "items", f"第{n}项评查项目", minimum=2, limit=60
        )
        if error:
            errors.append(error)
        text, error = clean_text(raw.get("description"), "items", f"第{n}项评查内容", minimum=6)
        if error:
            errors.append(error)
        points = _int(raw.get("max_points"))
        if points is None or not 1 <= points <= 100:
            errors.append(FieldError("items", "invalid_points", f"第{n}项分值应为1至100的整数"))
        out.append(
            {
                "heading": heading,
                "description": text,
                "max_points": points or 0,
                "veto": bool(raw.get("veto")),
            }
        )
    if not out:
        errors.append(FieldError("items", "required", "评查标准至少要有一个评查项目"))
    elif not errors and sum(i["max_points"] for i in out) != 100:
        errors.append(FieldError("items", "invalid_points", "各评查项目的分值合计应为100分"))
    raise_field_errors(errors)
    return out


def _create_sheet(
    actor: Actor,
    *,
    name: str,
    version: int,
    items: list[dict[str, Any]],
    excellent_min: int,
    pass_min: int,
    note: str,
    effective: dt.date,
) -> ScoringSheet:
    sheet = ScoringSheet.objects.create(
        name=name,
        version=version,
        effective=effective,
        excellent_min=excellent_min,
        pass_min=pass_min,
        note=note,
        created_by=user_of(actor),
    )
    ScoringItem.objects.bulk_create(
        [ScoringItem(sheet=sheet, position=n, **item) for n, item in enumerate(items, start=1)]
    )
    spine.record(
        actor,
        Event.SHEET_SAVED,
        sheet,
        None,
        {
            "name": name,
            "version": version,
            "excellent_min": excellent_min,
            "pass_min": pass_min,
            "items": [[i["heading"], i["max_points"], i["veto"]] for i in items],
        },
        message=f"发布{sheet}：优秀{excellent_min}分以上，合格{pass_min}分以上，共{len(items)}项",
    )
    return sheet


def sheet_load_default() -> ScoringSheet:
    """The default sheet (`casereview_sheet.ITEMS`), once: its latest version if it is there."""
    with transaction.atomic():
        latest = (
            ScoringSheet.objects.filter(name=default_sheet.DEFAULT_NAME)
            .order_by("-version")
            .first()
        )
        if latest is not None:
            return latest
        return _create_sheet(
            SYSTEM,
            name=default_sheet.DEFAULT_NAME,
            version=1,
            items=default_sheet.default_items(),
            excellent_min=default_sheet.EXCELLENT_MIN,
            pass_min=default_sheet.PASS_MIN,
            note="",
            effective=timezone.localdate(),
        )


def sheet_revise(
    *,
    actor: Actor,
    sheet: ScoringSheet,
    items: Any,
    excellent_min: Any,
    pass_min: Any,
    note: Any,
) -> ScoringSheet:
    """A new version of a sheet (the old one stays as it is: the rounds that used it keep it).
    The sheet is the city's: its Justice Bureau's reviewers revise it."""
    if not policies.revises_sheets(actor):
        raise PermissionDenied("评查标准由市司法局审核人员修订")
    errors = []
    excellent, passing = _int(excellent_min), _int(pass_min)
    if excellent is None or passing is None or not 0 < passing < excellent <= 100:
        errors.append(
            FieldError(
                "thresholds", "invalid_points", "分数线应满足：0 < 合格分数线 < 优秀分数线 ≤ 100"
            )
        )
    why, error = clean_text(note, "note", "修订说明", minimum=4, limit=200)
    if error:
        errors.append(error)
    raise_field_errors(errors)
    cleaned = _clean_items(items)
    with transaction.atomic():
        latest = (
            ScoringSheet.objects.select_for_update()
            .filter(name=sheet.name)
            .order_by("-version")
            .first()
        )
        version = (latest.version if latest else 0) + 1
        return _create_sheet(
            actor,
            name=sheet.name,
            version=version,
            items=cleaned,
            excellent_min=excellent or 0,
            pass_min=passing or 0,
            note=why,
            effective=timezone.localdate(),
        )


# --- review rounds -----------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "").strip()
    if not text or len(text) > 6 or not text.isdigit():
        return None
    return int(text)


def review_open(
    *,
    actor: Actor,
    agency: Agency | None,
    period_start: Any,
    period_end: Any,
    quota: Any,
    commitment: Any,
    sheet: ScoringSheet | None = None,
) -> CaseReview:
    """Open a round for one agency's case files concluded in a period (R-8.1): the reviewer
    commits SM3 of a share it keeps (64 hexadecimal digits); the platform never sees the share
    before the pool is frozen."""
    if not policies.reviews(actor):
        raise PermissionDenied("只有司法局审核人员可以开展案卷评查")
    errors: list[FieldError] = []
    if agency is None or not policies.reviews_agency(actor, agency.pk):
        errors.append(FieldError("agency", "invalid_agency", "只能评查本局督查范围内的机关的案卷"))
    today = timezone.localdate()
    start = period_start if isinstance(period_start, dt.date) else None
    end = period_end if isinstance(period_end, dt.date) else None
    if start is None or end is None or end < start:
        errors.append(
            FieldError("period_end", "invalid_period", "请填写办结日期的起止，结束不早于开始")
        )
    elif end > today:
        errors.append(FieldError("period_end", "invalid_period", "评查期间不能晚于今天"))
    n = _int(quota)
    if n is None or not 1 <= n <= QUOTA_MAX:
        errors.append(FieldError("quota", "invalid_quota", f"抽取数量应为1至{QUOTA_MAX}的整数"))
    try:
        committed = clean_hex64(commitment, "commitment", "随机数承诺（SM3摘要）")
    except DomainError as exc:
        errors.extend(FieldError(d["field"], d["code"], d["message"]) for d in _details(exc))
        committed = ""
    raise_field_errors(errors)
    assert agency is not None and start is not None and end is not None
    with transaction.atomic():
        used = sheet or sheet_load_default()
        review = CaseReview.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:20]}",
            agency=agency,
            sheet=used,
            period_start=start,
            period_end=end,
            quota=n or 0,
            algorithm=algorithm.ALGORITHM,
            reviewer_commitment=committed,
            opened_by=person_of(actor),
            opened_at=timezone.now(),
        )
        review.number = f"PC{today:%Y}{review.pk:05d}"
        review.save(update_fields=["number"])
        spine.record(
            actor,
            Event.REVIEW_OPENED,
            review,
            None,
            {
                "number": review.number,
                "period": [start, end],
                "quota": n,
                "sheet": [used.name, used.version],
                "reviewer_commitment": committed,
            },
            agency=agency,
            message=f"发起案卷评查{review.number}：{agency.name}{start:%Y-%m-%d}至{end:%Y-%m-%d}"
            f"办结的案卷抽取{n}件，评查人员随机数承诺 {committed[:16]}…",
        )
    return review


def _details(exc: DomainError) -> list[dict[str, Any]]:
    return list(exc.details or [{"field": exc.field, "code": exc.code, "message": exc.message}])


def _check_reviewer(actor: Actor, review: CaseReview) -> None:
    if not policies.reviews_agency(actor, review.agency_id):
        if policies.reads_agency(actor, review.agency_id):
            raise PermissionDenied("案卷评查由司法局审核人员办理，本单位只能查看")
        raise NotFound()


def _locked(actor: Actor, review: CaseReview) -> CaseReview:
    _check_reviewer(actor, review)
    return (
        CaseReview.objects.select_for_update().select_related("agency", "sheet").get(pk=review.pk)
    )


def pool_of(review: CaseReview) -> list[str]:
    """The agency's concluded cases (decided) in the period, by their case numbers, sorted as
    the algorithm sorts them (code points)."""
    numbers = Case.objects.filter(
        agency_id=review.agency_id,
        status__in=CONCLUDED,
        decided_at__date__gte=review.period_start,
        decided_at__date__lte=review.period_end,
    ).values_list("number", flat=True)
    return sorted(numbers)


def review_freeze(*, actor: Actor, review: CaseReview) -> CaseReview:
    """Freeze the pool and publish its digest; the platform draws its share now and publishes
    its SM3 (kept encrypted until the reviewer reveals)."""
    with transaction.atomic():
        review = _locked(actor, review)
        if review.status != ReviewStatus.COMMITTED:
            raise Conflict("already_done", f"案卷评查{review.number}{review.get_status_display()}")
        pool = pool_of(review)
        if not pool:
            raise DomainError("empty_pool", "该机关在评查期间没有办结的案卷，无法抽取")
        share = secrets.token_hex(32)
        review.pool = pool
        review.pool_size = len(pool)
        review.pool_digest = algorithm.pool_digest(pool, presorted=True)
        review.platform_commitment = algorithm.share_commitment(share)
        review.platform_share_cipher = crypto.encrypt(share)
        review.status = ReviewStatus.FROZEN
        review.frozen_at = timezone.now()
        review.save(
            update_fields=[
                "pool",
                "pool_size",
                "pool_digest",
                "platform_commitment",
                "platform_share_cipher",
                "status",
                "frozen_at",
            ]
        )
        spine.record(
            actor,
            Event.REVIEW_FROZEN,
            review,
            {"status": ReviewStatus.COMMITTED},
            {
                "status": ReviewStatus.FROZEN,
                "pool_size": review.pool_size,
                "pool_digest": review.pool_digest,
                "platform_commitment": review.platform_commitment,
            },
            message=f"案卷评查{review.number}：案卷名录已冻结（{review.pool_size}件，摘要"
            f"{review.pool_digest[:16]}…），平台随机数承诺 {review.platform_commitment[:16]}…",
        )
    return review


def review_reveal(*, actor: Actor, review: CaseReview, share: Any) -> CaseReview:
    """The reviewer reveals its share: it must match the commitment made at opening (a wrong
    one is refused and reveals nothing); the platform's share is revealed and checked, the
    seed combined and the sample drawn from the frozen pool (its digest checked again)."""
    _check_reviewer(actor, review)
    typed = clean_hex64(share, "share", "随机数")
    with transaction.atomic():
        review = _locked(actor, review)
        if review.status == ReviewStatus.COMMITTED:
            raise Conflict("not_ready", "案卷名录尚未冻结：请先冻结名录，再公开随机数")
        if review.status != ReviewStatus.FROZEN:
            raise Conflict("already_done", f"案卷评查{review.number}{review.get_status_display()}")
        if algorithm.share_commitment(typed) != review.reviewer_commitment:
            raise_field_errors(
                [
                    FieldError(
                        "share",
                        "share_mismatch",
                        "输入的随机数与发起评查时提交的承诺不符，请核对后重新输入",
                    )
                ]
            )
        platform = crypto.decrypt(review.platform_share_cipher)
        if algorithm.share_commitment(platform) != review.platform_commitment:
            raise Conflict("snapshot_changed", "平台随机数与其承诺不符，抽取中止")
        pool = list(review.pool)
        if algorithm.pool_digest(pool) != review.pool_digest or len(pool) != review.pool_size:
            raise Conflict("snapshot_changed", "冻结的案卷名录与其公开的摘要不符，抽取中止")
        seed = algorithm.combine_seed([typed, platform])
        review.reviewer_share = typed
        review.platform_share = platform
        review.seed = seed
        review.selected = algorithm.select(seed, pool, review.quota)
        review.status = ReviewStatus.DRAWN
        review.drawn_at = timezone.now()
        review.save(
            update_fields=[
                "reviewer_share",
                "platform_share",
                "seed",
                "selected",
                "status",
                "drawn_at",
            ]
        )
        spine.record(
            actor,
            Event.REVIEW_DRAWN,
            review,
            {"status": ReviewStatus.FROZEN},
            {"status": ReviewStatus.DRAWN, "seed": seed, "selected": review.selected},
            message=f"案卷评查{review.number}：抽中{len(review.selected)}件案卷"
            f"（随机种子 {seed[:16]}…）",
        )
    return review


def review_abandon(*, actor: Actor, review: CaseReview, reason: Any) -> CaseReview:
    """End a round that is not drawn yet, with its reason (the reviewer's share was lost, the
    agency or the period was wrong). Nothing is deleted: the round, its commitments and its
    frozen pool stay public; a new round is opened for the files."""
    _check_reviewer(actor, review)
    why, error = clean_text(reason, "reason", "终止理由", minimum=6, limit=1000)
    if error:
        raise_field_errors([error])
    with transaction.atomic():
        review = _locked(actor, review)
        if review.status not in (ReviewStatus.COMMITTED, ReviewStatus.FROZEN):
            raise Conflict(
                "already_done", f"案卷评查{review.number}已{review.get_status_display()}"
            )
        before = review.status
        review.status = ReviewStatus.ABANDONED
        review.abandon_reason = why
        review.abandoned_at = timezone.now()
        review.save(update_fields=["status", "abandon_reason", "abandoned_at"])
        spine.record(
            actor,
            Event.REVIEW_ABANDONED,
            review,
            {"status": before},
            {"status": ReviewStatus.ABANDONED, "reason": why},
            message=f"终止案卷评查{review.number}：{why[:80]}",
        )
    return review


def published(review: CaseReview) -> dict[str, Any]:
    """What the round publishes, in the form `draw.recompute` (and `python -m
    chengnuo.supervision.draw`) checks."""
    drawn = review.status == ReviewStatus.DRAWN
    return {
        "id": review.number,
        "algorithm": review.algorithm,
        "agency": review.agency.name,
        "period": [review.period_start.isoformat(), review.period_end.isoformat()],
        "shares": [
            {
                "party": PARTY_REVIEWER,
                "commitment": review.reviewer_commitment,
                "share": review.reviewer_share or None,
            },
            {
                "party": PARTY_PLATFORM,
                "commitment": review.platform_commitment,
                "share": review.platform_share or None,
            },
        ],
        "seed": review.seed if drawn else None,
        "pool": list(review.pool),
        "pool_digest": review.pool_digest,
        "quota": review.quota,
        "selected": list(review.selected),
    }


# --- scoring -----------------------------------------------------------------------------------


def _case_in_sample(review: CaseReview, number: Any) -> Case:
    if not isinstance(number, str) or number not in review.selected:
        raise DomainError("not_in_sample", "该案卷不在本次评查抽中的案卷之中", field="case")
    case = Case.objects.filter(agency_id=review.agency_id, number=number).first()
    if case is None:
        raise NotFound()
    return case


def _evidence(case: Case, ids: Any) -> list[int]:
    given = [_int(i) for i in (ids or [])]
    wanted = sorted({v for v in given if v is not None})
    found = set(
        AuditEvent.objects.filter(
            pk__in=wanted, object_type=spine.target_type_of(case), object_id=str(case.pk)
        ).values_list("pk", flat=True)
    )
    if len(found) != len(wanted) or None in given:
        raise_field_errors(
            [FieldError("evidence", "invalid_event", "只能引用本案卷的办件记录作为评查依据")]
        )
    if not wanted:
        raise_field_errors(
            [FieldError("evidence", "required", "请至少勾选一条办件记录作为评查依据")]
        )
    return wanted


def _lines(
    items: list[ScoringItem], points: Mapping[Any, Any], notes: Mapping[Any, Any]
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    errors: list[FieldError] = []
    out = []
    for item in items:
        field = f"points_{item.pk}"
        raw = points.get(str(item.pk), points.get(item.pk))
        value = _int(raw)
        if value is None or value > item.max_points:
            errors.append(
                FieldError(
                    field, "invalid_points", f"“{item.heading}”的得分应为0至{item.max_points}的整数"
                )
            )
            continue
        note = ""
        raw_note = notes.get(str(item.pk), notes.get(item.pk))
        if value < item.max_points:
            note, error = clean_text(
                raw_note,
                f"note_{item.pk}",
                f"“{item.heading}”的扣分理由",
                minimum=NOTE_MIN,
                limit=1000,
            )
            if error:
                errors.append(error)
        elif isinstance(raw_note, str) and raw_note.strip():
            note, error = clean_text(
                raw_note, f"note_{item.pk}", f"“{item.heading}”的说明", minimum=NOTE_MIN, limit=1000
            )
            if error:
                errors.append(error)
        out.append({"item": item, "points": value, "note": note})
    return out, errors


def rectification_of(score: CaseFileScore) -> Any:
    from .models import Rectification

    return Rectification.objects.filter(
        target_type=spine.target_type_of(score), target_id=score.pk
    ).first()


def file_score(
    *,
    actor: Actor,
    review: CaseReview,
    case_number: Any,
    points: Mapping[Any, Any],
    notes: Mapping[Any, Any] | None = None,
    evidence: Iterable[Any] = (),
    summary: Any = "",
    reason: Any = "",
) -> CaseFileScore:
    """Score a sampled case file on the round's sheet (R-8.1): points per item (0 to its
    maximum), a note for every deduction, events of that case cited as evidence; total and
    grade computed. Scoring it again is a correction: it needs a reason, and the earlier
    result stays on record (no longer current)."""
    notes = notes or {}
    with transaction.atomic():
        review = _locked(actor, review)
        if review.status != ReviewStatus.DRAWN:
            raise Conflict("not_ready", "尚未抽取案卷，不能评查")
        case = _case_in_sample(review, case_number)
        items = list(review.sheet.items.order_by("position"))
        lines, errors = _lines(items, points, notes)
        opinion = ""
        if isinstance(summary, str) and summary.strip():
            opinion, error = clean_text(summary, "summary", "评查意见", minimum=NOTE_MIN)
            if error:
                errors.append(error)
        before = (
            CaseFileScore.objects.select_for_update()
            .filter(review=review, case=case, current=True)
            .first()
        )
        why = ""
        if before is not None:
            why, error = clean_text(reason, "reason", "更正理由", minimum=6, limit=1000)
            if error:
                errors.append(error)
        raise_field_errors(errors)
        cited = _evidence(case, evidence)
        if before is not None and rectification_of(before) is not None:
            raise Conflict("already_done", "该案卷的评查结果已下发整改通知，不能再更正")
        total = sum(line["points"] for line in lines)
        veto = any(line["item"].veto and line["points"] == 0 for line in lines)
        grade = grade_of(
            total,
            excellent_min=review.sheet.excellent_min,
            pass_min=review.sheet.pass_min,
            veto_failed=veto,
        )
        if before is not None:
            before.current = False
            before.save(update_fields=["current"])
        score = CaseFileScore.objects.create(
            review=review,
            case=case,
            total=total,
            grade=grade,
            evidence=cited,
            summary=opinion,
            corrects=before,
            correction_reason=why,
            reviewer=person_of(actor),
            scored_at=timezone.now(),
        )
        CaseFileScoreLine.objects.bulk_create(
            [
                CaseFileScoreLine(
                    score=score, item=line["item"], points=line["points"], note=line["note"]
                )
                for line in lines
            ]
        )
        label = Grade(grade).label
        spine.record(
            actor,
            Event.FILE_RESCORED if before else Event.FILE_SCORED,
            score,
            {"total": before.total, "grade": before.grade, "score": before.pk} if before else None,
            {
                "case": case.number,
                "total": total,
                "grade": grade,
                "evidence": cited,
                "points": {line["item"].position: line["points"] for line in lines},
                "reason": why,
            },
            agency=review.agency,
            about=review,
            message=f"案卷评查{review.number}：办件{case.number}得{total}分，{label}"
            + (f"（更正原评查结果{before.total}分：{why[:60]}）" if before else ""),
        )
    return score


# --- findings -------------------------------------------------------------------------------


def finding_text(score: CaseFileScore) -> str:
    """The deductions of a scored file, as the notice states them."""
    rows = [
        f"{line.item.position}. {line.item.heading}：扣{line.item.max_points - line.points}分，"
        f"{line.note}"
        for line in score.lines.select_related("item").order_by("item__position")
        if line.points < line.item.max_points
    ]
    return "\n".join(rows)


def finding_issue(*, actor: Actor, score: CaseFileScore, deadline: Any, requirement: Any) -> Any:
    """Send a scored file's deductions to the agency as a rectification notice with a deadline
    (R-8.1: findings go to the agency, tracked to closure). One notice per scored file."""
    from . import services_rectification

    _check_reviewer(actor, score.review)
    errors = []
    if not isinstance(deadline, dt.date) or deadline <= timezone.localdate():
        errors.append(FieldError("deadline", "invalid_period", "整改期限应晚于今天"))
    demand, error = clean_text(requirement, "requirement", "整改要求", minimum=6, limit=2000)
    if error:
        errors.append(error)
    raise_field_errors(errors)
    with transaction.atomic():
        review = _locked(actor, score.review)
        score = CaseFileScore.objects.select_related("case").get(pk=score.pk)
        if not score.current:
            raise Conflict("already_done", "该评查结果已被更正，请对现行结果下发整改通知")
        found = finding_text(score)
        if not found:
            raise DomainError("invalid_points", "该案卷评查没有扣分项，无需整改", field="general")
        title = f"案卷评查{review.number}：办件{score.case.number}得{score.total}分，存在扣分项"
        text = f"经评查，办件{score.case.number}得{score.total}分（{score.get_grade_display()}），"
        text += f"扣分情况如下：\n{found}\n整改要求：{demand}"
        return services_rectification.rectification_issue(
            actor=actor,
            agency=review.agency,
            source="case_review",
            target=score,
            title=title[:100],
            text=text,
            deadline=deadline,
        )
