"""The demo's daily portal check (浏览政务服务网站, R-8.1): yesterday's and today's check of every
agency. Between them 市民政局 adds an item to its catalog (filed by the Justice Bureau) and
publishes its texts and work rules but not yet the service guide again, so today's check
shows what changed and finds the missing "实行告知承诺制" marking — the city Justice Bureau's
reviewer sends it to 市民政局 for rectification. An agency without a catalog stays found and
not yet sent. The demo's catalog takes effect today, so the first check is run today and
back-dated by a day (as the demo's cases are). Loaded once (nothing is done when checks
exist)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.catalog import services as catalog
from chengnuo.catalog.models import CertificationItem
from chengnuo.documents import guides
from chengnuo.documents import services as documents
from chengnuo.oversight import services_portalchecks as services
from chengnuo.oversight.models import PortalCheck, PortalFinding

NEW_ITEM = {
    "name": "临时救助申请人家庭财产状况证明",
    "proof_content": "申请人家庭无机动车辆（残疾人功能性补助代步车除外）、无商业用房，"
    "家庭存款不超过当地规定的标准",
    "issuer": "申请人户籍所在地村（居）民委员会",
    "legal_basis": "《社会救助暂行办法》第四十七条、第四十八条",
    "matter_codes": ["340100-MZ-004"],
    "priority_domains": ["social_assistance"],
    "excluded_domains": [],
    "other_high_risk": False,
    "other_high_risk_reason": "",
    "under_commitment": True,
    "verification_method": "online",
    "verification_time_limit_days": 10,
    "verification_standard": "通过居民家庭经济状况核对系统比对车辆、不动产和存款信息",
    "disclosure_scope": "",
    "disclosure_period_days": None,
    "liability_insurance_required": False,
    "risk_points": "申请人隐瞒家庭财产，骗取临时救助金",
    "risk_controls": "通过居民家庭经济状况核对系统逐项比对，发现不实的追回救助金并记入信用记录",
}


def _add_item(agency: Agency, admin: Any, reviewer: Any) -> int:
    """市民政局 adds an item under commitment; the Justice Bureau files it (in force today);
    市民政局 publishes its notification, commitment letter and work rules, but not yet the
    临时救助 service guide again, whose application materials therefore do not mark it."""
    proposal = catalog.proposal_submit(
        actor=admin,
        agency=agency,
        action="add",
        item_code="MZ-ZM-101",
        payload=dict(NEW_ITEM),
        reason="按照全面推行证明事项告知承诺制的要求，扩大临时救助的告知承诺范围",
        law_change="《社会救助暂行办法》第四十七条；阜政办〔2021〕1号",
        effective_date=timezone.localdate(),
    )
    catalog.proposal_file(actor=reviewer, proposal=proposal, comment="")
    item = CertificationItem.objects.get(code="MZ-ZM-101")
    notification, commitment = documents.template_draft_create(actor=admin, item=item)
    documents.template_publish(actor=admin, template=notification)
    documents.template_publish(actor=admin, template=commitment)
    guides.work_rules_publish(
        actor=admin, rules=guides.work_rules_draft_create(actor=admin, item=item)
    )
    return 1


def _back_date(yesterday: dt.date) -> None:
    PortalCheck.objects.update(day=yesterday, finished_at=F("finished_at") - dt.timedelta(days=1))
    PortalFinding.objects.update(first_seen=yesterday, last_seen=yesterday)


def load(stdout: Any = None) -> dict[str, int]:
    if PortalCheck.objects.exists():
        return {}
    today = timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["sfj_reviewer", "mzj_admin"])}
    services.portal_check_all(today)
    _back_date(today - dt.timedelta(days=1))
    mzj = Agency.objects.filter(short_name="市民政局").first()
    reviewer = users.get("sfj_reviewer")
    added = 0
    if mzj is not None and "mzj_admin" in users and reviewer is not None:
        added = _add_item(mzj, users["mzj_admin"], reviewer)
    result = services.portal_check_all(today)
    sent = 0
    if mzj is not None and reviewer is not None:
        rows = list(
            PortalFinding.objects.filter(
                agency=mzj,
                resolved_on__isnull=True,
                kind__in=["marking_missing"],
            ).order_by("pk")
        )
        if rows:
            sent = len(
                services.portal_findings_send(
                    actor=reviewer,
                    agency=mzj,
                    finding_ids=[r.pk for r in rows],
                    deadline=today + dt.timedelta(days=15),
                )
            )
    if stdout is not None:
        stdout.write(
            f"portal checks: {result['checked']} agencies, "
            f"{PortalFinding.objects.filter(resolved_on__isnull=True).count()} open findings\n"
        )
    return {
        "portal_checks": PortalCheck.objects.count(),
        "portal_findings": PortalFinding.objects.count(),
        "portal_items_added": added,
        "portal_rectifications": sent,
    }
