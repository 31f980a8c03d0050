"""Test factories: one trait per status (Open Forms habit)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.constants import Level, Region, Role
from chengnuo.agencies.models import Agency, Membership
from chengnuo.catalog.constants import ChangeAction, ItemStatus, MatterType, ProposalStatus
from chengnuo.catalog.models import CertificationItem, ChangeProposal, Matter
from chengnuo.core.identifiers import uscc_with_check

PASSWORD = "Chengnuo#2026pass"


def _uscc(n: int) -> str:
    """A valid agency code (GB 32100 checksum) for the n-th agency."""
    return uscc_with_check(f"11341200{n:09d}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"测试机关{n}")
    uscc = factory.Sequence(_uscc)
    region = Region.FUYANG
    level = Level.CITY

    class Params:
        county = factory.Trait(region=Region.YINGZHOU, level=Level.COUNTY)
        justice_bureau = factory.Trait(
            kind="justice_bureau", name=factory.Sequence(lambda n: f"司法局{n}")
        )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


def user_with_role(role: Role | str, agency: Agency | None = None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, agency=agency, role=role)
    return user


class MatterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Matter

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"M{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    matter_type = MatterType.LICENSING
    legal_basis = "《中华人民共和国行政许可法》"
    materials = factory.LazyFunction(lambda: ["申请书", "身份证明"])


def item_payload(**overrides) -> dict:
    """A valid payload for an item under commitment; override per test."""
    data = {
        "name": "无犯罪记录证明",
        "proof_content": "申请人无犯罪记录",
        "issuer": "公安机关",
        "legal_basis": "《律师法》第五条",
        "matter_codes": ["RS-001"],
        "priority_domains": ["legal_services"],
        "excluded_domains": [],
        "other_high_risk": False,
        "other_high_risk_reason": "",
        "under_commitment": True,
        "verification_method": "online",
        "verification_time_limit_days": 10,
        "verification_standard": "比对公安机关违法犯罪记录信息",
        "disclosure_scope": "",
        "disclosure_period_days": None,
        "liability_insurance_required": False,
        "risk_points": "",
        "risk_controls": "",
    }
    data.update(overrides)
    return data


class CertificationItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CertificationItem

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"ITEM{n:05d}")
    name = factory.Sequence(lambda n: f"测试证明{n}")
    proof_content = "申请人符合该事项规定的条件"
    issuer = "开具单位"
    legal_basis = "《中华人民共和国行政许可法》第三十一条"
    under_commitment = True
    verification_method = "online"
    verification_time_limit_days = 10
    verification_standard = "核查标准"
    priority_domains = factory.LazyFunction(lambda: ["social_insurance"])
    status = ItemStatus.IN_FORCE
    effective_date = factory.LazyFunction(timezone.localdate)

    class Params:
        removed = factory.Trait(status=ItemStatus.REMOVED)
        not_under_commitment = factory.Trait(under_commitment=False)


class ChangeProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeProposal

    agency = factory.SubFactory(AgencyFactory)
    action = ChangeAction.ADD
    item_code = factory.Sequence(lambda n: f"NEW{n:05d}")
    payload = factory.LazyFunction(item_payload)
    reason = "法律修订"
    law_change = "《某法》修订"
    effective_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))
    status = ProposalStatus.SUBMITTED
    submitted_by = factory.SubFactory(UserFactory)

    class Params:
        filed = factory.Trait(status=ProposalStatus.FILED)
        returned = factory.Trait(status=ProposalStatus.RETURNED, review_comment="依据不足")
