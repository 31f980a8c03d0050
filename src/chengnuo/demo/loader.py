"""Load the demo data idempotently, through the same services people use (so the audit trail,
versions and filings are real)."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency, Membership
from chengnuo.catalog import services
from chengnuo.catalog.models import CatalogVersion, CertificationItem, ChangeProposal, Matter
from chengnuo.catalog.rules import item_snapshot_fields
from chengnuo.core.identifiers import uscc_with_check
from chengnuo.core.reactions import run_due

from . import data
from .case_data import load_cases
from .credit_data import load_credit
from .verification_cases import load_plans, load_verification
from .verification_data import load_sources


def item_payload(row: tuple) -> tuple[str, str, dict[str, Any]]:
    (
        agency,
        code,
        name,
        proof,
        issuer,
        basis,
        matters,
        priority,
        excluded,
        commit,
        (method, days),
        standard,
        scope,
        scope_days,
        insurance,
    ) = row
    risk_points, risk_controls = data.RISK.get(method, ("", ""))
    return (
        agency,
        code,
        {
            "name": name,
            "proof_content": proof,
            "issuer": issuer,
            "legal_basis": basis,
            "matter_codes": matters,
            "priority_domains": priority,
            "excluded_domains": excluded,
            "other_high_risk": False,
            "other_high_risk_reason": "",
            "under_commitment": commit,
            "verification_method": method,
            "verification_time_limit_days": days,
            "verification_standard": standard,
            "disclosure_scope": scope,
            "disclosure_period_days": scope_days,
            "liability_insurance_required": insurance,
            "risk_points": risk_points,
            "risk_controls": risk_controls,
        },
    )


@transaction.atomic
def load(stdout=None) -> dict[str, int]:
    """All or nothing: an interrupted load leaves no half-filed catalog."""

    def say(msg: str) -> None:
        if stdout:
            stdout.write(msg)

    agencies = _agencies()
    users = _users(agencies)
    sysadmin = users["sysadmin"]
    reviewer = users["sfj_reviewer"]
    today = timezone.localdate()

    for key, code, name, mtype, basis, materials in data.MATTERS:
        if not Matter.objects.filter(code=code).exists():
            admin = _admin_of(agencies[key], sysadmin)
            services.matter_create(
                actor=admin,
                agency=agencies[key],
                data={
                    "code": code,
                    "name": name,
                    "matter_type": mtype,
                    "legal_basis": basis,
                    "materials": materials,
                },
            )

    def propose(agency: Agency, action: str, code: str, payload, reason: str, law: str):
        return services.proposal_submit(
            actor=_admin_of(agency, sysadmin),
            agency=agency,
            action=action,
            item_code=code,
            payload=payload,
            reason=reason,
            law_change=law,
            effective_date=today,
        )

    if not CatalogVersion.objects.exists():
        say("filing the first catalog version of every agency …")
        first_round = []
        for row in data.ITEMS:
            key, code, payload = item_payload(row)
            first_round.append(
                propose(agencies[key], "add", code, payload, data.FIRST_REASON, data.FIRST_LAW)
            )
        services.proposal_file_many(
            actor=reviewer, proposals=first_round, comment="符合要求，予以备案"
        )

        say("filing the second round of changes …")
        second_round = []
        for code, changes, reason, law in data.ROUND_TWO["amend"]:
            item = CertificationItem.objects.get(code=code)
            payload = item_snapshot_fields(item) | changes
            second_round.append(propose(item.agency, "amend", code, payload, reason, law))
        for code, reason, law in data.ROUND_TWO["remove"]:
            item = CertificationItem.objects.get(code=code)
            second_round.append(propose(item.agency, "remove", code, None, reason, law))
        for row in data.ROUND_TWO["add"]:
            key, code, payload = item_payload(row)
            second_round.append(
                propose(agencies[key], "add", code, payload, data.ADD_REASON, data.ADD_LAW)
            )
        services.proposal_file_many(actor=reviewer, proposals=second_round, comment="予以备案")

    if not ChangeProposal.objects.filter(status__in=["submitted", "returned"]).exists():
        for row in data.PENDING:
            key, code, payload = item_payload(row)
            propose(
                agencies[key], "add", code, payload, data.EXTEND_REASON, "《乡村医生从业管理条例》"
            )
        for row in data.RETURNED:
            key, code, payload = item_payload(row)
            p = propose(agencies[key], "add", code, payload, data.EXTEND_REASON, "《教师资格条例》")
            services.proposal_return(actor=reviewer, proposal=p, reason=data.RETURN_REASON)

    say("loading subjects and credit records …")
    credit_counts = load_credit(stdout=stdout)
    say("publishing notification and commitment templates …")
    published = _publish_templates(sysadmin)
    say("publishing service guides and work rules …")
    guide_versions = _publish_guides(sysadmin)
    source_counts = load_sources(stdout=stdout)
    plan_counts = load_plans(stdout=stdout)
    case_counts = load_cases(stdout=stdout)
    verification_counts = load_verification(stdout=stdout)
    supervision_counts: dict[str, int] = {}
    from django.apps import apps

    if apps.is_installed("chengnuo.supervision"):
        from .supervision_data import load_supervision

        say("loading routine supervision (double-random inspections) …")
        supervision_counts = load_supervision(stdout=stdout)
    if apps.is_installed("chengnuo.complaints"):
        from .complaints_data import load_complaints

        say("loading complaints and reports …")
        supervision_counts.update(load_complaints(stdout=stdout))
    # the follow-up work of what was loaded (archived PDFs, kept commitments in credit) is done
    # before the demo is shown, not left to the worker
    run_due(limit=10_000)
    if apps.is_installed("chengnuo.oversight"):
        from django.core.management import call_command

        from .oversight_data import load_key_tasks

        say("loading the key-task table and the joint inspection …")
        supervision_counts.update(load_key_tasks(stdout=stdout))
        from . import (
            oversight_casereview,
            oversight_faulttolerance,
            oversight_indicators,
            oversight_learning,
            oversight_portalchecks,
            oversight_reports,
        )

        say("loading portal checks, case-file reviews, indicators, reports …")
        for part in (
            oversight_portalchecks,
            oversight_casereview,
            oversight_faulttolerance,
            oversight_learning,
            oversight_indicators,
            oversight_reports,
        ):
            supervision_counts.update(part.load(stdout=stdout))

        # the demo's cases may be written past the services (back-dated): the rollout's
        # counters are recomputed from the tables so the dashboard shows them
        say("computing the oversight statistics …")
        call_command("oversight_rebuild", stdout=stdout or StringIO())

    return {
        **credit_counts,
        **source_counts,
        **plan_counts,
        **case_counts,
        **verification_counts,
        **supervision_counts,
        "template_versions": published,
        "guide_versions": guide_versions,
        "agencies": Agency.objects.count(),
        "users": User.objects.count(),
        "matters": Matter.objects.count(),
        "items_in_force": CertificationItem.objects.filter(status="in_force").count(),
        "items_under_commitment": CertificationItem.objects.filter(
            status="in_force", under_commitment=True
        ).count(),
        "versions": CatalogVersion.objects.count(),
    }


def _agencies() -> dict[str, Agency]:
    out: dict[str, Agency] = {}
    for key, name, short, region, level, kind, parent, org in data.AGENCIES:
        uscc = uscc_with_check("11" + data.REGION_CODES[region] + org)
        agency, _ = Agency.objects.get_or_create(
            name=name,
            defaults={
                "short_name": short,
                "uscc": uscc,
                "region": region,
                "level": level,
                "kind": kind,
                "parent": out.get(parent) if parent else None,
            },
        )
        out[key] = agency
    return out


def _users(agencies: dict[str, Agency]) -> dict[str, User]:
    out: dict[str, User] = {}
    for username, display, roles in data.USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=display)
            user.set_password(data.DEMO_PASSWORD)
            if username == "sysadmin":
                user.is_staff = user.is_superuser = True
            user.save()
        for role, key in roles:
            Membership.objects.get_or_create(
                user=user, agency=agencies.get(key) if key else None, role=role
            )
        out[username] = user
    # every ordinary agency without a named admin gets one, so the demo can act for it
    for key, agency in agencies.items():
        if (
            agency.kind == "ordinary"
            and not agency.memberships.filter(role="agency_admin").exists()
        ):
            username = f"{key}_admin"
            user = User.objects.filter(username=username).first() or User(
                username=username, display_name=f"{agency.short_name}管理员"
            )
            if user.pk is None:
                user.set_password(data.DEMO_PASSWORD)
                user.save()
            Membership.objects.get_or_create(user=user, agency=agency, role="agency_admin")
    return out


def _admin_of(agency: Agency, fallback: User) -> User:
    m = agency.memberships.filter(role="agency_admin").select_related("user").first()
    return m.user if m else fallback


def _publish_templates(fallback: User) -> int:
    """R-3.1, R-3.3: every item under commitment gets its notification and commitment
    templates, generated from the catalog entry and published (idempotent)."""
    from chengnuo.documents import services as documents
    from chengnuo.documents.models import NotificationTemplate, TemplateVersion

    items = CertificationItem.objects.filter(status="in_force", under_commitment=True)
    for item in items.select_related("agency").order_by("code"):
        if NotificationTemplate.objects.filter(item=item).exists():
            continue
        admin = _admin_of(item.agency, fallback)
        notification, commitment = documents.template_draft_create(actor=admin, item=item)
        documents.template_publish(actor=admin, template=notification)
        documents.template_publish(actor=admin, template=commitment)
    return TemplateVersion.objects.count()


def _publish_guides(fallback: User) -> int:
    """R-3.4, R-6.1: a published service guide for every demo matter and work rules for every
    item under commitment (idempotent)."""
    from chengnuo.documents import guides
    from chengnuo.documents.guide_models import GuideVersion, ServiceGuide, WorkRules

    for matter in Matter.objects.select_related("agency").order_by("code"):
        if ServiceGuide.objects.filter(matter=matter).exists():
            continue
        admin = _admin_of(matter.agency, fallback)
        guide = guides.guide_draft_create(actor=admin, matter=matter)
        legal = guide.legal_time_limit_days or 20
        guide = guides.guide_draft_update(
            actor=admin,
            guide=guide,
            data={"legal_time_limit_days": legal, "promised_time_limit_days": min(legal, 10)},
        )
        guides.guide_publish(actor=admin, guide=guide)
    items = CertificationItem.objects.filter(status="in_force", under_commitment=True)
    for item in items.select_related("agency").order_by("code"):
        if WorkRules.objects.filter(item=item).exists():
            continue
        admin = _admin_of(item.agency, fallback)
        rules = guides.work_rules_draft_create(actor=admin, item=item)
        guides.work_rules_publish(actor=admin, rules=rules)
    return GuideVersion.objects.count()
