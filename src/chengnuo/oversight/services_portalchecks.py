"""Writes of the daily portal check (浏览政务服务网站, R-8.1), each in one transaction with its
event.

Every day the Justice Bureau's check reads, per agency, what the public portal publishes — the
same "published and in force" reads the portal's pages use — and records it as a snapshot:

- the agency's catalog (目录清单, R-7.1): its latest catalog version in force;
- for each certification item in force under commitment: the published notification (告知书,
  R-3.1) and commitment letter (承诺书, R-3.3), the work rules (工作规程) and, for each matter the
  item applies to, the service guide (办事指南) (R-3.4); whether that guide's application-materials
  module marks the item "实行告知承诺制" (R-3.5); the text linter's findings in every published
  text (R-3.2); and the legal basis (设定依据, R-3.1) the item and its notification cite.

What is missing becomes a finding (PortalFinding), one row per agency, item and kind for as long
as the gap lasts; a gap no longer found is resolved that day. What changed since the agency's
previous check (items added or removed, new versions published, the legal basis changed) is
kept with the check. The reviewer sends open findings to the agency as rectification notices."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from chengnuo.agencies.constants import AgencyKind
from chengnuo.agencies.models import Agency
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.models import CatalogVersion, CertificationItem
from chengnuo.catalog.schemas import MARKING
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.digest import digest_json, jsonable
from chengnuo.core.errors import Conflict, NotFound
from chengnuo.core.rules import FieldError, raise_field_errors

from . import policies_portalchecks as policies
from .constants_portalchecks import ChangeKind, Event, FindingKind
from .models import PortalCheck, PortalFinding

logger = logging.getLogger(__name__)

DOC_LABELS = {
    "notification": "告知书",
    "commitment": "承诺书",
    "guide": "办事指南",
    "work_rules": "工作规程",
}
LINT_QUOTES_MAX = 20


# --- what the public sees -------------------------------------------------------------------


def _ref(version: Any) -> dict[str, Any]:
    return {"id": version.pk, "number": version.number, "digest": version.digest}


def _lint(doc: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The linter's blocking findings in a published text (R-3.2): those that stop publication
    unless a reviewer overrides them. Warnings (comparative wording the law itself uses, such as
    较严重的不良信用记录) are advice to the drafter, not a portal finding."""
    from chengnuo.documents.lint_rules import BLOCKING

    return [
        {
            "doc": doc,
            "field": f.get("field", ""),
            "phrase": f.get("phrase", ""),
            "reason": f.get("reason", ""),
            "severity": f.get("severity", ""),
        }
        for f in findings
        if f.get("severity") == BLOCKING
    ]


def _legal_basis_cited(text: Any) -> bool:
    from chengnuo.documents.element_rules import placeholder_problem

    if not isinstance(text, str) or not text.strip():
        return False
    return placeholder_problem("legal_basis", "设定依据", text) is None


def snapshot_of(agency: Agency, day: dt.date) -> dict[str, Any]:
    """What the portal publishes for `agency` on `day`, read through the public selectors
    (catalog versions in force, items in force under commitment, the latest published
    template and guide versions). A constant number of queries per agency."""
    from chengnuo.documents import guides as guide_docs
    from chengnuo.documents import selectors as doc_selectors
    from chengnuo.documents import services as doc_services
    from chengnuo.documents.guide_models import GuideKind

    version = (
        CatalogVersion.objects.filter(agency=agency, effective_date__lte=day)
        .order_by("-number")
        .first()
    )
    items = list(
        CertificationItem.objects.filter(
            agency=agency,
            status=ItemStatus.IN_FORCE,
            under_commitment=True,
            effective_date__lte=day,
        )
        .prefetch_related("matters")
        .order_by("code")
    )
    templates: dict[tuple[int, str], Any] = {
        (v.item_id, v.kind): v for v in doc_selectors.public_latest_versions(agency_id=agency.pk)
    }
    guides: dict[int, Any] = {}
    rules: dict[int, Any] = {}
    for g in guide_docs.public_latest_guide_versions(agency_id=agency.pk):
        if g.kind == GuideKind.GUIDE and g.matter_id:
            guides[g.matter_id] = g
        elif g.kind == GuideKind.WORK_RULES and g.item_id:
            rules[g.item_id] = g
    listed = set((version.items or {}).keys()) if version is not None else set()
    out_items = []
    for item in items:
        entry: dict[str, Any] = {
            "code": item.code,
            "name": item.name,
            "in_catalog": item.code in listed,
            "legal_basis": item.legal_basis,
            "lint": [],
        }
        notification = templates.get((item.pk, "notification"))
        commitment = templates.get((item.pk, "commitment"))
        work_rules = rules.get(item.pk)
        entry["notification"] = _ref(notification) if notification else None
        if notification is not None:
            fields = notification.content.get("fields", {})
            entry["notification"]["legal_basis"] = fields.get("legal_basis", "")
            entry["lint"] += _lint("notification", doc_services.lint_content(notification.content))
        entry["commitment"] = _ref(commitment) if commitment else None
        if commitment is not None:
            entry["lint"] += _lint("commitment", doc_services.lint_content(commitment.content))
        entry["work_rules"] = _ref(work_rules) if work_rules else None
        if work_rules is not None:
            entry["lint"] += _lint("work_rules", guide_docs.lint_content(work_rules.content))
        entry["guides"] = []
        for matter in sorted(item.matters.all(), key=lambda m: m.code):
            guide = guides.get(matter.pk)
            row: dict[str, Any] = {"matter": matter.code, "matter_name": matter.name}
            if guide is None:
                row["guide"] = None
            else:
                row["guide"] = _ref(guide)
                row["marked"] = any(
                    m.get("item_code") == item.code and m.get("marking") == MARKING
                    for m in guide.content.get("materials", [])
                )
                entry["lint"] += _lint("guide", guide_docs.lint_content(guide.content))
            entry["guides"].append(row)
        out_items.append(entry)
    return jsonable(
        {
            "agency": {"id": agency.pk, "name": agency.name},
            "day": day,
            "catalog": None
            if version is None
            else {
                "number": version.number,
                "effective_date": version.effective_date,
                "digest": version.digest,
            },
            "items": out_items,
        }
    )


# --- findings and changes (pure functions of snapshots) -------------------------------------


def _names(rows: list[dict[str, Any]]) -> str:
    return "、".join(f"“{r['matter_name']}”" for r in rows)


def findings_in(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The gaps in a snapshot: {item_code, kind, text, details} (R-7.1, R-3.1–R-3.5)."""
    out: list[dict[str, Any]] = []

    def add(code: str, kind: FindingKind, text: str, details: list[Any] | None = None) -> None:
        out.append({"item_code": code, "kind": kind.value, "text": text, "details": details or []})

    if snapshot.get("catalog") is None:
        add("", FindingKind.CATALOG_MISSING, "网站未公布本单位实行告知承诺制的证明事项目录清单")
    for item in snapshot.get("items", []):
        code, name = item["code"], item["name"]
        if item.get("notification") is None:
            add(code, FindingKind.NOTIFICATION_MISSING, f"“{name}”未公布告知书")
        if item.get("commitment") is None:
            add(code, FindingKind.COMMITMENT_MISSING, f"“{name}”未公布告知承诺书格式文本")
        if item.get("work_rules") is None:
            add(code, FindingKind.WORK_RULES_MISSING, f"“{name}”未公布工作规程")
        no_guide = [g for g in item.get("guides", []) if g.get("guide") is None]
        if no_guide:
            add(
                code,
                FindingKind.GUIDE_MISSING,
                f"“{name}”适用的{_names(no_guide)}未公布办事指南",
                [g["matter"] for g in no_guide],
            )
        unmarked = [g for g in item.get("guides", []) if g.get("guide") and not g.get("marked")]
        if unmarked:
            add(
                code,
                FindingKind.MARKING_MISSING,
                f"{_names(unmarked)}办事指南的申请材料中，“{name}”未标注“{MARKING}”",
                [g["matter"] for g in unmarked],
            )
        lint = item.get("lint", [])
        if lint:
            quotes = [
                f"{DOC_LABELS.get(f['doc'], f['doc'])}中的“{f['phrase']}”：{f['reason']}"
                for f in lint[:LINT_QUOTES_MAX]
            ]
            more = f"等{len(lint)}处" if len(lint) > LINT_QUOTES_MAX else ""
            add(
                code,
                FindingKind.LINT,
                f"“{name}”公布的文本含模糊表述或兜底条款{more}：" + "；".join(quotes[:3]),
                lint[:LINT_QUOTES_MAX],
            )
        missing = []
        if not _legal_basis_cited(item.get("legal_basis")):
            missing.append("目录清单")
        notification = item.get("notification")
        if notification is not None and not _legal_basis_cited(notification.get("legal_basis")):
            missing.append("告知书")
        if missing:
            add(
                code,
                FindingKind.LEGAL_BASIS_MISSING,
                f"“{name}”的{'和'.join(missing)}未写明设定依据",
                missing,
            )
    return out


def _version_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    name = new["name"]
    for key, kind in (
        ("notification", ChangeKind.NOTIFICATION),
        ("commitment", ChangeKind.COMMITMENT),
        ("work_rules", ChangeKind.WORK_RULES),
    ):
        before, after = old.get(key), new.get(key)
        if after and (not before or before.get("id") != after.get("id")):
            out.append(
                {"kind": kind.value, "item_code": new["code"],
                 "text": f"“{name}”公布{DOC_LABELS[key]}第{after['number']}版"}
            )  # fmt: skip
    old_guides = {g["matter"]: g.get("guide") for g in old.get("guides", [])}
    for g in new.get("guides", []):
        after = g.get("guide")
        before = old_guides.get(g["matter"])
        if after and (not before or before.get("id") != after.get("id")):
            out.append(
                {"kind": ChangeKind.GUIDE.value, "item_code": new["code"],
                 "text": f"“{g['matter_name']}”公布办事指南第{after['number']}版"}
            )  # fmt: skip
    if (old.get("legal_basis") or "") != (new.get("legal_basis") or ""):
        out.append(
            {"kind": ChangeKind.LEGAL_BASIS.value, "item_code": new["code"],
             "text": f"“{name}”的设定依据改为：{new.get('legal_basis') or '（空）'}"}
        )  # fmt: skip
    return out


def changes_between(previous: dict[str, Any] | None, snapshot: dict[str, Any]) -> list[dict]:
    """What changed on the portal since the previous check (none for the first check)."""
    if previous is None:
        return []
    out: list[dict[str, Any]] = []
    before, after = previous.get("catalog"), snapshot.get("catalog")
    if after and (not before or before.get("number") != after.get("number")):
        out.append(
            {"kind": ChangeKind.CATALOG.value, "item_code": "",
             "text": f"公布目录清单第{after['number']}版（{after['effective_date']}起施行）"}
        )  # fmt: skip
    old = {i["code"]: i for i in previous.get("items", [])}
    new = {i["code"]: i for i in snapshot.get("items", [])}
    for code, item in new.items():
        if code not in old:
            out.append(
                {"kind": ChangeKind.ITEM_ADDED.value, "item_code": code,
                 "text": f"新增实行告知承诺制的证明事项“{item['name']}”"}
            )  # fmt: skip
        else:
            out += _version_changes(old[code], item)
    for code, item in old.items():
        if code not in new:
            out.append(
                {"kind": ChangeKind.ITEM_REMOVED.value, "item_code": code,
                 "text": f"证明事项“{item['name']}”不再实行告知承诺制或已取消"}
            )  # fmt: skip
    return out


# --- writes ---------------------------------------------------------------------------------


def portal_check_run(*, agency: Agency, day: dt.date, actor: Actor = None) -> PortalCheck:
    """Check what the portal publishes for `agency` on `day` (R-8.1). Idempotent per agency and
    day: a second run the same day updates that day's check and its findings. The agency's row
    is locked so that two workers checking it at once wait for each other."""
    if actor is not None and not policies.may_run(actor, agency.pk):
        raise NotFound()
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        snapshot = snapshot_of(agency, day)
        previous = PortalCheck.objects.filter(agency=agency, day__lt=day).order_by("-day").first()
        found = findings_in(snapshot)
        changes = changes_between(previous.snapshot if previous else None, snapshot)
        check = PortalCheck.objects.filter(agency=agency, day=day).first()
        before = None
        if check is None:
            check = PortalCheck(agency=agency, day=day)
        else:
            before = {"digest": check.digest, "findings": check.findings_count}
        check.finished_at = timezone.now()
        check.snapshot = snapshot
        check.digest = digest_json(snapshot)
        check.items_count = len(snapshot["items"])
        check.findings_count = len(found)
        check.changes = changes
        check.previous = previous
        check.save()
        opened, resolved = _reconcile(agency, day, check, found)
        spine.record(
            actor,
            Event.CHECK_RUN,
            check,
            before,
            {"day": day, "digest": check.digest, "items": check.items_count,
             "findings": len(found), "opened": opened, "resolved": resolved,
             "changes": len(changes)},
            agency=agency,
            message=f"浏览{agency.name}政务服务网站（{day:%Y-%m-%d}）：证明事项{check.items_count}项，"
            f"发现问题{len(found)}个（新发现{opened}个，已解决{resolved}个），变化{len(changes)}处",
        )  # fmt: skip
    return check


def _reconcile(
    agency: Agency, day: dt.date, check: PortalCheck, found: list[dict[str, Any]]
) -> tuple[int, int]:
    """One open row per (item, kind) still found; rows no longer found are resolved today."""
    open_rows = {
        (f.item_code, f.kind): f
        for f in PortalFinding.objects.filter(agency=agency, resolved_on__isnull=True)
    }
    codes = {f["item_code"] for f in found if f["item_code"]}
    items = {i.code: i for i in CertificationItem.objects.filter(agency=agency, code__in=codes)}
    opened = 0
    seen: set[tuple[str, str]] = set()
    for f in found:
        key = (f["item_code"], f["kind"])
        seen.add(key)
        row = open_rows.get(key)
        if row is None:
            PortalFinding.objects.create(
                agency=agency,
                item=items.get(f["item_code"]),
                item_code=f["item_code"],
                kind=f["kind"],
                text=f["text"],
                details=f["details"],
                first_seen=day,
                last_seen=day,
                last_check=check,
            )
            opened += 1
        else:
            row.text = f["text"]
            row.details = f["details"]
            row.last_seen = max(row.last_seen, day)
            row.last_check = check
            row.save(update_fields=["text", "details", "last_seen", "last_check"])
    gone = [row.pk for key, row in open_rows.items() if key not in seen]
    if gone:
        PortalFinding.objects.filter(pk__in=gone).update(resolved_on=day)
    return opened, len(gone)


def checked_agencies() -> list[Agency]:
    """The agencies the daily check reads: every ordinary agency (R-7.1: each publishes)."""
    return list(Agency.objects.filter(kind=AgencyKind.ORDINARY).order_by("pk"))


def portal_check_all(day: dt.date | None = None) -> dict[str, int]:
    """The daily job: check every agency; one that fails is logged and the others go on."""
    day = day or timezone.localdate()
    done = failed = 0
    for agency in checked_agencies():
        try:
            portal_check_run(agency=agency, day=day)
        except Exception:
            failed += 1
            logger.exception("portal check of agency %s on %s failed", agency.pk, day)
        else:
            done += 1
    return {"checked": done, "failed": failed}


def _title(finding: PortalFinding) -> str:
    label = FindingKind(finding.kind).label
    name = finding.item.name if finding.item is not None else ""
    return (f"网站检查：{label}" + (f"（{name}）" if name else ""))[:100]


def portal_findings_send(
    *, actor: Actor, agency: Agency, finding_ids: Any, deadline: Any
) -> list[Any]:
    """Send the selected open findings of `agency` to it for rectification, one notice per
    finding (R-8.1: findings are sent to the agency to fix), each with the same deadline."""
    from . import services_rectification

    if not policies.may_run(actor, agency.pk):
        raise NotFound()
    wanted = sorted({int(i) for i in (finding_ids or []) if str(i).isdigit() and len(str(i)) < 12})
    if not wanted:
        raise_field_errors([FieldError("finding_ids", "required", "请至少选择一个问题")])
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        rows = list(
            PortalFinding.objects.select_for_update(of=("self",))
            .select_related("item")
            .filter(pk__in=wanted, agency=agency)
            .order_by("pk")
        )
        if len(rows) != len(wanted):
            raise NotFound()
        for row in rows:
            if row.resolved_on is not None:
                raise Conflict("already_done", f"“{_title(row)}”已解决，无需整改")
            if row.rectification_id is not None:
                raise Conflict("already_done", f"“{_title(row)}”已下发整改通知")
        notices = []
        for row in rows:
            notice = services_rectification.rectification_issue(
                actor=actor,
                agency=agency,
                source="portal_check",
                target=row,
                title=_title(row),
                text=f"{row.first_seen:%Y年%m月%d日}浏览政务服务网站发现：{row.text}。"
                "请在整改期限内完成整改，并报送整改情况。",
                deadline=deadline,
            )
            row.rectification = notice
            row.save(update_fields=["rectification"])
            notices.append(notice)
        spine.record(
            actor,
            Event.FINDINGS_SENT,
            agency,
            None,
            {"findings": [r.pk for r in rows], "rectifications": [n.number for n in notices],
             "deadline": deadline},
            agency=agency,
            message=f"将{agency.name}政务服务网站的{len(rows)}个问题下发整改："
            + "、".join(n.number for n in notices),
        )  # fmt: skip
    return notices


__all__ = [
    "changes_between",
    "findings_in",
    "portal_check_all",
    "portal_check_run",
    "portal_findings_send",
    "snapshot_of",
]
