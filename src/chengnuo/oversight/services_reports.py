"""Writes of circulated reports (督察情况通报, R-8.2), each in one transaction with its event.

- `report_draft`: a Justice Bureau reviewer drafts a report for a period; the figures of the
  agencies it oversees are captured, a first text is written from them (总体情况, 存在问题
  naming the agencies with overdue verification, assistance requests, complaints and key tasks,
  下一步要求), and those agencies are its recipients.
- `report_edit`: title, sections and recipients, while a draft; every save is kept (the
  history).
- `report_issue`: the number in sequence per bureau and year (阜司督通〔2026〕3号), assigned
  under a lock on the issuing bureau's row; once; never with an empty or placeholder section.
- `report_acknowledge`: the admin of an addressed agency acknowledges it, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chengnuo.accounts.actors import person_of
from chengnuo.agencies.constants import Level, Region
from chengnuo.agencies.models import Agency
from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import Conflict, NotFound, PermissionDenied
from chengnuo.core.rules import FieldError, raise_field_errors

from . import policies_reports as policies
from . import selectors_reports as selectors
from .constants_dashboard import FIRST_YEAR
from .constants_reports import (
    FIRST_HEADINGS,
    HEADING_MAX,
    MAX_SECTIONS,
    RECTIFY_WORKING_DAYS,
    SECTION_MAX,
    SECTION_MIN,
    TITLE_MAX,
    Event,
    ReportStatus,
)
from .models import Report, ReportRecipient, ReportRevision
from .services_keytasks import clean_text

MAX_MONTHS = 24
NOTE_MAX = 500


# --- the first text, written from the figures -------------------------------------------------


def _pct(value: Any) -> str:
    return f"{value:g}%" if isinstance(value, int | float) else "—"


def _names(rows: list[dict[str, Any]], key: str, unit: str = "件") -> str:
    return "、".join(f"{r['name']}（{r[key]}{unit}）" for r in rows)


def scope_word(bureau: Agency) -> str:
    """全市 for the city bureau; 全区 / 全县 / 全市 for a county bureau, by its region."""
    if bureau.level == Level.CITY:
        return "全市"
    label = str(Region(bureau.region).label) if bureau.region in Region.values else ""
    return f"全{label[-1]}" if label else "本地区"


def first_sections(figures: dict[str, Any], bureau: Agency) -> list[dict[str, str]]:
    """总体情况, 存在问题, 下一步要求 in Chinese prose from the figures (R-8.2)."""
    rows = figures.get("agencies") or []
    t = figures.get("total") or {}
    where = scope_word(bureau)
    overall = (
        f"{figures.get('period', '')}，{where}{len(rows)}个单位通过平台受理依申请办件"
        f"{t.get('submitted', 0)}件，其中申请人选择告知承诺方式办理{t.get('by_commitment', 0)}件"
    )
    if t.get("commitment_share") is not None:
        overall += f"，占{_pct(t['commitment_share'])}"
    overall += (
        f"。各单位完成事中事后核查{t.get('concluded', 0)}件，其中按期完成{t.get('on_time', 0)}件"
        f"；核查发现承诺不实{t.get('untrue', 0)}件"
    )
    if t.get("untrue_rate") is not None:
        overall += f"，承诺不实率{_pct(t['untrue_rate'])}"
    overall += f"。期内收到涉及告知承诺制的投诉举报{t.get('complaints', 0)}件"
    if t.get("satisfaction") is not None:
        overall += f"，群众满意率{_pct(t['satisfaction'])}"
    overall += "。各单位总体按照实施方案要求推进告知承诺制，具体数据见附表。"

    problems: list[str] = []
    named: list[str] = []

    def flagged(key: str) -> list[dict[str, Any]]:
        found = [r for r in rows if (r.get(key) or 0) > 0]
        named.extend(r["name"] for r in found if r["name"] not in named)
        return found

    numerals = "一二三四五六七八九十"
    late = flagged("tasks_overdue")
    if late:
        problems.append(
            f"核查超期。截至成文之日，{_names(late, 'tasks_overdue')}尚有超过核查时限未完成的"
            "核查任务，事中事后核查不够及时。"
        )
    assist = flagged("assistance_overdue")
    if assist:
        problems.append(
            f"协助核查超期。{_names(assist, 'assistance_overdue')}收到的协助核查请求超过答复"
            "期限仍未办理，不得推诿、拒绝协助核查；确实无法协助的，应书面说明理由。"
        )
    untrue = [r for r in rows if (r.get("untrue") or 0) > 0]
    if untrue:
        problems.append(
            f"承诺不实。{_names(untrue, 'untrue')}核查发现承诺不实，应依法终止办理、责令限期"
            "整改、撤销行政决定或者予以行政处罚，并记入信用记录。"
        )
    complained = [r for r in rows if (r.get("complaints") or 0) > 0]
    if complained:
        problems.append(
            f"投诉举报。期内{_names(complained, 'complaints')}收到企业和群众投诉举报，"
            "应依法及时处理、按期答复。"
        )
    tasks = flagged("key_tasks_overdue")
    if tasks:
        problems.append(
            f"重点任务推进滞后。{_names(tasks, 'key_tasks_overdue', '项')}承担的重点任务已过"
            "完成时限尚未完成。"
        )
    if problems:
        issues = "\n".join(f"（{numerals[i]}）{p}" for i, p in enumerate(problems[:10]))
    else:
        issues = "本期未发现核查超期、协助核查超期和重点任务逾期等突出问题。"
    demands = (
        "一是严格落实告知承诺制各项要求，规范告知书和承诺书文本，依法开展事中事后核查，确保核查"
        "按期完成。二是被请求协助核查的单位要及时协助，不得推诿、拒绝。三是对承诺不实的，依法"
        "处理并推送信用信息。四是认真处理企业和群众的投诉举报。"
    )
    if named:
        demands += (
            f"\n请{'、'.join(named)}对照本通报指出的问题认真整改，于收到本通报之日起"
            f"{RECTIFY_WORKING_DAYS}个工作日内将整改情况报送{bureau.name}。"
        )
    return [
        {"heading": FIRST_HEADINGS[0], "text": overall},
        {"heading": FIRST_HEADINGS[1], "text": issues},
        {"heading": FIRST_HEADINGS[2], "text": demands},
    ]


def default_title(start: dt.date, end: dt.date) -> str:
    return f"关于{selectors.period_label(start, end)}证明事项告知承诺制推行情况的通报"


def number_prefix(bureau: Agency) -> str:
    """阜司督通 for the city bureau; 颍州司督通, 太和司督通 … for a county bureau."""
    if bureau.level == Level.CITY:
        return "阜司督通"
    label = str(Region(bureau.region).label) if bureau.region in Region.values else ""
    return f"{label[:-1] if len(label) > 2 else label}司督通"


# --- checks ------------------------------------------------------------------------------------


def _clean_title(value: Any) -> tuple[str, FieldError | None]:
    return clean_text(value, "title", "标题", minimum=6, limit=TITLE_MAX)


def clean_sections(value: Any) -> tuple[list[dict[str, str]], list[FieldError]]:
    """Each section a heading and a text that says something (no 无, 略 or 详见附件)."""
    if not isinstance(value, list) or not value:
        return [], [FieldError("sections", "required", "正文至少要有一个部分")]
    if len(value) > MAX_SECTIONS:
        return [], [FieldError("sections", "too_long", f"正文最多{MAX_SECTIONS}个部分")]
    out, errors = [], []
    for i, section in enumerate(value):
        section = section if isinstance(section, dict) else {}
        n = f"第{i + 1}部分"
        heading, error = clean_text(
            section.get("heading"), f"sections[{i}].heading", f"{n}的标题", minimum=2,
            limit=HEADING_MAX,
        )  # fmt: skip
        if error:
            errors.append(error)
        text, error = clean_text(
            section.get("text"), f"sections[{i}].text", f"{n}（{heading or '正文'}）",
            minimum=SECTION_MIN, limit=SECTION_MAX,
        )  # fmt: skip
        if error:
            errors.append(error)
        out.append({"heading": heading, "text": text.replace("\r\n", "\n")})
    return out, errors


def _recipients(ids: Any, actor: Actor, issuer: Agency) -> list[Agency]:
    wanted = sorted({int(i) for i in (ids or []) if str(i).isdigit() and len(str(i)) < 10})
    allowed = policies.overseen_ids(actor) - {issuer.pk}
    rows = list(Agency.objects.filter(pk__in=wanted).order_by("pk"))
    if len(rows) != len(wanted) or not {a.pk for a in rows} <= allowed:
        raise_field_errors(
            [FieldError("recipient_ids", "invalid_agency", "主送单位只能选择本局督察范围内的单位")]
        )
    if not rows:
        raise_field_errors([FieldError("recipient_ids", "required", "请至少选择一个主送单位")])
    return rows


def _month_bounds(start: Any, end: Any) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    ok = isinstance(start, dt.date) and isinstance(end, dt.date)
    if ok:
        first = start.replace(day=1)
        last = selectors.next_month(end.replace(day=1)) - dt.timedelta(days=1)
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if end >= start and first.year >= FIRST_YEAR and first <= today and months <= MAX_MONTHS:
            return first, last
    raise_field_errors(
        [
            FieldError(
                "end",
                "invalid_period",
                f"请填写通报期间：起止月份不早于{FIRST_YEAR}年、起始不晚于本月、结束不早于起始，"
                f"最长{MAX_MONTHS}个月",
            )
        ]
    )
    raise AssertionError  # unreachable


def _revision(report: Report, actor: Actor, recipient_ids: list[int]) -> ReportRevision:
    last = report.revisions.aggregate(n=Max("number"))["n"] or 0
    return ReportRevision.objects.create(
        report=report,
        number=last + 1,
        title=report.title,
        sections=report.sections,
        recipient_ids=recipient_ids,
        saved_by=person_of(actor),
        saved_at=timezone.now(),
    )


# --- services ----------------------------------------------------------------------------------


def report_draft(*, actor: Actor, start: Any, end: Any, title: Any = None) -> Report:
    """A draft for the period from the figures of the agencies the actor oversees (R-8.2)."""
    bureau = policies.bureau_of(actor)
    if bureau is None:
        raise PermissionDenied("只有司法局审核人员可以起草督察情况通报")
    first, last = _month_bounds(start, end)
    name = default_title(first, last)
    if isinstance(title, str) and title.strip():
        name, error = _clean_title(title)
        if error:
            raise_field_errors([error])
    figures = selectors.figures_for(actor, first, last)
    recipients = [r["id"] for r in figures["agencies"] if r["id"] != bureau.pk]
    if not recipients:
        raise_field_errors(
            [FieldError("recipient_ids", "required", "本局督察范围内没有可通报的单位")]
        )
    with transaction.atomic():
        report = Report.objects.create(
            issuer=bureau,
            title=name,
            period_start=first,
            period_end=last,
            sections=first_sections(figures, bureau),
            figures=figures,
            created_by=person_of(actor),
        )
        ReportRecipient.objects.bulk_create(
            [ReportRecipient(report=report, agency_id=pk) for pk in recipients]
        )
        _revision(report, actor, recipients)
        spine.record(
            actor,
            Event.REPORT_DRAFTED,
            report,
            None,
            {"title": name, "start": first, "end": last, "recipients": recipients},
            agency=bureau,
            message=f"起草督察情况通报：{name}",
        )
    return report


def report_edit(
    *, actor: Actor, report: Report, title: Any, sections: Any, recipient_ids: Any
) -> Report:
    """A new text of a draft (R-8.2): kept as a revision, the previous ones stay."""
    if not policies.may_edit(actor, report):
        raise (
            NotFound()
            if not policies.is_system_admin(actor)
            else PermissionDenied("通报由印发机关的审核人员修改")
        )
    errors = []
    name, error = _clean_title(title)
    if error:
        errors.append(error)
    body, more = clean_sections(sections)
    errors += more
    raise_field_errors(errors)
    recipients = _recipients(recipient_ids, actor, report.issuer)
    with transaction.atomic():
        row = Report.objects.select_for_update().get(pk=report.pk)
        if row.status != ReportStatus.DRAFT:
            raise Conflict("already_done", f"通报已印发（{row.number}），不能再修改")
        before = {
            "title": row.title,
            "sections": row.sections,
            "recipients": sorted(row.recipients.values_list("agency_id", flat=True)),
        }
        row.title, row.sections = name, body
        row.save(update_fields=["title", "sections"])
        ids = [a.pk for a in recipients]
        row.recipients.exclude(agency_id__in=ids).delete()
        have = set(row.recipients.values_list("agency_id", flat=True))
        ReportRecipient.objects.bulk_create(
            [ReportRecipient(report=row, agency_id=pk) for pk in ids if pk not in have]
        )
        revision = _revision(row, actor, ids)
        spine.record(
            actor,
            Event.REPORT_EDITED,
            row,
            before,
            {"title": name, "sections": body, "recipients": ids},
            agency=row.issuer,
            message=f"修改督察情况通报（第{revision.number}稿）：{name}",
        )
    return row


def report_issue(*, actor: Actor, report: Report) -> Report:
    """Issue the draft under the bureau's next number of the year (R-8.2)."""
    if not policies.may_edit(actor, report):
        raise (
            NotFound()
            if not policies.is_system_admin(actor)
            else PermissionDenied("通报由印发机关的审核人员印发")
        )
    with transaction.atomic():
        # the bureau's row first: two issues of one bureau take their numbers one after the
        # other (no two alike, no deadlock: every issue locks the bureau, then its report)
        bureau = Agency.objects.select_for_update().get(pk=report.issuer_id)
        row = Report.objects.select_for_update().get(pk=report.pk)
        if row.status != ReportStatus.DRAFT:
            raise Conflict("already_done", f"通报已印发（{row.number}），不能重复印发")
        body, errors = clean_sections(row.sections)
        name, error = _clean_title(row.title)
        if error:
            errors.insert(0, error)
        raise_field_errors(errors)
        if not row.recipients.exists():
            raise_field_errors([FieldError("recipient_ids", "required", "请至少选择一个主送单位")])
        now = timezone.now()
        year = timezone.localtime(now).year
        last = (
            Report.objects.filter(issuer=bureau, year=year).aggregate(n=Max("sequence"))["n"] or 0
        )
        row.year, row.sequence = year, last + 1
        row.number = f"{number_prefix(bureau)}〔{year}〕{row.sequence}号"
        row.status = ReportStatus.ISSUED
        row.sections, row.title = body, name
        row.issued_at, row.issued_by = now, person_of(actor)
        row.save(
            update_fields=[
                "year", "sequence", "number", "status", "sections", "title", "issued_at",
                "issued_by",
            ]
        )  # fmt: skip
        spine.record(
            actor,
            Event.REPORT_ISSUED,
            row,
            {"status": ReportStatus.DRAFT},
            {"status": ReportStatus.ISSUED, "number": row.number,
             "recipients": sorted(row.recipients.values_list("agency_id", flat=True))},
            agency=bureau,
            message=f"印发督察情况通报{row.number}：{name}",
        )  # fmt: skip
    return row


def report_acknowledge(
    *, actor: Actor, report: Report, agency: Agency, note: Any = ""
) -> ReportRecipient:
    """The addressed agency's admin acknowledges the issued report, once (R-8.2)."""
    if agency.pk not in policies.admin_ids(actor):
        raise NotFound()
    text = ""
    if isinstance(note, str) and note.strip():
        text = note.strip()
        if len(text) > NOTE_MAX or "\x00" in text:
            raise_field_errors([FieldError("note", "too_long", f"签收意见不得超过{NOTE_MAX}字")])
    with transaction.atomic():
        recipient = (
            ReportRecipient.objects.select_for_update()
            .filter(report_id=report.pk, agency=agency, report__status=ReportStatus.ISSUED)
            .first()
        )
        if recipient is None:
            raise NotFound()
        if recipient.acknowledged_at is not None:
            when = timezone.localtime(recipient.acknowledged_at)
            raise Conflict(
                "already_done", f"{agency.name}已于{when:%Y-%m-%d %H:%M}签收该通报，无需重复签收"
            )
        recipient.acknowledged_at = timezone.now()
        recipient.acknowledged_by = person_of(actor)
        recipient.note = text
        recipient.save(update_fields=["acknowledged_at", "acknowledged_by", "note"])
        spine.record(
            actor,
            Event.REPORT_ACKNOWLEDGED,
            recipient,
            None,
            {"report": report.number, "note": text},
            agency=agency,
            about=report,
            message=f"{agency.name}签收督察情况通报{report.number}",
        )
    return recipient
