"""Reads of subjects and credit, scoped to the actor (R-5.6, R-5.7).

- An applicant sees only the subjects linked to their account (SubjectLink) and their records.
- A credit officer sees every subject, record, repair and objection.
- Staff reach a subject only through a lawful context (`access`): an exact lookup by its
  identifier (`services.subject_lookup`, through the HMAC column), or a case, task, assistance
  request or record of their agency naming it — never by browsing or counting through ids.
Anything else is NotFound (indistinguishable from missing) or PermissionDenied for pages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Case as Choose
from django.db.models import CharField, Expression, F, QuerySet, Value, When
from django.db.models.functions import Concat, Left, Length, Repeat

from chengnuo.accounts.actors import user_of
from chengnuo.agencies.policies import staff_agency_ids
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CertificationItem
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound, PermissionDenied
from chengnuo.core.rules import MAX_ID

from . import access, policies
from .constants import ObjectionStatus, RepairStatus, SubjectKind
from .models import CreditRecord, Objection, PushMessage, RepairApplication, Subject


def _valid_pk(pk: Any) -> int:
    try:
        value = int(pk)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 < value <= MAX_ID:
        raise NotFound()
    return value


# --- subjects -------------------------------------------------------------------------------


def subjects_visible_to(actor: Actor) -> QuerySet[Subject]:
    """Credit officers: all; an applicant: the subjects linked to them; others: none."""
    if policies.is_credit_officer(actor):
        return Subject.objects.all()
    user = user_of(actor)
    if user is None:
        return Subject.objects.none()
    return Subject.objects.filter(links__user=user).distinct()


def subject_get(actor: Actor, pk: Any) -> Subject:
    """An applicant's own subject; for staff (credit officers included), a subject reached
    through a lawful context (`subject_for_staff`)."""
    value = _valid_pk(pk)
    if policies.acts_for(actor, value):
        subject = Subject.objects.filter(pk=value).first()
        if subject is not None:
            return subject
    if policies.is_credit_officer(actor):
        return subject_for_staff(actor, value)
    raise NotFound()


def subject_for_staff(actor: Actor, pk: Any) -> Subject:
    """R-5.6, R-5.7: a subject a staff member reaches through a lawful context
    (`access.contexts_for`): the exact lookup they just made, or a case, task, assistance
    request or record of their agency that names it. Anything else is NotFound, as if the
    subject did not exist: counting through ids reveals nothing."""
    subject = Subject.objects.filter(pk=_valid_pk(pk)).first()
    if subject is None or not access.contexts_for(actor, subject):
        raise NotFound()
    return subject


def lookup_items(actor: Actor) -> list[CertificationItem]:
    """The in-force items under commitment of the actor's agencies, or all of them if the
    actor has no agency (or the agencies have none)."""
    qs = CertificationItem.objects.filter(
        status=ItemStatus.IN_FORCE, under_commitment=True
    ).select_related("agency")
    agency_ids = staff_agency_ids(actor)
    if agency_ids:
        own = qs.filter(agency_id__in=agency_ids)
        if own.exists():
            qs = own
    return list(qs.order_by("code"))


def item_for_eligibility(code: str) -> CertificationItem:
    """Any item in force by code (not-under-commitment items get that refusal reason)."""
    if not isinstance(code, str) or not code or len(code) > 64:
        raise NotFound("未找到该证明事项")
    item = CertificationItem.objects.filter(code=code, status=ItemStatus.IN_FORCE).first()
    if item is None:
        raise NotFound("未找到该证明事项")
    return item


# --- records --------------------------------------------------------------------------------


def records_of(actor: Actor, subject: Subject) -> QuerySet[CreditRecord]:
    """The records of a subject the actor may see (call after subject_get / lookup)."""
    return (
        CreditRecord.objects.filter(subject=subject)
        .select_related("deciding_agency")
        .prefetch_related("repairs", "objections")
    )


def records_visible_to(actor: Actor) -> QuerySet[CreditRecord]:
    return CreditRecord.objects.filter(subject__in=subjects_visible_to(actor)).select_related(
        "subject", "deciding_agency"
    )


def my_records(actor: Actor) -> QuerySet[CreditRecord]:
    """An applicant's records: only those of subjects linked to the account."""
    user = user_of(actor)
    if user is None:
        return CreditRecord.objects.none()
    return (
        CreditRecord.objects.filter(subject__links__user=user)
        .select_related("subject", "deciding_agency")
        .prefetch_related("repairs", "objections")
        .distinct()
    )


def my_record_get(actor: Actor, pk: Any) -> CreditRecord:
    record = my_records(actor).filter(pk=_valid_pk(pk)).first()
    if record is None:
        raise NotFound()
    return record


def my_subjects(actor: Actor) -> QuerySet[Subject]:
    user = user_of(actor)
    if user is None:
        return Subject.objects.none()
    return Subject.objects.filter(links__user=user).distinct().order_by("id")


# --- repairs and objections (credit officers) -----------------------------------------------


def _officer_only(actor: Actor) -> None:
    if not policies.is_credit_officer(actor):
        raise NotFound()


def repairs_visible_to(actor: Actor, *, status: str = "") -> QuerySet[RepairApplication]:
    if not policies.is_credit_officer(actor):
        return RepairApplication.objects.none()
    qs = RepairApplication.objects.select_related("record", "record__subject", "submitted_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def objections_visible_to(actor: Actor, *, status: str = "") -> QuerySet[Objection]:
    if not policies.is_credit_officer(actor):
        return Objection.objects.none()
    qs = Objection.objects.select_related("record", "record__subject", "submitted_by")
    if status:
        qs = qs.filter(status=status)
    return qs


def pending_repairs(actor: Actor) -> QuerySet[RepairApplication]:
    return repairs_visible_to(actor, status=RepairStatus.SUBMITTED).order_by("due_on", "id")


def pending_objections(actor: Actor) -> QuerySet[Objection]:
    return objections_visible_to(actor, status=ObjectionStatus.SUBMITTED).order_by("due_on", "id")


def repair_get(actor: Actor, pk: Any) -> RepairApplication:
    _officer_only(actor)
    repair = repairs_visible_to(actor).filter(pk=_valid_pk(pk)).first()
    if repair is None:
        raise NotFound()
    return repair


def objection_get(actor: Actor, pk: Any) -> Objection:
    _officer_only(actor)
    objection = objections_visible_to(actor).filter(pk=_valid_pk(pk)).first()
    if objection is None:
        raise NotFound()
    return objection


# --- repair materials and exports ------------------------------------------------------------


def material_get(actor: Actor, repair_pk: Any, pk: Any) -> Any:
    """A repair material for download: credit officers, or the applicant who submitted the
    repair (and still acts for its subject). Anyone else: NotFound."""
    from .models import RepairMaterial

    material = (
        RepairMaterial.objects.select_related("repair", "repair__record")
        .filter(pk=_valid_pk(pk), repair_id=_valid_pk(repair_pk))
        .first()
    )
    if material is None:
        raise NotFound()
    if policies.is_credit_officer(actor):
        return material
    repair = material.repair
    if (
        (user := user_of(actor)) is not None
        and repair.submitted_by_id == user.pk
        and policies.acts_for(actor, repair.record.subject_id)
    ):
        return material
    raise NotFound()


def records_for_export(
    actor: Actor, *, status: str = "", grade: str = ""
) -> QuerySet[CreditRecord]:
    """Every record, for credit officers only, filtered by status and grade."""
    if not policies.is_credit_officer(actor):
        raise PermissionDenied("只有信用管理人员可以导出信用记录")
    qs = CreditRecord.objects.select_related("subject", "deciding_agency").order_by(
        "-decided_on", "-id"
    )
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(grade=grade)
    return qs


def push_messages_visible_to(actor: Actor, *, status: str = "") -> QuerySet[PushMessage]:
    """The delivery log of credit pushes (R-5.2): credit officers only."""
    _officer_only(actor)
    qs = PushMessage.objects.select_related("platform", "record").prefetch_related("log")
    if status in PushMessage.Status.values:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def overdue_items(actor: Actor, *, on: Any) -> dict[str, list[Any]]:
    """Repairs and objections past their deadline (R-5.4), for the credit officers and their
    supervisor (the credit authority's agency admin)."""
    if not policies.can_supervise_credit(actor):
        raise PermissionDenied("只有信用管理人员及其负责人可以查看超期事项")
    return {
        "repairs": list(
            RepairApplication.objects.filter(status=RepairStatus.SUBMITTED, due_on__lt=on)
            .select_related("record__subject")
            .order_by("due_on")
        ),
        "objections": list(
            Objection.objects.filter(status=ObjectionStatus.SUBMITTED, due_on__lt=on)
            .select_related("record__subject")
            .order_by("due_on")
        ),
    }


def shown_name(subject: str = "subject") -> Expression:
    """The name public lists show for the subject at `subject` (a relation path, "" for Subject
    itself), computed in the database exactly as `Subject.display_name`: a person's first
    character then one * per further character, an entity's name as registered. Public
    searches match this and nothing else, so a search can confirm only what the list already
    shows — never a masked person's real name or an identifier (R-5.6)."""
    prefix = f"{subject}__" if subject else ""
    name = F(f"{prefix}name")
    masked = Concat(Left(name, 1), Repeat(Value("*"), Length(name) - 1), output_field=CharField())
    return Choose(
        When(**{f"{prefix}kind": SubjectKind.PERSON}, then=masked),
        default=name,
        output_field=CharField(),
    )


def search_shown_name(qs: QuerySet[Any], q: str, *, subject: str = "subject") -> QuerySet[Any]:
    """Rows whose subject's shown name contains `q` (case-insensitive); all rows for ""."""
    if not q:
        return qs
    return qs.alias(shown_name=shown_name(subject)).filter(shown_name__icontains=q)


def publicly_listed_records(
    *,
    on: Any,
    q: str = "",
    agency_id: int | None = None,
    region: str = "",
    decided_from: date | None = None,
    decided_to: date | None = None,
) -> QuerySet[CreditRecord]:
    """R-5.5: records whose grade's sanction lists them publicly, within their publication
    period and not repaired or removed. Public, no actor: only masked data leaves here. The
    filters narrow by the shown name (`search_shown_name`), the deciding agency or its region,
    and the decision date (both ends included)."""
    from .rules import sanctions

    grades = [grade for grade, s in sanctions().items() if s.get("public_listing")]
    qs = (
        CreditRecord.objects.filter(
            grade__in=grades,
            status__in=["active", "under_objection"],
            publish_from__lte=on,
            publish_to__gte=on,
        )
        .exclude(kind="commitment_kept")
        .select_related("subject", "deciding_agency")
    )
    if agency_id:
        qs = qs.filter(deciding_agency_id=agency_id)
    if region:
        qs = qs.filter(deciding_agency__region=region)
    if decided_from:
        qs = qs.filter(decided_on__gte=decided_from)
    if decided_to:
        qs = qs.filter(decided_on__lte=decided_to)
    return search_shown_name(qs, q).order_by("-decided_on", "-id")


def notices_for(actor: Actor, *, unread_only: bool = False) -> QuerySet[Any]:
    """Sanction notices addressed to the actor's agencies (R-5.5)."""
    from .models import SanctionNotice

    qs = SanctionNotice.objects.filter(agency_id__in=staff_agency_ids(actor)).select_related(
        "record__subject", "record__deciding_agency", "agency"
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-id")


def notice_get(actor: Actor, pk: Any) -> Any:
    notice = notices_for(actor).filter(pk=_valid_pk(pk)).first()
    if notice is None:
        raise NotFound()
    return notice
