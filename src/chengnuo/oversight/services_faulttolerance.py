"""Writes of fault-tolerance reviews (容错机制, R-8.4), each in one transaction with its event.

- A Justice Bureau reviewer opens a review of an adverse outcome of a case of an agency it
  oversees: a false commitment (a verification concluded untrue) with the loss it caused, a
  wrong refusal with why the refusal is considered wrong, an overdue case or verification.
  The evidence pack is assembled then and frozen with its digest.
- A re-assembly adds a new pack version; the old ones are kept as they were.
- The decision — 合理容错 / 失职 / 需追责 — with its reasons and basis and the persons concerned
  closes the review. It is never edited: a correction (e.g. on 复核) is a new decision that
  names the one it corrects; both are kept."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.cases.models import Case
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json, jsonable
from chengnuo.core.errors import Conflict, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors
from chengnuo.verification.constants import Outcome, TaskStatus
from chengnuo.verification.models import VerificationTask

from . import evidence_faulttolerance as evidence
from . import policies_faulttolerance as policies
from .constants_faulttolerance import (
    BASIS_MIN,
    GROUNDS_MIN,
    LOSS_MIN,
    REASONS_MIN,
    Conclusion,
    Event,
    FaultKind,
    ReviewStatus,
)
from .models import EvidencePack, FaultDecision, FaultReview
from .services_keytasks import clean_text

# "同上" and the like say nothing in a decision (the shared placeholder rule knows 无, 略 …)
EMPTY_WORDS = frozenset({"同上", "如上", "见上", "详见上文", "暂无", "待定", "不详"})


def _text(value: Any, field: str, label: str, minimum: int) -> tuple[str, FieldError | None]:
    text, error = clean_text(value, field, label, minimum=minimum)
    if error is None and text.strip("。.，, ") in EMPTY_WORDS:
        return "", FieldError(field, "placeholder", f"{label}不能只是占位文字，请写明实际内容")
    return text, error


def _freeze(
    review: FaultReview, actor: Actor, version: int, task: VerificationTask | None
) -> EvidencePack:
    content = jsonable(evidence.assemble(review.case, kind=review.kind, task=task))
    return EvidencePack.objects.create(
        review=review,
        version=version,
        content=content,
        digest=digest_json(content),
        algorithm=getattr(settings, "CHENGNUO_DIGEST", "sm3"),
        assembled_by=person_of(actor),
        assembled_at=timezone.now(),
    )


def fault_review_open(
    *,
    actor: Actor,
    case: Case,
    kind: Any,
    loss: Any = "",
    grounds: Any = "",
    task: VerificationTask | None = None,
) -> FaultReview:
    """A review of one adverse outcome of `case` (R-8.4), with its evidence pack."""
    if not policies.reviews(actor):
        raise PermissionDenied("只有司法局审核人员可以开展容错审查")
    if not policies.may_review(actor, case.agency_id):
        raise NotFound()
    if kind not in FaultKind.values:
        raise_field_errors([FieldError("kind", "invalid_kind", "请选择不利后果类型")])
    errors = []
    loss_text = grounds_text = ""
    if kind == FaultKind.FALSE_COMMITMENT or (isinstance(loss, str) and loss.strip()):
        loss_text, error = _text(loss, "loss", "损失情况", LOSS_MIN)
        if error:
            errors.append(error)
    if kind == FaultKind.WRONG_REFUSAL or (isinstance(grounds, str) and grounds.strip()):
        grounds_text, error = _text(grounds, "grounds", "认定不予办理有误的理由", GROUNDS_MIN)
        if error:
            errors.append(error)
    raise_field_errors(errors)
    today = timezone.localdate()
    if task is not None and (
        task.commitment.case_id != case.pk
        or task.status != TaskStatus.DONE
        or task.outcome != Outcome.INCONSISTENT
    ):
        task = None  # only the case's own untrue verification names a false commitment
    if kind == FaultKind.FALSE_COMMITMENT and task is None:
        found = evidence.untrue_tasks(case)
        task = found[0] if found else None
    if not evidence.is_adverse(case, kind, today) or (
        kind == FaultKind.FALSE_COMMITMENT and task is None
    ):
        messages = {
            FaultKind.FALSE_COMMITMENT: "该办件没有核查为承诺不实的承诺",
            FaultKind.WRONG_REFUSAL: "该办件不是不予办理的办件",
            FaultKind.OVERDUE: "该办件及其核查均未超期",
        }
        raise_field_errors([FieldError("kind", "not_adverse", messages[FaultKind(kind)])])
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()  # one review at a time
        if FaultReview.objects.filter(case=case, kind=kind).exists():
            raise Conflict("already_done", f"办件{case.number}已开展该类容错审查")
        review = FaultReview.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:14]}",
            kind=kind,
            case=case,
            agency_id=case.agency_id,
            task=task if kind == FaultKind.FALSE_COMMITMENT else None,
            loss=loss_text,
            grounds=grounds_text,
            opened_by=person_of(actor),
            opened_at=timezone.now(),
        )
        review.number = f"RC{timezone.localdate():%Y}{review.pk:04d}"
        review.pack = _freeze(review, actor, 1, review.task)
        review.save(update_fields=["number", "pack"])
        spine.record(
            actor,
            Event.REVIEW_OPENED,
            review,
            None,
            {"number": review.number, "kind": kind, "case": case.number, "loss": loss_text,
             "grounds": grounds_text, "pack": 1, "digest": review.pack.digest},
            agency=case.agency,
            message=f"对办件{case.number}开展容错审查{review.number}"
            f"（{FaultKind(kind).label}）",
        )  # fmt: skip
    return review


def fault_pack_reassemble(*, actor: Actor, review: FaultReview) -> EvidencePack:
    """A new version of the review's evidence pack, from the records as they are now; the
    earlier versions stay as they were (what an earlier decision relied on)."""
    if not policies.may_review(actor, review.agency_id):
        raise NotFound()
    with transaction.atomic():
        row = (
            FaultReview.objects.select_for_update(of=("self",))
            .select_related("case", "task")
            .get(pk=review.pk)
        )
        last = row.packs.order_by("-version").values_list("version", flat=True).first() or 0
        pack = _freeze(row, actor, last + 1, row.task)
        before = row.pack_id
        row.pack = pack
        row.save(update_fields=["pack"])
        spine.record(
            actor,
            Event.PACK_ASSEMBLED,
            row,
            {"pack_id": before},
            {"pack": pack.version, "digest": pack.digest},
            agency=row.agency,
            message=f"容错审查{row.number}重新汇集证据材料（第{pack.version}版）",
        )
    return pack


def fault_decide(
    *,
    actor: Actor,
    review: FaultReview,
    conclusion: Any,
    reasons: Any,
    basis: Any,
    person_ids: Any = (),
    correction: bool = False,
) -> FaultDecision:
    """The review's conclusion (合理容错 / 失职 / 需追责) with its reasons, the rules relied on
    and the persons concerned (staff named in the evidence). A review is decided once; a
    correction is a new decision naming the one it corrects, both kept (R-8.4)."""
    if not policies.may_review(actor, review.agency_id):
        raise NotFound()
    errors = []
    if conclusion not in Conclusion.values:
        errors.append(
            FieldError("conclusion", "invalid_conclusion", "请选择审查结论：合理容错、失职或需追责")
        )
    why, error = _text(reasons, "reasons", "理由", REASONS_MIN)
    if error:
        errors.append(error)
    rules, error = _text(basis, "basis", "依据", BASIS_MIN)
    if error:
        errors.append(error)
    raise_field_errors(errors)
    with transaction.atomic():
        row = (
            FaultReview.objects.select_for_update(of=("self",))
            .select_related("pack")
            .get(pk=review.pk)
        )
        previous = row.decisions.order_by("-decided_at", "-id").first()
        if previous is not None and not correction:
            raise Conflict(
                "already_done", f"容错审查{row.number}已作出结论；如需更正，请以复核更正提出"
            )
        if previous is None and correction:
            raise_field_errors(
                [FieldError("correction", "not_decided", "该审查尚未作出结论，无需更正")]
            )
        pack = row.pack
        assert pack is not None
        allowed = {p["id"]: p for p in pack.content.get("persons", [])}
        wanted = sorted(
            {int(i) for i in (person_ids or []) if str(i).isdigit() and len(str(i)) < 12}
        )
        if not set(wanted) <= set(allowed) or len(wanted) != len(list(person_ids or [])):
            message = "相关人员只能从证据材料所列的工作人员中选择"
            raise_field_errors([FieldError("person_ids", "invalid_person", message)])
        decision = FaultDecision.objects.create(
            review=row,
            pack=pack,
            conclusion=conclusion,
            reasons=why,
            basis=rules,
            corrects=previous,
            decided_by=person_of(actor),
            decided_at=timezone.now(),
        )
        decision.persons.set(wanted)
        before_status = row.status
        row.status = ReviewStatus.DECIDED
        row.save(update_fields=["status"])
        label = Conclusion(conclusion).label
        spine.record(
            actor,
            Event.CORRECTED if previous else Event.DECIDED,
            decision,
            {"status": before_status, "conclusion": previous.conclusion} if previous
            else {"status": before_status},
            {"conclusion": conclusion, "reasons": why, "basis": rules, "pack": pack.version,
             "persons": [[i, allowed[i]["name"]] for i in wanted],
             "corrects": previous.pk if previous else None},
            agency=row.agency,
            about=row,
            message=f"容错审查{row.number}"
            + (f"更正结论：{Conclusion(previous.conclusion).label} → {label}" if previous
               else f"作出结论：{label}"),
        )  # fmt: skip
    return decision


def fault_rectify(
    *, actor: Actor, review: FaultReview, title: Any, text: Any, deadline: Any
) -> Any:
    """A rectification notice (整改通知) to the review's agency after a conclusion of 失职 or
    需追责: one per review, tracked to closure by the rectification part (its own event)."""
    from . import services_rectification

    if not policies.may_review(actor, review.agency_id):
        raise NotFound()
    latest = review.decisions.order_by("-decided_at", "-id").first()
    if latest is None or latest.conclusion == Conclusion.REASONABLE_ERROR:
        raise_field_errors(
            [FieldError("general", "not_decided", "认定为失职或需追责后才能下发整改通知")]
        )
    return services_rectification.rectification_issue(
        actor=actor,
        agency=review.agency,
        source="fault_tolerance",
        target=review,
        title=title,
        text=text,
        deadline=deadline,
    )
