"""Every write of routine supervision (R-4.3, R-4.4, R-5.3): one transaction, one event each.

A draw goes: `draw_open` (the lead agency's share of the seed is committed: its SM3 is
public, the share kept encrypted) → `seed_commit` (the Justice Bureau's share, the same way)
→ `draw_run` (the pools freeze with their digests, both shares are revealed and checked against
their commitments, the seed is their combination, subjects are selected per stratum and
inspectors per task with recusal and workload spread, tasks are created). Nothing of a draw is
ever overwritten: `redraw` keeps the old draw (superseded, its tasks cancelled) and opens a new
one naming it and the reason."""

from __future__ import annotations

import logging
import os
import secrets
import threading
import uuid
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from psycopg.adapt import Loader

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.models import Agency
from chengnuo.core import crypto, spine
from chengnuo.core.actors import Actor
from chengnuo.core.calendar import add_working_days
from chengnuo.core.digest import sm3_hex
from chengnuo.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors
from chengnuo.core.timefmt import local
from chengnuo.core.uploads import IMAGE_TYPE_MESSAGE, IMAGE_TYPES, check_upload

from . import draw as algorithm
from . import fastdraw, policies, rules
from .constants import (
    DEFAULT_PUBLICATION_DAYS,
    DRAW_UNDER_WAY,
    LEAD_INSPECTORS,
    MEMBER_INSPECTORS,
    DrawStatus,
    Event,
    ItemKind,
    Outcome,
    Party,
    PeriodKind,
    PlanStatus,
    Recusal,
    Route,
    Stratify,
    TaskStatus,
)
from .models import (
    Draw,
    InspectionItem,
    InspectionTask,
    InspectorEntry,
    Plan,
    PoolSnapshot,
    RecusalDeclaration,
    SeedShare,
    SubjectEntry,
    TaskPhoto,
)

FINDINGS_MAX_CHARS = 4000
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_FILES = 9
TASK_DAYS = 30  # working days an inspection task has

logger = logging.getLogger(__name__)


def new_ref(prefix: str) -> str:
    """An opaque public reference: random, never derived from personal data."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(10))


def publication_days() -> int:
    return int(getattr(settings, "SUPERVISION_PUBLICATION_DAYS", DEFAULT_PUBLICATION_DAYS))


def _require_admin(actor: Actor, agency_id: int | None, what: str) -> None:
    if policies.manages(actor, agency_id):
        return
    if agency_id is not None and policies.reads_agency(actor, agency_id):
        raise PermissionDenied(f"只有本机关的部门管理员可以{what}")
    raise NotFound()


def _text(value: Any, field: str, label: str, limit: int = 2000) -> tuple[str, FieldError | None]:
    from chengnuo.documents.element_rules import placeholder_problem

    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return "", FieldError(field, "required", f"请填写{label}")
    if len(text) > limit:
        return "", FieldError(field, "too_long", f"{label}不得超过{limit}字")
    problem = placeholder_problem(field, label, text)
    if problem is not None:
        return "", FieldError(field, "placeholder", problem.message)
    return text, None


# --- the inspection item list (抽查事项清单) ------------------------------------------------


def item_save(
    *,
    actor: Actor,
    agency: Agency,
    code: str,
    name: str,
    kind: str,
    legal_basis: str,
    content: str,
    matter_ids: list[int],
    method: str,
    frequency: str,
    ratio_by_class: Any,
    announce: bool = False,
) -> InspectionItem:
    """Create or change an entry of the agency's inspection item list (R-4.3)."""
    from chengnuo.catalog.models import Matter

    from .constants import Frequency, Method

    _require_admin(actor, agency.pk, "编制抽查事项清单")
    errors: list[FieldError] = []
    code = (code or "").strip() if isinstance(code, str) else ""
    if not code or len(code) > 40:
        errors.append(FieldError("code", "required", "请填写事项编码（不超过40个字符）"))
    values: dict[str, str] = {}
    for field, label, raw, limit in (
        ("name", "抽查事项名称", name, 200),
        ("legal_basis", "检查依据", legal_basis, 2000),
        ("content", "检查内容", content, 2000),
    ):
        values[field], error = _text(raw, field, label, limit)
        if error:
            errors.append(error)
    if kind not in ItemKind.values:
        errors.append(
            FieldError("kind", "invalid_item", "事项类别只能是一般检查事项或重点检查事项")
        )
    if method not in Method.values:
        errors.append(FieldError("method", "invalid_item", "请选择检查方式"))
    if frequency not in Frequency.values:
        errors.append(FieldError("frequency", "invalid_item", "请选择检查频次"))
    matters = list(Matter.objects.filter(pk__in=matter_ids or [], agency=agency))
    if not matters or len(matters) != len(set(matter_ids or [])):
        errors.append(
            FieldError("matters", "invalid_item", "请选择本机关办理的事项作为检查对象范围")
        )
    ratios, ratio_errors = rules.clean_ratios(kind, ratio_by_class)
    errors += ratio_errors
    raise_field_errors(errors)
    with transaction.atomic():
        item = InspectionItem.objects.select_for_update().filter(code=code).first()
        before = None
        if item is not None:
            if item.agency_id != agency.pk:
                raise Conflict("invalid_item", f"事项编码{code}已被其他机关使用")
            before = {"name": item.name, "ratio_by_class": item.ratio_by_class}
        else:
            item = InspectionItem(agency=agency, code=code)
        item.name = values["name"]
        item.kind = kind
        item.legal_basis = values["legal_basis"]
        item.content = values["content"]
        item.method = method
        item.frequency = frequency
        item.ratio_by_class = ratios
        item.announce = bool(announce)
        item.full_clean()
        item.save()
        item.matters.set(matters)
        spine.record(
            actor,
            Event.ITEM_SAVED,
            item,
            before,
            {"code": code, "name": item.name, "kind": kind, "ratio_by_class": ratios},
            message=f"保存抽查事项：{item.name}",
        )
    return item


def item_publish(*, actor: Actor, item: InspectionItem) -> InspectionItem:
    """Publish the entry on the portal (抽查事项清单向社会公布)."""
    _require_admin(actor, item.agency_id, "公布抽查事项清单")
    with transaction.atomic():
        item = InspectionItem.objects.select_for_update().get(pk=item.pk)
        if item.published:
            return item
        item.published = True
        item.published_at = timezone.now()
        item.save(update_fields=["published", "published_at"])
        spine.record(
            actor,
            Event.ITEM_PUBLISHED,
            item,
            {"published": False},
            {"published": True},
            message=f"公布抽查事项：{item.name}",
            visibility="public",
        )
    return item


# --- the directories (名录库) ---------------------------------------------------------------


def entry_from_case(*, case: Any, actor: Actor = None) -> SubjectEntry | None:
    """The holder of an approved case enters the directory of subjects for its matter, with the
    route it took (R-4.3: both routes stay under routine supervision). In the approving
    case's transaction ("case.approved")."""
    committed = case.commitments.filter(status="signed").exists()
    route = Route.COMMITMENT if committed else Route.PROOF
    credit_class = case.risk_level if case.risk_level in rules.CLASSES else "A"
    entry = SubjectEntry.objects.filter(
        subject_id=case.subject_id, matter_id=case.matter_id
    ).first()
    if entry is not None:
        changed = {"case": case.pk, "route": route, "credit_class": credit_class, "active": True}
        SubjectEntry.objects.filter(pk=entry.pk).update(
            case=case, route=route, credit_class=credit_class, active=True
        )
        spine.record(
            actor, Event.SUBJECT_LISTED, entry, None, changed, agency=case.agency, about=case
        )
        return entry
    entry = SubjectEntry.objects.create(
        ref=new_ref("DX"),
        subject_id=case.subject_id,
        matter_id=case.matter_id,
        agency_id=case.agency_id,
        case=case,
        route=route,
        region=case.agency.region,
        credit_class=credit_class,
        since=timezone.localdate(),
    )
    spine.record(
        actor,
        Event.SUBJECT_LISTED,
        entry,
        None,
        {"ref": entry.ref, "matter": case.matter.code, "route": route},
        agency=case.agency,
        about=case,
        message=f"纳入检查对象名录库：{case.matter.name}（公开编号{entry.ref}）",
    )
    return entry


def inspector_save(
    *, actor: Actor, agency: Agency, user: Any, qualification: str, region: str, active: bool = True
) -> InspectorEntry:
    """Put a staff member into the directory of inspectors (执法检查人员名录库)."""
    from chengnuo.agencies.constants import Region

    _require_admin(actor, agency.pk, "维护执法检查人员名录库")
    errors = []
    qualification = qualification.strip() if isinstance(qualification, str) else ""
    if not qualification:
        errors.append(FieldError("qualification", "required", "请填写执法证号"))
    if region not in Region.values:
        errors.append(FieldError("region", "invalid_input", "请选择行政区划"))
    if not user.memberships.filter(agency=agency).exists():
        errors.append(FieldError("user", "invalid_input", "只能登记本机关的工作人员"))
    raise_field_errors(errors)
    with transaction.atomic():
        entry, created = InspectorEntry.objects.select_for_update().get_or_create(
            user=user,
            agency=agency,
            defaults={"ref": new_ref("RY"), "qualification": qualification, "region": region},
        )
        entry.qualification = qualification
        entry.region = region
        entry.active = active
        entry.save(update_fields=["qualification", "region", "active"])
        spine.record(
            actor,
            Event.INSPECTOR_SAVED,
            entry,
            None,
            {"ref": entry.ref, "active": active, "created": created},
            message=f"执法检查人员名录：{user}（{'在岗' if active else '不在岗'}）",
        )
    return entry


def recusal_declare(
    *, actor: Actor, inspector: InspectorEntry, subject: Any, relation: str, note: str = ""
) -> RecusalDeclaration:
    """An inspector's relation to a subject that excludes them from inspecting it (回避),
    declared by the inspector or recorded by the agency admin."""
    own = getattr(actor, "pk", None) == inspector.user_id
    if not own:
        _require_admin(actor, inspector.agency_id, "登记回避关系")
    if relation not in Recusal.values or relation == Recusal.HANDLED_CASE:
        raise DomainError(
            "invalid_input",
            "回避事由只能是本人申报的利害关系、同户家庭成员或曾在该单位任职",
            field="relation",
        )
    with transaction.atomic():
        row, _ = RecusalDeclaration.objects.get_or_create(
            inspector=inspector, subject=subject, relation=relation, defaults={"note": note[:200]}
        )
        spine.record(
            actor,
            Event.RECUSAL_DECLARED,
            row,
            None,
            {"inspector": inspector.ref, "relation": relation},
            message=f"{inspector.user}申报回避：{Recusal(relation).label}",
        )
    return row


# --- plans ----------------------------------------------------------------------------------


def plan_create(
    *,
    actor: Actor,
    lead_agency: Agency,
    title: str,
    period_kind: str,
    period_start: date,
    period_end: date,
    item_ids: list[int],
    member_agency_ids: list[int] | None = None,
    stratify: str = Stratify.CREDIT_CLASS,
    scope: Any = None,
) -> Plan:
    """An annual or quarterly plan of the lead agency; with member agencies and their items a
    joint inspection (跨部门联合抽查). Its scope may narrow by region or industry, never by route
    (R-4.4)."""
    _require_admin(actor, lead_agency.pk, "制定抽查计划")
    errors = list(rules.scope_errors(scope))
    title_text, error = _text(title, "title", "计划名称", 200)
    if error:
        errors.append(error)
    if period_kind not in PeriodKind.values:
        errors.append(FieldError("period_kind", "invalid_period", "计划类型只能是年度或季度"))
    if not isinstance(period_start, date) or not isinstance(period_end, date):
        errors.append(FieldError("period_start", "invalid_period", "请填写计划期起止日期"))
    elif period_end < period_start or (period_end - period_start).days > 366:
        errors.append(
            FieldError("period_end", "invalid_period", "计划期止应不早于计划期起，且不超过一年")
        )
    if stratify not in Stratify.values:
        errors.append(FieldError("stratify", "invalid_plan", "请选择分层方式"))
    members = list(Agency.objects.filter(pk__in=member_agency_ids or []).exclude(pk=lead_agency.pk))
    if len(members) != len(set(member_agency_ids or []) - {lead_agency.pk}):
        errors.append(FieldError("member_agencies", "invalid_plan", "参与机关不存在"))
    agencies = {lead_agency.pk, *(m.pk for m in members)}
    items = list(
        InspectionItem.objects.filter(
            pk__in=item_ids or [], published=True, active=True, agency_id__in=agencies
        )
    )
    if not items or len(items) != len(set(item_ids or [])):
        errors.append(
            FieldError(
                "items",
                "invalid_plan",
                "请选择牵头机关或参与机关已公布的抽查事项（未公布的事项不能抽查）",
            )
        )
    elif members and not {i.agency_id for i in items} >= agencies:
        errors.append(
            FieldError("items", "invalid_plan", "联合抽查的每个参与机关都应有本机关的抽查事项")
        )
    raise_field_errors(errors)
    with transaction.atomic():
        plan = Plan.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:24]}",
            title=title_text,
            lead_agency=lead_agency,
            period_kind=period_kind,
            period_start=period_start,
            period_end=period_end,
            stratify=stratify,
            scope=scope or {},
            created_by=person_of(actor),
        )
        plan.number = f"JH{period_start:%Y}{plan.pk:05d}"
        plan.save(update_fields=["number"])
        plan.items.set(items)
        plan.member_agencies.set(members)
        spine.record(
            actor,
            Event.PLAN_CREATED,
            plan,
            None,
            {
                "number": plan.number,
                "items": sorted(i.code for i in items),
                "members": sorted(m.name for m in members),
                "period": [period_start, period_end],
                "scope": plan.scope,
            },
            message=f"制定{'联合' if members else ''}抽查计划：{title_text}",
        )
    return plan


# --- draws ----------------------------------------------------------------------------------


def _commit_share(
    draw: Draw, party: str, agency: Agency, actor: Actor, commitment: str = ""
) -> SeedShare:
    """A party's share of the seed: generated here and kept encrypted until the draw, or --
    when the party brings only its commitment -- held by the party itself, which reveals it
    after the pools freeze (`seed_reveal`)."""
    share = "" if commitment else secrets.token_hex(32)
    return SeedShare.objects.create(
        draw=draw,
        party=party,
        agency=agency,
        commitment=commitment or algorithm.share_commitment(share),
        share_cipher=crypto.encrypt(share) if share else "",
        committed_by=person_of(actor),
        committed_at=timezone.now(),
    )


HEX64 = frozenset("0123456789abcdef")


def clean_hex64(value: Any, field: str, label: str) -> str:
    """64 hexadecimal digits (a share or its SM3 commitment), as typed: spaces and case are
    forgiven; a value of one repeated digit is refused (a placeholder, not a random number)."""
    text = "".join(str(value or "").split()).lower()
    if not text:
        raise_field_errors([FieldError(field, "required", f"请填写{label}")])
    if len(text) != 64 or not set(text) <= HEX64:
        raise_field_errors(
            [FieldError(field, "invalid_format", f"{label}应为64位十六进制数字（0-9、a-f）")]
        )
    if len(set(text)) == 1:
        raise_field_errors([FieldError(field, "placeholder", f"{label}不能是同一数字的重复")])
    return text


def draw_open(*, actor: Actor, plan: Plan, replaces: Draw | None = None, reason: str = "") -> Draw:
    """Open a draw: the lead agency's share of the seed is committed now (R-4.3)."""
    _require_admin(actor, plan.lead_agency_id, "发起随机抽取")
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        open_draw = plan.draws.filter(status__in=DRAW_UNDER_WAY).first()
        if open_draw is not None:
            raise Conflict("already_committed", f"本计划已有进行中的抽取{open_draw.number}")
        if replaces is None and plan.draws.filter(status=DrawStatus.DONE).exists():
            raise Conflict("already_done", "本计划已完成抽取；如确需重新抽取，请写明理由")
        draw = Draw.objects.create(
            number=f"tmp-{uuid.uuid4().hex[:24]}",
            plan=plan,
            algorithm=algorithm.ALGORITHM,
            opened_by=person_of(actor),
            replaces=replaces,
            redraw_reason=reason,
        )
        draw.number = f"CQ{timezone.localdate():%Y%m%d}{draw.pk:05d}"
        draw.save(update_fields=["number"])
        share = _commit_share(draw, Party.LEAD, plan.lead_agency, actor)
        plan.status = PlanStatus.DRAWING
        plan.save(update_fields=["status"])
        spine.record(
            actor,
            Event.SEED_COMMITTED,
            draw,
            None,
            {"draw": draw.number, "party": Party.LEAD, "commitment": share.commitment},
            message=f"抽取{draw.number}：牵头机关提交随机数承诺 {share.commitment[:16]}…",
            visibility="public",
        )
    return draw


def seed_commit(*, actor: Actor, draw: Draw, commitment: Any = None) -> SeedShare:
    """The Justice Bureau's share (R-4.3: no single agency picks the seed). With a
    `commitment` (SM3 of a share the bureau drew itself, e.g. with its own tool or dice) the
    platform never holds the share: the bureau types it in after the pools freeze
    (`seed_reveal`). Without one the platform draws the share and keeps it encrypted."""
    plan = draw.plan
    if not policies.commits_for_justice(actor, plan.lead_agency_id):
        if policies.reads_plan(actor, plan):
            raise PermissionDenied("随机数的第二份由市司法局审核人员提交")
        raise NotFound()
    brought = ""
    if commitment not in (None, ""):
        brought = clean_hex64(commitment, "commitment", "随机数承诺（SM3）")
    from chengnuo.agencies.policies import memberships

    bureau = next(
        m.agency
        for m in memberships(actor)
        if m.agency is not None and m.agency.kind == "justice_bureau"
    )
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.status != DrawStatus.COMMITTING:
            raise Conflict("already_done", "该抽取已完成，不能再提交随机数")
        if draw.shares.filter(party=Party.JUSTICE).exists():
            raise Conflict("already_committed", "市司法局已提交本次抽取的随机数承诺")
        if brought and draw.shares.filter(commitment=brought).exists():
            raise_field_errors(
                [
                    FieldError(
                        "commitment",
                        "invalid_input",
                        "该承诺与牵头机关的承诺相同，请另行生成随机数",
                    )
                ]
            )
        share = _commit_share(draw, Party.JUSTICE, bureau, actor, brought)
        held = "（随机数由市司法局自行保管）" if brought else ""
        spine.record(
            actor,
            Event.SEED_COMMITTED,
            draw,
            None,
            {
                "draw": draw.number,
                "party": Party.JUSTICE,
                "commitment": share.commitment,
                "held_by_party": bool(brought),
            },
            agency=plan.lead_agency,
            message=f"抽取{draw.number}：市司法局提交随机数承诺 {share.commitment[:16]}…{held}",
            visibility="public",
        )
    return share


def _pack_text(text: bytes) -> bytes:
    """A pool's snapshot as stored (`PoolSnapshot.members_z`): a zlib stream of its text,
    Huffman coding only. References are random strings with little for LZ matching to find
    (0.59 of the text against 0.53 at level 1), at less than half the time."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_HUFFMAN_ONLY)
    return packer.compress(text) + packer.flush()


def _pack(members: list[str]) -> bytes:
    return _pack_text("\n".join(members).encode("utf-8"))


def draw_workers() -> int:
    """Processes that hash a large draw (the platform's cores; 1: in the request's own)."""
    configured = getattr(settings, "SUPERVISION_DRAW_WORKERS", None)
    if configured is not None:
        return max(1, int(configured))
    return max(1, min(2, os.cpu_count() or 1))


def _order_by_ref_sql() -> str:
    """Code point order (Python's) on PostgreSQL whatever the database's collation; SQLite's
    default (BINARY) already is."""
    if connection.vendor == "postgresql":
        return 'ORDER BY pool."ref" COLLATE "C"'
    return 'ORDER BY pool."ref"'


def _already_drawn(plan: Plan, items: list[InspectionItem]) -> set[int]:
    """Subjects drawn for one of the items in a plan overlapping this one's period."""
    return set(
        InspectionTask.objects.filter(
            items__in=[i.pk for i in items],
            plan__period_start__lte=plan.period_end,
            plan__period_end__gte=plan.period_start,
        )
        .exclude(status=TaskStatus.CANCELLED)
        .exclude(plan=plan)
        .values_list("entry__subject_id", flat=True)
    )


@dataclass
class Pool:
    """A frozen pool: per stratum key, the text of its members as its digest is taken (the
    members in code-point order joined by "\\n", UTF-8); the whole pool's too where the
    database joined it already. The database's order is checked when the draw is ranked
    (`rank_subjects` sorts a text read out of order before anything is taken of it)."""

    texts: dict[str, bytes]
    whole: bytes | None = None

    @property
    def size(self) -> int:
        return sum(fastdraw.count(t) for t in self.texts.values())

    def members(self, key: str) -> list[str]:
        """The stratum's members, sorted (one pass if they were read in order)."""
        return sorted(pool_members(self.texts[key]))

    @property
    def strata(self) -> dict[str, list[str]]:
        return {key: self.members(key) for key in sorted(self.texts)}


def pool_members(text: bytes) -> list[str]:
    return text.decode("utf-8").split("\n") if text else []


# a pool estimated at this many entries or more is read in ranges of its references, one per
# draw worker, by that many connections at once sharing the transaction's snapshot
SPLIT_FROM = 200_000
# the share of the directory's pages sampled to estimate a pool's size and its ranges' bounds
SAMPLE_PERCENT = 0.2


def _split_bounds(table: str, matter_id: int, parts: int) -> list[str]:
    """References that cut a matter's pool into `parts` ranges of about equal size, from a
    sample of the directory's pages; [] for one range: a small pool, one worker, outside a
    transaction (the snapshot would not outlive the statement), or a transaction that has
    itself changed the directory (other connections cannot see its uncommitted rows)."""
    if parts < 2 or not connection.in_atomic_block:
        return []
    with connection.cursor() as cursor:
        # a transaction that wrote to a table holds a lock on it of this kind until its end
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND relation = %s::regclass AND mode = ANY(%s))",
            [
                SubjectEntry._meta.db_table,
                [
                    "RowExclusiveLock",
                    "ShareRowExclusiveLock",
                    "ExclusiveLock",
                    "AccessExclusiveLock",
                ],
            ],
        )
        if cursor.fetchone()[0]:
            return []
        cursor.execute(
            f'SELECT "ref" FROM {table} TABLESAMPLE SYSTEM (%s) REPEATABLE (0) '
            'WHERE "matter_id" = %s AND "active"',
            [SAMPLE_PERCENT, matter_id],
        )
        sample = sorted(ref for (ref,) in cursor.fetchall())
    if len(sample) * 100 / SAMPLE_PERCENT < SPLIT_FROM:
        return []
    bounds = sorted({sample[len(sample) * k // parts] for k in range(1, parts)})
    return bounds


class _AsBytes(Loader):
    """Text as the bytes that came (UTF-8): a pool's text is digested and stored as bytes."""

    def load(self, data: Any) -> bytes:
        return bytes(data)


def _read_ranges(sql: str, params: list[Any], bounds: list[str]) -> list[list[tuple]]:
    """The pool query once per range of references between the bounds, each on its own
    connection in a read-only transaction on this transaction's snapshot (exported), all at
    once: the database scans and joins on as many cores. Rows per range, in range order."""
    import psycopg
    from psycopg import sql as pgsql

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    settings_ = connection.get_connection_params()
    ranges = [(None, *bounds), (*bounds, None)]
    results: list[list[tuple] | None] = [None] * (len(bounds) + 1)
    failures: list[BaseException] = []

    def read(index: int, low: str | None, high: str | None) -> None:
        where, values = [], list(params)
        if low is not None:
            where.append('"ref" COLLATE "C" >= %s')
            values.append(low)
        if high is not None:
            where.append('"ref" COLLATE "C" < %s')
            values.append(high)
        try:
            with psycopg.connect(**settings_, autocommit=True) as conn, conn.cursor() as cur:
                cur.adapters.register_loader("text", _AsBytes)
                cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(snapshot))
                cur.execute(sql.replace("{RANGE}", "".join(f" AND {w}" for w in where)), values)
                results[index] = cur.fetchall()
                cur.execute("COMMIT")
        except BaseException as exc:  # re-raised by the caller
            failures.append(exc)

    threads = [
        threading.Thread(target=read, args=(i, low, high), daemon=True)
        for i, (low, high) in enumerate(zip(*ranges, strict=True))
    ]
    for thread in threads[1:]:
        thread.start()
    threads[0].run()  # the first range in this thread
    for thread in threads[1:]:
        thread.join()
    if failures:
        raise failures[0]
    return [r or [] for r in results]


def _pool_postgresql(
    matter_id: int, scope: dict[str, Any], drawn: set[int], by_region: bool
) -> Pool:
    """One matter on PostgreSQL: the entries read in code-point order of their reference
    (the index `entry_matter_ref_c` covers the query: no sort, no table access), joined by
    the database per stratum and as a whole in the same pass (the aggregate keeps the order
    of its input), so a million references cross as a few strings. A large pool is read in
    ranges of references at once (`_read_ranges`), whose texts are joined in range order."""
    table = connection.ops.quote_name(SubjectEntry._meta.db_table)
    where = ['"active"', '"matter_id" = %s']
    params: list[Any] = [matter_id]
    if scope.get("regions"):
        where.append('"region" = ANY(%s)')
        params.append(list(scope["regions"]))
    if scope.get("industries"):
        where.append('"industry" = ANY(%s)')
        params.append(list(scope["industries"]))
    if drawn:
        where.append('NOT ("subject_id" = ANY(%s))')
        params.append(sorted(drawn))
    area = '"region"' if by_region else "''"
    sql = (
        f'SELECT "credit_class", {area}, string_agg("ref", E\'\\n\'), GROUPING("credit_class") '
        f'FROM (SELECT "ref", "credit_class", "region" FROM {table} WHERE {" AND ".join(where)}'
        '{RANGE} ORDER BY "ref" COLLATE "C") AS pool GROUP BY GROUPING SETS ((1, 2), ())'
    )
    parts: list[list[tuple]] = []
    bounds = _split_bounds(table, matter_id, draw_workers())
    if bounds:
        try:
            parts = _read_ranges(sql, params, bounds)
        except Exception:  # the same pool by one query, below
            logger.warning("pool of matter %s: ranges not read at once", matter_id, exc_info=True)
            parts = []
    if not parts:
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("{RANGE}", ""), params)
            parts = [cursor.fetchall()]
    pieces: dict[str, list[bytes]] = defaultdict(list)
    whole: list[bytes] = []
    for rows in parts:
        for cls, region, joined, total in rows:
            text = joined.encode("utf-8") if isinstance(joined, str) else bytes(joined or b"")
            if not text:
                continue
            if total:
                whole.append(text)
            else:
                pieces[
                    f"{_text_of(region)}/{_text_of(cls)}" if by_region else _text_of(cls)
                ].append(text)
    return Pool(
        texts={key: b"\n".join(chunks) for key, chunks in pieces.items()},
        whole=b"\n".join(whole),
    )


def _text_of(value: Any) -> str:
    return bytes(value).decode("utf-8") if isinstance(value, bytes | memoryview) else str(value)


def frozen_pool(plan: Plan) -> Pool:
    """The subjects that may be drawn, per stratum key, each sorted by code point: holders
    of the plan items' matters (both routes), in its scope, one reference per subject (its
    lowest; its poorest credit class), minus those already drawn for one of the items in a
    plan overlapping this one's period (避免烦企扰民).

    One plain scan of the directory: no grouping or anti-join in the query (the subjects
    already drawn are few and read first), rows in reference order, so that sorting here
    is a single pass and the strata come out sorted."""
    items = list(plan.items.all())
    matter_ids = sorted({m.pk for i in items for m in i.matters.all()})
    drawn = _already_drawn(plan, items)
    scope = plan.scope or {}
    by_region = plan.stratify == Stratify.REGION
    if connection.vendor == "postgresql" and len(matter_ids) == 1:
        return _pool_postgresql(matter_ids[0], scope, drawn, by_region)
    rows = SubjectEntry.objects.filter(active=True, matter_id__in=matter_ids)
    if scope.get("regions"):
        rows = rows.filter(region__in=scope["regions"])
    if scope.get("industries"):
        rows = rows.filter(industry__in=scope["industries"])
    sql, params = (
        rows.values_list("subject_id", "ref", "credit_class", "region").order_by().query
    ).sql_with_params()
    fetched: list[tuple[str, str, str]] = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM ({sql}) AS pool {_order_by_ref_sql()}", params)
        if len(matter_ids) == 1:  # one entry per subject and matter: nothing to merge
            while batch := cursor.fetchmany(100_000):
                fetched += [(r, c, a) for s, r, c, a in batch if s not in drawn]
        else:
            first: dict[int, list[str]] = {}
            while batch := cursor.fetchmany(100_000):
                for subject_id, ref, cls, area in batch:
                    if subject_id in drawn:
                        continue
                    seen = first.get(subject_id)
                    if seen is None:
                        first[subject_id] = [ref, cls, area]
                    elif cls > seen[1]:
                        seen[1] = cls  # the poorest class of the subject's entries
            fetched = [(r, c, a) for r, c, a in first.values()]
    fetched.sort()  # in reference order already: one pass
    strata: dict[str, list[str]] = defaultdict(list)
    for ref, cls, area in fetched:
        strata[f"{area}/{cls}" if by_region else cls].append(ref)
    return Pool(texts={key: algorithm.pool_text(refs) for key, refs in strata.items()})


def _stratum_label(key: str) -> str:
    from chengnuo.agencies.constants import Region

    if "/" in key:
        area, cls = key.split("/", 1)
        return f"{Region(area).label} · {cls}类" if area in Region.values else key
    return f"{key}类"


@dataclass
class Ranked:
    """A draw's subjects: per stratum its size, digest, quota and selection; the strata's
    snapshots (zlib); the whole pool's size and digest."""

    strata: list[dict[str, Any]]
    packed: dict[str, bytes]
    pool_size: int
    pool_digest: str


def _in_order(text: bytes) -> bytes:
    """A pool's text with its members sorted (for a text found out of order)."""
    return b"\n".join(sorted(text.split(b"\n"))) if text else b""


def rank_subjects(
    seed: str, pool: Pool, ratios: list[dict[str, float]], fraction: float, *, select: bool = True
) -> Ranked:
    """Quota and selection per stratum (the ratio of the stratum's credit class). A large
    pool is hashed by forked workers while this process digests and packs the pools; a
    text found out of order is sorted and ranked again. `select=False`: the pools as they
    freeze before the seed is known (sizes, digests, quotas, snapshots; nothing selected)."""
    texts = dict(pool.texts)
    keys = sorted(texts)
    sizes = {key: fastdraw.count(texts[key]) for key in keys}
    percents = {key: rules.ratio_for(ratios, key.rsplit("/", 1)[-1]) for key in keys}
    quotas = {key: rules.quota(sizes[key], percents[key], fraction) for key in keys}
    whole = pool.whole
    selection = fastdraw.Selection(
        seed,
        [(texts[key], quotas[key] if select else 0) for key in keys],
        check=[whole] if whole is not None else [],
        workers=draw_workers() if select else 1,
    )
    digests = {key: algorithm.digest_text(texts[key]) for key in keys}
    packed = {key: _pack_text(texts[key]) for key in keys}
    whole_digest = algorithm.digest_text(whole) if whole is not None else ""
    chosen, checked = selection.result()
    selected = dict(zip(keys, chosen, strict=True))
    for key in keys:
        if selected[key] is None:  # out of order as read: sorted, then as any pool
            texts[key] = _in_order(texts[key])
            digests[key] = algorithm.digest_text(texts[key])
            packed[key] = _pack_text(texts[key])
            selected[key] = (
                algorithm.select(seed, pool_members(texts[key]), quotas[key]) if select else []
            )
    if whole is None or not all(checked):
        union = sorted(m for key in keys for m in pool_members(texts[key]))
        whole_digest = algorithm.pool_digest(union, presorted=True)
    result = [
        {
            "key": key,
            "label": _stratum_label(key),
            "size": sizes[key],
            "pool_digest": digests[key],
            "ratio": percents[key],
            "quota": quotas[key],
            "selected": selected[key],
        }
        for key in keys
    ]
    return Ranked(
        strata=result, packed=packed, pool_size=sum(sizes.values()), pool_digest=whole_digest
    )


def _handled_by(subject_ids: list[int]) -> dict[int, set[int]]:
    """Staff who started or decided a case of each subject (they recuse themselves)."""
    from chengnuo.cases.models import Case

    handled: dict[int, set[int]] = defaultdict(set)
    for subject_id, started, decided in Case.objects.filter(subject_id__in=subject_ids).values_list(
        "subject_id", "started_by_id", "decided_by_id"
    ):
        handled[subject_id].update(u for u in (started, decided) if u)
    return handled


def _inspector_pools(plan: Plan) -> tuple[list[Agency], list[InspectorEntry], dict[str, list[str]]]:
    agencies = [plan.lead_agency, *plan.member_agencies.order_by("pk")]
    rows = list(
        InspectorEntry.objects.filter(agency__in=agencies, active=True)
        .select_related("user")
        .order_by("ref")
    )
    pools = {str(a.pk): [r.ref for r in rows if r.agency_id == a.pk] for a in agencies}
    return agencies, rows, pools


def _reveal(shares: dict[str, SeedShare], typed: str, now: Any) -> str:
    """Both shares revealed (the Justice Bureau's as typed in, where it holds it) and checked
    against their commitments; the seed."""
    revealed = []
    for party in (Party.LEAD, Party.JUSTICE):
        share = shares[party]
        value = typed if party == Party.JUSTICE and typed else crypto.decrypt(share.share_cipher)
        if algorithm.share_commitment(value) != share.commitment:
            raise Conflict("draw_not_ready", "随机数与其承诺不符，抽取中止")
        share.share = value
        share.revealed_at = now
        share.save(update_fields=["share", "revealed_at"])
        revealed.append(value)
    return algorithm.combine_seed(revealed)


def _snapshots(draw: Draw, ranked: list[dict[str, Any]], packed: dict[str, bytes],
               inspector_pools: dict[str, list[str]]) -> None:  # fmt: skip
    PoolSnapshot.objects.bulk_create(
        [
            PoolSnapshot(
                draw=draw,
                kind=PoolSnapshot.Kind.SUBJECTS,
                key=s["key"],
                size=s["size"],
                digest=s["pool_digest"],
                members_z=packed[s["key"]],
            )
            for s in ranked
        ]
        + [
            PoolSnapshot(
                draw=draw,
                kind=PoolSnapshot.Kind.INSPECTORS,
                key=key,
                size=len(refs),
                digest=algorithm.pool_digest(refs),
                members_z=_pack(sorted(refs)),
            )
            for key, refs in inspector_pools.items()
        ]
    )


def _plan_ratios(plan: Plan) -> tuple[list[InspectionItem], list[dict[str, float]], float]:
    items = list(plan.items.all())
    ratios = [i.ratio_by_class for i in items]
    return items, ratios, rules.period_fraction(plan.period_start, plan.period_end)


def draw_run(*, actor: Actor, draw: Draw) -> Draw:
    """Freeze the pools, reveal the seed, select subjects and inspectors, create the tasks.
    Where the Justice Bureau holds its share itself, the pools freeze now and the draw
    completes when the bureau reveals the share (`seed_reveal`)."""
    plan = draw.plan
    _require_admin(actor, plan.lead_agency_id, "执行随机抽取")
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.status == DrawStatus.FROZEN:
            raise Conflict(
                "draw_not_ready", f"抽取{draw.number}的名录已冻结，等待市司法局公开随机数"
            )
        if draw.status != DrawStatus.COMMITTING:
            raise Conflict("already_done", f"抽取{draw.number}已于{local(draw.drawn_at)}完成")
        shares = {s.party: s for s in draw.shares.all()}
        if set(shares) != {Party.LEAD, Party.JUSTICE}:
            raise Conflict(
                "draw_not_ready", "市司法局尚未提交随机数承诺：双方都提交后才能冻结名录并抽取"
            )
        now = timezone.now()
        # 1. the pools freeze (after both commitments: their times are on record before this)
        pool = frozen_pool(plan)
        if not pool.size:
            raise DomainError("empty_pool", "检查对象名录库中没有符合本计划的对象，无法抽取")
        agencies, inspector_rows, inspector_pools = _inspector_pools(plan)
        items, ratios, fraction = _plan_ratios(plan)
        if not shares[Party.JUSTICE].share_cipher:  # the bureau reveals its share itself, next
            frozen = rank_subjects("", pool, ratios, fraction, select=False)
            _snapshots(draw, frozen.strata, frozen.packed, inspector_pools)
            draw.status = DrawStatus.FROZEN
            draw.pool_size = frozen.pool_size
            draw.pool_digest = frozen.pool_digest
            draw.quota = sum(s["quota"] for s in frozen.strata)
            draw.strata = frozen.strata
            draw.inspectors = {"algorithm": algorithm.INSPECTOR_ALGORITHM, "pools": inspector_pools}
            draw.frozen_at = now
            draw.save(update_fields=["status", "pool_size", "pool_digest", "quota", "strata",
                                     "inspectors", "frozen_at"])  # fmt: skip
            spine.record(
                actor,
                Event.POOL_FROZEN,
                draw,
                {"status": DrawStatus.COMMITTING},
                {
                    "status": DrawStatus.FROZEN,
                    "pool_digest": draw.pool_digest,
                    "pool_size": draw.pool_size,
                    "strata": [
                        {"key": s["key"], "pool_digest": s["pool_digest"], "quota": s["quota"]}
                        for s in frozen.strata
                    ],
                },
                message=f"抽取{draw.number}：检查对象名录已冻结（{draw.pool_size}个，摘要"
                f"{draw.pool_digest[:16]}…），等待市司法局公开随机数",
                visibility="public",
            )
            return draw
        # 2. the seed is revealed and checked
        seed = _reveal(shares, "", now)
        # 3. subjects per stratum
        ranking = rank_subjects(seed, pool, ratios, fraction)
        _snapshots(draw, ranking.strata, ranking.packed, inspector_pools)
        return _complete(actor, draw, plan, seed, ranking, items, agencies, inspector_rows,
                         inspector_pools, frozen_at=now)  # fmt: skip


def seed_reveal(*, actor: Actor, draw: Draw, share: Any) -> Draw:
    """The Justice Bureau reveals the share it held itself, after the pools froze: checked
    against its commitment, then the lead agency's share is revealed, the seed combined and
    the draw completed on the frozen pools (their digests checked again first)."""
    plan = draw.plan
    if not policies.commits_for_justice(actor, plan.lead_agency_id):
        if policies.reads_plan(actor, plan):
            raise PermissionDenied("随机数由市司法局审核人员公开")
        raise NotFound()
    typed = clean_hex64(share, "share", "随机数")
    with transaction.atomic():
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.status == DrawStatus.COMMITTING:
            raise Conflict("draw_not_ready", "名录尚未冻结：请牵头机关先冻结名录，再公开随机数")
        if draw.status != DrawStatus.FROZEN:
            raise Conflict("already_done", f"抽取{draw.number}已完成")
        shares = {s.party: s for s in draw.shares.all()}
        if algorithm.share_commitment(typed) != shares[Party.JUSTICE].commitment:
            raise_field_errors(
                [FieldError("share", "share_mismatch",
                            "输入的随机数与市司法局此前公开的承诺不符，请核对后重新输入")]
            )  # fmt: skip
        now = timezone.now()
        seed = _reveal(shares, typed, now)
        snaps = list(PoolSnapshot.objects.filter(draw=draw).order_by("kind", "key"))
        pool = Pool(
            texts={
                p.key: zlib.decompress(bytes(p.members_z))
                for p in snaps
                if p.kind == PoolSnapshot.Kind.SUBJECTS
            }
        )
        items, ratios, fraction = _plan_ratios(plan)
        ranking = rank_subjects(seed, pool, ratios, fraction)
        frozen = {s["key"]: s["pool_digest"] for s in draw.strata}
        if ranking.pool_digest != draw.pool_digest or frozen != {
            s["key"]: s["pool_digest"] for s in ranking.strata
        }:
            raise Conflict("snapshot_changed", "冻结的名录与其公开的摘要不符，抽取中止，请重新抽取")
        agencies = [plan.lead_agency, *plan.member_agencies.order_by("pk")]
        inspector_pools = {
            p.key: p.members() for p in snaps if p.kind == PoolSnapshot.Kind.INSPECTORS
        }
        refs = [r for members in inspector_pools.values() for r in members]
        inspector_rows = list(
            InspectorEntry.objects.filter(ref__in=refs).select_related("user").order_by("ref")
        )
        return _complete(actor, draw, plan, seed, ranking, items, agencies, inspector_rows,
                         inspector_pools, frozen_at=draw.frozen_at or now)  # fmt: skip


def _complete(
    actor: Actor,
    draw: Draw,
    plan: Plan,
    seed: str,
    ranking: Ranked,
    items: list[InspectionItem],
    agencies: list[Agency],
    inspector_rows: list[InspectorEntry],
    inspector_pools: dict[str, list[str]],
    *,
    frozen_at: Any,
) -> Draw:
    """The drawn subjects' tasks with their inspectors; the draw done (inside the caller's
    transaction)."""
    previous = draw.status
    ranked = ranking.strata
    selected = sorted(r for s in ranked for r in s["selected"])
    # 4. tasks: each drawn subject, the plan items applying to it, its inspectors
    entries = {
        e.ref: e for e in SubjectEntry.objects.filter(ref__in=selected).select_related("subject")
    }
    held = defaultdict(set)
    for subject_id, matter_id in SubjectEntry.objects.filter(
        subject_id__in=[e.subject_id for e in entries.values()], active=True
    ).values_list("subject_id", "matter_id"):
        held[subject_id].add(matter_id)
    item_matters = {i.pk: {m.pk for m in i.matters.all()} for i in items}
    handled = _handled_by([e.subject_id for e in entries.values()])
    declared: dict[tuple[int, int], set[str]] = defaultdict(set)
    for inspector_id, subject_id, relation in RecusalDeclaration.objects.filter(
        subject_id__in=[e.subject_id for e in entries.values()]
    ).values_list("inspector_id", "subject_id", "relation"):
        declared[(inspector_id, subject_id)].add(relation)
    specs = []
    task_items: dict[str, list[InspectionItem]] = {}
    for ref in selected:
        entry = entries[ref]
        applying = [i for i in items if item_matters[i.pk] & held[entry.subject_id]]
        task_items[ref] = applying
        need = {str(plan.lead_agency_id): LEAD_INSPECTORS}
        for a in agencies[1:]:
            if any(i.agency_id == a.pk for i in applying):
                need[str(a.pk)] = MEMBER_INSPECTORS
        excluded = sorted(
            r.ref
            for r in inspector_rows
            if rules.recusal_reasons(
                rules.RecusalFacts(
                    handled_case=r.user_id in handled[entry.subject_id],
                    declared=frozenset(declared[(r.pk, entry.subject_id)]),
                )
            )
        )
        specs.append({"subject": ref, "need": need, "excluded": excluded})
    assigned = algorithm.select_inspectors(seed, specs, inspector_pools)
    short = [a for a in assigned if a["short"]]
    if short:
        raise DomainError(
            "not_enough_inspectors",
            f"执法检查人员不足：{len(short)}个检查对象无法按回避规则配齐检查人员"
            "（每个任务至少两名），请先补充执法检查人员名录库",
        )
    by_ref = {r.ref: r for r in inspector_rows}
    spec_of = {s["subject"]: s for s in specs}
    due = add_working_days(timezone.localdate(), TASK_DAYS)
    tasks = InspectionTask.objects.bulk_create(
        [
            InspectionTask(
                number=f"tmp-{uuid.uuid4().hex[:24]}",
                plan=plan,
                draw=draw,
                entry=entries[a["subject"]],
                due_date=min(due, max(plan.period_end, timezone.localdate())),
            )
            for a in assigned
        ]
    )
    for task in tasks:
        if task.pk is None:  # a backend that does not return ids
            task.pk = InspectionTask.objects.get(number=task.number).pk
        task.number = f"RW{draw.pk:05d}{task.pk:07d}"
    InspectionTask.objects.bulk_update(tasks, ["number"], batch_size=2000)
    through_items = InspectionTask.items.through
    through_inspectors = InspectionTask.inspectors.through
    through_items.objects.bulk_create(
        [
            through_items(inspectiontask_id=t.pk, inspectionitem_id=i.pk)
            for t, a in zip(tasks, assigned, strict=True)
            for i in task_items[a["subject"]]
        ],
        batch_size=5000,
    )
    through_inspectors.objects.bulk_create(
        [
            through_inspectors(inspectiontask_id=t.pk, inspectorentry_id=by_ref[r].pk)
            for t, a in zip(tasks, assigned, strict=True)
            for refs in a["selected"].values()
            for r in refs
        ],
        batch_size=5000,
    )
    draw.status = DrawStatus.DONE
    draw.seed = seed
    draw.pool_size = ranking.pool_size
    draw.pool_digest = ranking.pool_digest
    draw.quota = len(selected)
    draw.strata = ranked
    draw.inspectors = {
        "algorithm": algorithm.INSPECTOR_ALGORITHM,
        "pools": inspector_pools,
        "tasks": [{**spec_of[a["subject"]], "selected": a["selected"]} for a in assigned],
    }
    draw.frozen_at = frozen_at
    draw.drawn_at = timezone.now()
    draw.save(
        update_fields=[
            "status",
            "seed",
            "pool_size",
            "pool_digest",
            "quota",
            "strata",
            "inspectors",
            "frozen_at",
            "drawn_at",
        ]
    )
    plan.status = PlanStatus.DRAWN
    plan.save(update_fields=["status"])
    spine.record(
        actor,
        Event.DRAWN,
        draw,
        {"status": previous},
        {
            "status": DrawStatus.DONE,
            "seed": seed,
            "pool_digest": draw.pool_digest,
            "pool_size": draw.pool_size,
            "quota": draw.quota,
            "strata": [
                {"key": s["key"], "pool_digest": s["pool_digest"], "quota": s["quota"]}
                for s in ranked
            ],
        },
        message=f"随机抽取{draw.number}：从{draw.pool_size}个检查对象中抽取{draw.quota}个",
        visibility="public",
    )
    return draw


def redraw(*, actor: Actor, draw: Draw, reason: str) -> Draw:
    """A new draw replacing a completed one, with the reason; the old one stays public, its
    unfinished tasks are cancelled (never deleted)."""
    from chengnuo.cases.rules import clean_reason

    _require_admin(actor, draw.plan.lead_agency_id, "重新抽取")
    text, error = clean_reason(reason, field="reason", label="重新抽取理由")
    if error is None:
        _, error = _text(text, "reason", "重新抽取理由")
    if error:
        raise_field_errors([FieldError(error.field, "reason_required", error.message)])
    with transaction.atomic():
        old = Draw.objects.select_for_update().get(pk=draw.pk)
        if old.status not in (DrawStatus.DONE, DrawStatus.FROZEN):
            raise Conflict("not_drawn", "只有已完成或名录已冻结的抽取才能重新抽取")
        if old.tasks.exclude(status__in=(TaskStatus.ASSIGNED, TaskStatus.CANCELLED)).exists():
            raise Conflict("task_closed", "本次抽取已有检查完成的任务，不能重新抽取")
        previous = old.status
        old.status = DrawStatus.SUPERSEDED
        old.save(update_fields=["status"])
        cancelled = old.tasks.filter(status=TaskStatus.ASSIGNED).update(status=TaskStatus.CANCELLED)
        spine.record(
            actor,
            Event.REDRAWN,
            old,
            {"status": previous},
            {"status": DrawStatus.SUPERSEDED, "reason": text, "tasks_cancelled": cancelled},
            message=f"抽取{old.number}重新抽取，理由：{text}",
            visibility="public",
        )
    return draw_open(actor=actor, plan=old.plan, replaces=old, reason=text)


# --- execution -------------------------------------------------------------------------------


def assert_inspector(actor: Actor, task: InspectionTask) -> None:
    if task.inspectors.filter(user_id=getattr(actor, "pk", 0) or 0).exists():
        return
    if policies.reads_plan(actor, task.plan):
        raise PermissionDenied("只有抽中的检查人员可以录入检查结果")
    raise NotFound()


def task_notify(*, actor: Actor, task: InspectionTask) -> InspectionTask:
    """Tell the subject of the coming inspection, where an item of the visit allows notice
    (the others are unannounced). The notice is on the subject's case history."""
    assert_inspector(actor, task)
    with transaction.atomic():
        locked = InspectionTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
        if locked.status != TaskStatus.ASSIGNED:
            raise Conflict("task_closed", "该任务已录入结果或已取消，无需告知")
        if locked.notice_sent_at is not None:
            raise Conflict("already_done", f"已于{local(locked.notice_sent_at)}告知检查对象")
        items = list(locked.items.all())
        if not any(i.announce for i in items):
            raise DomainError(
                "invalid_result", "本次检查的事项均不事先告知检查对象（不打招呼、直奔现场）"
            )
        locked.notice_sent_at = timezone.now()
        locked.save(update_fields=["notice_sent_at"])
        names = "、".join(i.name for i in items)
        entry = locked.entry
        spine.record(
            actor,
            Event.TASK_NOTICE,
            locked,
            None,
            {"task": locked.number, "due_date": locked.due_date},
            about=entry.case or locked.plan,
            agency=locked.plan.lead_agency,
            message=f"{locked.plan.lead_agency.name}将于{locked.due_date:%Y-%m-%d}前对您进行"
            f"双随机抽查：{names}",
        )
    return locked


def task_complete(
    *,
    actor: Actor,
    task: InspectionTask,
    outcome: str,
    findings: str,
    photos: list[Any] | None = None,
    commitment_id: int | None = None,
) -> InspectionTask:
    """An inspector drawn for the task records the findings, photos and outcome. An untrue
    commitment found here goes into the handling of untrue commitments (R-4.8) and credit:
    a concluded on-site verification task of the commitment, which its officer handles."""
    assert_inspector(actor, task)
    errors: list[FieldError] = []
    if outcome not in Outcome.values:
        errors.append(FieldError("outcome", "invalid_result", "请选择检查结果"))
    text, error = _text(findings, "findings", "检查情况", FINDINGS_MAX_CHARS)
    if error:
        errors.append(error)
    uploads = [p for p in (photos or []) if p]
    if len(uploads) > PHOTO_MAX_FILES:
        errors.append(FieldError("photos", "invalid_result", f"最多上传{PHOTO_MAX_FILES}张照片"))
    commitment = None
    if outcome == Outcome.UNTRUE_COMMITMENT:
        from chengnuo.cases.models import Commitment

        commitment = Commitment.objects.filter(
            pk=commitment_id or 0, subject_id=task.entry.subject_id, status="signed"
        ).first()
        if commitment is None:
            errors.append(FieldError("commitment", "invalid_result", "请选择经检查发现不实的承诺"))
    raise_field_errors(errors)
    checked = [
        check_upload(
            p,
            field="photos",
            limit=PHOTO_MAX_BYTES,
            each="每张照片",
            default_name="照片",
            noun="照片",
            types=IMAGE_TYPES,
            type_message=IMAGE_TYPE_MESSAGE,
        )
        for p in uploads
    ]
    saved: list[str] = []
    try:
        with transaction.atomic():
            locked = InspectionTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
            if locked.status != TaskStatus.ASSIGNED:
                raise Conflict(
                    "task_closed", f"该任务已于{local(locked.completed_at)}录入结果或已取消"
                )
            digests = []
            for c in checked:
                photo = TaskPhoto(
                    task=locked,
                    original_name=c.name,
                    size=c.size,
                    content_type=c.content_type,
                    digest=sm3_hex(c.data),
                    uploaded_by=person_of(actor),
                )
                photo.file.save(
                    f"{uuid.uuid4().hex}.{c.extension}", ContentFile(c.data), save=False
                )
                saved.append(photo.file.name)
                photo.save()
                digests.append(photo.digest)
            today = timezone.localdate()
            locked.status = TaskStatus.DONE
            locked.outcome = outcome
            locked.findings = text
            locked.completed_at = timezone.now()
            locked.completed_by = person_of(actor)
            locked.publish_by = add_working_days(today, publication_days())
            locked.save(
                update_fields=[
                    "status",
                    "outcome",
                    "findings",
                    "completed_at",
                    "completed_by",
                    "publish_by",
                ]
            )
            spine.record(
                actor,
                Event.TASK_DONE,
                locked,
                {"status": TaskStatus.ASSIGNED},
                {
                    "status": TaskStatus.DONE,
                    "outcome": outcome,
                    "findings": text,
                    "photos": digests,
                },
                message=f"抽查任务{locked.number}：{Outcome(outcome).label}",
            )
            if commitment is not None:
                from chengnuo.verification import internal as verification

                verification.untrue_from_supervision(
                    commitment=commitment,
                    note=f"双随机抽查（任务{locked.number}）发现承诺不实：{text}",
                    actor=actor,
                )
    except Exception:
        for name in saved:
            default_storage.delete(name)
        raise
    return locked


def task_publish(*, actor: Actor, task: InspectionTask) -> InspectionTask:
    """一公开: the result goes on the portal and, through the outbox, to the 互联网+监管
    platform. By the agency admin, or by the daily job on the last day allowed."""
    from chengnuo.core.actors import SystemActor

    if not isinstance(actor, SystemActor):
        _require_admin(actor, task.plan.lead_agency_id, "公开检查结果")
    with transaction.atomic():
        locked = InspectionTask.objects.select_for_update(of=("self",)).get(pk=task.pk)
        if locked.status == TaskStatus.PUBLISHED:
            return locked
        if locked.status != TaskStatus.DONE:
            raise Conflict("not_drawn", "检查完成后才能公开结果")
        locked.status = TaskStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
        from . import push

        push.enqueue_result(locked)
        spine.record(
            actor,
            Event.RESULT_PUBLISHED,
            locked,
            {"status": TaskStatus.DONE},
            {"status": TaskStatus.PUBLISHED, "outcome": locked.outcome},
            message=f"公开抽查结果：任务{locked.number} {locked.get_outcome_display()}",
            visibility="public",
        )
    return locked


def publish_due(*, today: date | None = None) -> int:
    """Publish every result whose last allowed day has come (the daily job): none is late."""
    from chengnuo.core.actors import SystemActor

    today = today or timezone.localdate()
    ids = list(
        InspectionTask.objects.filter(status=TaskStatus.DONE, publish_by__lte=today)
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
    for pk in ids:
        task_publish(actor=SystemActor("检查结果公开（定时）"), task=InspectionTask(pk=pk))
    return len(ids)
