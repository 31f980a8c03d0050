"""Builders for the tests of the public lists: one commitment published through the services
(apply, sign, approve), then copies of it for other subjects, agencies, items, dates and states
— each its own case and case line — and public dishonesty records."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chengnuo.agencies.constants import Role
from chengnuo.cases import services as case_services
from chengnuo.cases.constants import CaseStatus, Choice, CommitmentStatus
from chengnuo.cases.models import Case, CaseItem, Commitment
from chengnuo.credit import services as credit_services
from chengnuo.credit.models import CreditRecord, Subject

from .cases_helpers import World, build_world, ready_case
from .credit_helpers import entity_uscc, resident_id
from .factories import AgencyFactory, user_with_role

_numbers = itertools.count(1)


@dataclass
class Disclosure:
    a: World  # agency A: the published commitment `first` (王小明, 婚姻状况证明)
    b: World  # agency B, same catalog
    first: Commitment


def build_disclosure() -> Disclosure:
    a = build_world(prefix="A")
    b = build_world(prefix="B")
    case = ready_case(a)
    case_services.case_decide(actor=a.officer, case=case, decision="approve")
    first = Commitment.objects.select_related("case").get(case=case, item=a.marriage)
    assert first.publish_from == timezone.localdate()
    return Disclosure(a, b, first)


def person(actor: Any, name: str, id_value: str | None = None) -> Subject:
    return credit_services.subject_register(
        actor=actor,
        kind="person",
        name=name,
        id_type="resident_id",
        id_value=id_value or resident_id(),
    )


def firm(actor: Any, name: str) -> Subject:
    return credit_services.subject_register(
        actor=actor, kind="entity", name=name, id_type="uscc", id_value=entity_uscc()
    )


def copy_commitment(
    template: Commitment,
    *,
    subject: Subject | None = None,
    world: World | None = None,
    item: Any = None,
    status: str = CommitmentStatus.SIGNED,
    case_status: str = CaseStatus.APPROVED,
    scope: str | None = None,
    published: dt.date | None = None,
    days: int = 30,
) -> Commitment:
    """Another commitment like `template`, on its own case (of `world`'s agency and matter when
    given) and case line, published from `published` (today) for `days` days."""
    start = published or timezone.localdate()
    case = Case.objects.create(
        number=f"GK{next(_numbers):08d}",
        matter=world.matter if world else template.case.matter,
        agency=world.agency if world else template.case.agency,
        subject=subject or template.subject,
        channel=template.case.channel,
        status=case_status,
        started_by=template.case.started_by,
    )
    case_item = CaseItem.objects.create(
        case=case, item=item or template.item, commit_offered=True, choice=Choice.COMMIT
    )
    copy = Commitment.objects.get(pk=template.pk)
    copy.pk = None
    copy.case = case
    copy.case_item = case_item
    copy.item = item or template.item
    copy.subject = subject or template.subject
    copy.status = status
    copy.disclosure_scope = template.disclosure_scope if scope is None else scope
    copy.publish_from = start
    copy.publish_to = start + dt.timedelta(days=days - 1)
    copy.save()
    return copy


def credit_officer() -> Any:
    return user_with_role(Role.CREDIT_OFFICER, AgencyFactory(kind="credit_authority"))


def severe_record(
    officer: Any, subject: Subject, *, agency: Any = None, days_ago: int = 10
) -> CreditRecord:
    """A false commitment severe by its impact: publicly listed from its decision day."""
    record = credit_services.credit_record_create(
        actor=officer,
        subject=subject,
        kind="false_commitment",
        summary="承诺无欠薪，核查发现拖欠150人工资",
        impact={"people_affected": 150},
        decided_on=timezone.localdate() - dt.timedelta(days=days_ago),
        deciding_agency=agency,
    )
    assert record.grade == "severe"
    return record


def copy_record(template: CreditRecord, **changes: Any) -> CreditRecord:
    copy = CreditRecord.objects.get(pk=template.pk)
    copy.pk = None
    for key, value in changes.items():
        setattr(copy, key, value)
    copy.save()
    return copy
