"""Demo subjects and credit (R-2.2, R-5.4–R-5.7, R-6.4), loaded through the credit services so
the audit trail and the outbox are real. Idempotent: a subject that exists keeps its records.

- 张三 (the demo user `applicant`, 本人): a false commitment decided more than a year ago with a
  pending credit repair.
- 阜阳市颍州区示例商贸有限公司 (`applicant` is its 经办人): a false commitment under objection.
- 李四 (the demo user `lisi`, 本人): clean, only kept commitments; may commit online.
- 王五: a serious (较重) external dishonesty record, so commitment is refused for a year.
- 赵六: a severe (严重) false commitment, refused until repaired.

The sandbox credit platform "信用阜阳（沙箱）" is only active when CHENGNUO_SANDBOX_URL is set, so
loading the demo never needs the sandbox.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.core.identifiers import uscc_with_check
from chengnuo.credit import services
from chengnuo.credit.constants import IdType, RecordKind, SubjectKind
from chengnuo.credit.models import CreditPlatform, CreditRecord, Subject, SubjectLink

SANDBOX_NAME = "信用阜阳（沙箱）"
SANDBOX_DEFAULT_URL = "http://127.0.0.1:18780"
SANDBOX_APP_KEY = "chengnuo-demo"
SANDBOX_SECRET = "sandbox-secret"  # a published demo value for the local sandbox only


def resident_id(first17: str) -> str:
    """A valid resident ID (GB 11643 check digit). Fuyang's region codes exist from 1996, so
    demo people are born 1996 or later."""
    return first17 + ric.calc_check_digit(first17 + "0")


FIRM_USCC = uscc_with_check("91341202MA2T" + "EXAMP")

# (key, kind, name, id_type, id number, phone, relation to the demo applicant or None)
SUBJECTS: list[tuple[str, str, str, str, str, str, str | None]] = [
    (
        "zhangsan",
        SubjectKind.PERSON,
        "张三",
        IdType.RESIDENT_ID,
        resident_id("34120219980312123"),
        "13805581234",
        SubjectLink.Relation.SELF,
    ),
    (
        "firm",
        SubjectKind.ENTITY,
        "阜阳市颍州区示例商贸有限公司",
        IdType.USCC,
        FIRM_USCC,
        "05582212345",
        SubjectLink.Relation.AGENT,
    ),
    (
        "lisi",
        SubjectKind.PERSON,
        "李四",
        IdType.RESIDENT_ID,
        resident_id("34120320010615202"),
        "13905582345",
        None,
    ),
    (
        "wangwu",
        SubjectKind.PERSON,
        "王五",
        IdType.RESIDENT_ID,
        resident_id("34122119970920311"),
        "",
        None,
    ),
    (
        "zhaoliu",
        SubjectKind.PERSON,
        "赵六",
        IdType.RESIDENT_ID,
        resident_id("34128220001101405"),
        "",
        None,
    ),
]


def _records(today: date) -> dict[str, list[dict[str, Any]]]:
    return {
        "zhangsan": [
            {
                "kind": RecordKind.FALSE_COMMITMENT,
                "summary": "申请失业保险金时承诺“无就业登记记录”，核查发现承诺时已在外地就业，"
                "承诺内容与实际情况不符。已责令退回违规领取的失业保险金。",
                "impact": {"amount_yuan": 6800},
                "legal_basis": "《失业保险条例》第十六条；阜政办〔2021〕1号",
                "agency": "rsj",
                "decided_on": today - timedelta(days=430),
                "case_ref": "RS-2025-000187",
            },
        ],
        "firm": [
            {
                "kind": RecordKind.FALSE_COMMITMENT,
                "summary": "办理食品经营许可时承诺经营场所符合卫生要求，现场核查发现与承诺不符。",
                "impact": {"people_affected": 3},
                "legal_basis": "《食品经营许可和备案管理办法》；阜政办〔2021〕1号",
                "agency": "scjg",
                "decided_on": today - timedelta(days=40),
                "case_ref": "SJ-2026-000412",
            },
        ],
        "lisi": [
            {
                "kind": RecordKind.COMMITMENT_KEPT,
                "summary": f"告知承诺办理事项，核查承诺属实（第{n}次）。",
                "agency": "rsj",
                "decided_on": today - timedelta(days=30 * n),
                "case_ref": f"RS-2026-00{n:04d}",
            }
            for n in (1, 2, 3)
        ],
        "wangwu": [
            {
                "kind": RecordKind.EXTERNAL_DISHONESTY,
                "grade": "serious",
                "summary": "信用中国（安徽阜阳）归集：拖欠农民工工资被列入失信记录。",
                "legal_basis": "《保障农民工工资支付条例》",
                "agency": "fgw",
                "decided_on": today - timedelta(days=120),
                "external_ref": "XYFY-2026-07781",
            },
        ],
        "zhaoliu": [
            {
                "kind": RecordKind.FALSE_COMMITMENT,
                "summary": "申请建设工程企业资质时承诺业绩真实，核查发现伪造合同，涉及金额重大。",
                "impact": {"amount_yuan": 2_500_000, "public_interest": 1},
                "legal_basis": "《建设工程企业资质管理制度改革方案》；阜政办〔2021〕1号",
                "agency": "zjj",
                "decided_on": today - timedelta(days=75),
                "case_ref": "ZJ-2026-000093",
            },
        ],
    }


def _platform() -> CreditPlatform:
    url = os.environ.get("CHENGNUO_SANDBOX_URL", "").strip()
    platform, _created = CreditPlatform.objects.update_or_create(
        name=SANDBOX_NAME,
        defaults={
            "base_url": url or SANDBOX_DEFAULT_URL,
            "app_key": SANDBOX_APP_KEY,
            "secret": SANDBOX_SECRET,
            "active": bool(url),
        },
    )
    return platform


def load_credit(stdout=None) -> dict[str, int]:
    """Subjects, links, records, a pending repair and an open objection. Idempotent."""
    today = timezone.localdate()
    _platform()
    officer = User.objects.get(username="credit_officer")
    applicant = User.objects.get(username="applicant")
    agencies = {
        "rsj": Agency.objects.filter(name="阜阳市人力资源和社会保障局").first(),
        "scjg": Agency.objects.filter(name="阜阳市市场监督管理局").first(),
        "fgw": Agency.objects.filter(name="阜阳市发展和改革委员会").first(),
        "zjj": Agency.objects.filter(name="阜阳市住房和城乡建设局").first(),
    }
    plans = _records(today)
    for key, kind, name, id_type, number, phone, relation in SUBJECTS:
        subject = services.subject_find(id_type=id_type, id_value=number)
        created = subject is None
        if subject is None:
            subject = services.subject_register(
                actor=officer, kind=kind, name=name, id_type=id_type, id_value=number, phone=phone
            )
        if relation:
            services.subject_link(actor=officer, user=applicant, subject=subject, relation=relation)
        if key == "lisi" and (lisi := User.objects.filter(username="lisi").first()):
            # a second applicant with clean credit, who may commit online
            services.subject_link(actor=officer, user=lisi, subject=subject, relation="self")
        if not created or CreditRecord.objects.filter(subject=subject).exists():
            continue
        if stdout:
            stdout.write(f"credit records of {subject.display_name} …")
        for plan in plans[key]:
            record = services.credit_record_create(
                actor=officer,
                subject=subject,
                kind=plan["kind"],
                summary=plan["summary"],
                decided_on=plan["decided_on"],
                impact=plan.get("impact"),
                grade=plan.get("grade", ""),
                legal_basis=plan.get("legal_basis", ""),
                deciding_agency=agencies.get(plan["agency"]),
                case_ref=plan.get("case_ref", ""),
                external_ref=plan.get("external_ref", ""),
            )
            if key == "zhangsan":
                services.repair_submit(
                    actor=applicant,
                    record=record,
                    statement="已于2025年全额退回违规领取的失业保险金，并补办了就业登记，"
                    "附退款凭证和就业登记证明。",
                    commitment_letter="本人承诺今后如实作出承诺，如再有不实承诺，"
                    "愿意承担相应法律责任并接受信用惩戒。",
                )
            elif key == "firm":
                services.objection_submit(
                    actor=applicant,
                    record=record,
                    grounds="现场核查时经营场所正在装修，核查后三日内已整改完毕并经复查合格，"
                    "不属于虚假承诺，请求更正记录。",
                )
    return {
        "subjects": Subject.objects.count(),
        "credit_records": CreditRecord.objects.count(),
    }
