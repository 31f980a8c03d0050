"""Demo cases (办件), created through the case services so timelines, audit events, signed
commitments, proofs, published commitments and verification tasks are all real.

Most cases are 市人社局's (it has a window clerk and a case officer; the demo user `lisi`
applies online as 李四 with clean credit). Of the demo subjects only 李四 has a clean record;
commitment is refused to the others (R-2.2), so they submit proofs instead:

- 李四 at the window (the clerk records her handwritten signature scan): three approved cases
  (one with commitments published on the website, two where she withdrew a commitment and
  submitted the proof, R-6.2), one under review and one still being filled in;
- 赵六 (a severe false commitment) at the window: commitment refused, proofs submitted;
- 张三 online (a false commitment not yet repaired): proofs submitted, rejected with reasons;
- 阜阳市颍州区示例商贸有限公司 online (经办人 张三): proof submitted, terminated with reasons;
- 食品经营许可 with liability insurance (R-6.5), at the 市场监管 window (`scjg_clerk`).

Idempotent: nothing is created when any case exists. The signed commitments are archived as
PDF here, so the demo has them without the worker.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.cases import services as cases
from chengnuo.cases.constants import CaseStatus, CommitmentStatus
from chengnuo.cases.models import Case, CaseItem, Commitment, Proof
from chengnuo.catalog.models import Matter
from chengnuo.credit.models import Subject
from chengnuo.credit.services import eligibility_of, subject_find

from . import data
from .credit_data import SUBJECTS

# --- generated files ------------------------------------------------------------------------


def signature_png(width: int = 240, height: int = 80) -> bytes:
    """A small valid greyscale PNG: a handwritten-looking stroke on white."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            curve = height / 2 + height / 4 * math.sin(x / 13) * math.cos(x / 41)
            ink = 16 < x < width - 16 and abs(y - curve) < 2.0
            row.append(40 if ink else 255)
        rows.append(bytes(row))

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def proof_pdf(title: str) -> bytes:
    """A small valid one-page PDF (a stand-in for a scanned proof); `title` is ASCII."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- the plans ------------------------------------------------------------------------------

INSURANCE = {
    "insurer": "中国人民财产保险股份有限公司阜阳市分公司",
    "policy_number": "PZAT202634120000001876",
    "amount": "500000",
}


@dataclass
class Plan:
    """One demo case: who starts it, what is done per item, how it ends."""

    matter: str
    subject: str  # key in credit_data.SUBJECTS
    by: str  # "clerk" (window) or "applicant" (online)
    commit: dict[str, str] = field(default_factory=dict)  # item code -> committed fact
    proofs: dict[str, str] = field(default_factory=dict)  # item code -> proof file name
    withdraw: dict[str, str] = field(default_factory=dict)  # item code -> reason
    insured: tuple[str, ...] = ()
    end: str = ""  # "", "submit", "approve", "reject", "terminate"
    reason: str = ""
    agency: str = "rsj"


LISI_DEGREE = "本人2023年6月毕业于安徽财经大学经济学专业，取得经济学学士学位，学信网可查"
LISI_WORK = "本人自2023年7月起在阜阳皖北商贸物流有限公司从事财务工作，至今已满3年"
LISI_SKILL = "本人2024年11月取得企业人力资源管理师三级职业技能等级证书"

PLANS: list[Plan] = [
    # 李四: 2026年度中级经济师考试报名, committed at the window, approved; the degree and work
    # years commitments are published on the website.
    Plan(
        matter="340100-RS-001",
        subject="lisi",
        by="clerk",
        commit={"RS-ZM-001": LISI_DEGREE, "RS-ZM-002": LISI_WORK, "RS-ZM-008": LISI_SKILL},
        end="approve",
    ),
    # 李四: 2026年度初级社会工作者考试报名; brings her diploma and certificate, commits to the
    # work years, then withdraws that commitment.
    Plan(
        matter="340100-RS-001",
        subject="lisi",
        by="clerk",
        commit={"RS-ZM-002": LISI_WORK},
        withdraw={
            "RS-ZM-002": "申请人2024年有3个月社会保险由劳务派遣公司代缴，系统比对可能与承诺的"
            "工作单位不一致，申请人决定退出承诺，改为提交原单位出具的工作年限证明",
        },
        proofs={
            "RS-ZM-001": "毕业证书及学位证书.pdf",
            "RS-ZM-002": "工作年限证明（阜阳皖北商贸物流有限公司出具）.pdf",
            "RS-ZM-008": "职业技能等级证书.pdf",
        },
        end="approve",
    ),
    # 李四: 工伤认定; withdraws the labour-relation commitment once the employer gave papers.
    Plan(
        matter="340100-RS-005",
        subject="lisi",
        by="clerk",
        commit={
            "RS-ZM-007": "本人自2023年7月起与阜阳皖北商贸物流有限公司签订劳动合同，"
            "2026年9月18日在单位仓库搬运货物时扭伤腰部",
        },
        withdraw={
            "RS-ZM-007": "用人单位已出具劳动合同复印件和近12个月工资发放流水，申请人改为直接"
            "提交劳动关系证明材料，免去协助核查等待时间",
        },
        proofs={"RS-ZM-007": "劳动合同及工资发放流水.pdf"},
        end="approve",
    ),
    # 李四: 失业保险金申领 under review: one item committed, the other proved.
    Plan(
        matter="340100-RS-002",
        subject="lisi",
        by="clerk",
        commit={
            "RS-ZM-003": "本人与阜阳皖北商贸物流有限公司的劳动合同于2026年10月31日期满，"
            "单位不再续订，属于非因本人意愿中断就业",
        },
        proofs={"RS-ZM-004": "就业失业登记证明（颍州区公共就业服务中心）.pdf"},
        end="submit",
    ),
    # 李四: 2027年度审计专业技术资格考试报名, still being filled in at the window.
    Plan(
        matter="340100-RS-001",
        subject="lisi",
        by="clerk",
        commit={"RS-ZM-001": LISI_DEGREE},
    ),
    # 赵六 walks in: a severe false commitment, so commitment is refused and the proofs
    # are submitted instead.
    Plan(
        matter="340100-RS-001",
        subject="zhaoliu",
        by="clerk",
        proofs={
            "RS-ZM-001": "毕业证书及学位证书.pdf",
            "RS-ZM-002": "工作年限证明及社保缴费记录.pdf",
            "RS-ZM-008": "职业技能等级证书.pdf",
        },
        end="submit",
    ),
    # 张三 online (commitment refused until his record is repaired): proofs, rejected.
    Plan(
        matter="340100-RS-002",
        subject="zhangsan",
        by="applicant",
        proofs={
            "RS-ZM-003": "解除劳动合同通知书.pdf",
            "RS-ZM-004": "失业登记证明.pdf",
        },
        end="reject",
        reason="经比对社会保险参保信息，申请人自2026年8月起已由合肥市新单位缴纳职工基本"
        "养老保险，处于就业状态，不符合《失业保险条例》第十四条规定的失业保险金领取条件",
    ),
    # The firm online (经办人 张三): proof submitted, then the application withdrawn.
    Plan(
        matter="340100-RS-004",
        subject="firm",
        by="applicant",
        proofs={"RS-ZM-006": "经营场所租赁合同及不动产权证书.pdf"},
        end="terminate",
        reason="申请单位在审查期间提交书面撤回申请，说明拟变更经营场所后重新申报，"
        "依据《人力资源市场暂行条例》有关规定终止办理",
    ),
    # 食品经营许可 with liability insurance: only with a window clerk of 市市场监管局.
    Plan(
        matter="340100-SJ-001",
        subject="lisi",
        by="clerk",
        agency="scjg",
        commit={
            "SJ-ZM-001": "经营场所位于阜阳市颍州区清河路128号一层，本人已与产权人签订"
            "三年租赁合同，享有合法使用权",
            "SJ-ZM-002": "本店2名从业人员均已在颍州区疾病预防控制中心体检，取得健康证明",
            "SJ-ZM-005": "本店配备的食品安全管理员王芳已参加培训并考核合格",
        },
        insured=("SJ-ZM-005",),
        end="submit",
    ),
]


# --- loading --------------------------------------------------------------------------------


def _staff(role: str, agency: str) -> User | None:
    for username, _display, roles in data.USERS:
        if (role, agency) in roles:
            return User.objects.get(username=username)
    return None


def _subjects() -> dict[str, Subject]:
    out = {}
    for key, _kind, _name, id_type, number, _phone, _relation in SUBJECTS:
        subject = subject_find(id_type=id_type, id_value=number)
        if subject is not None:
            out[key] = subject
    return out


def _line(case: Case, code: str) -> CaseItem:
    return CaseItem.objects.select_related("case", "item").get(case=case, item__code=code)


def _facts(content: dict[str, Any], text: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for f in content.get("facts", []):
        if f.get("choices"):
            facts[f["key"]] = f["choices"][0]
        elif f.get("type") in ("text", "textarea", "", None):
            facts[f["key"]] = text
        else:
            facts[f["key"]] = "是"
    return facts


def _sign(actor: User, case: Case, code: str, text: str, *, insured: bool) -> Commitment:
    line = _line(case, code)
    notification, commitment = cases.current_versions(line.item)
    assert notification is not None and commitment is not None, code
    today = timezone.localdate()
    insurance = None
    if insured:
        start, end = today - timedelta(days=20), today + timedelta(days=345)
        insurance = INSURANCE | {"start": start.isoformat(), "end": end.isoformat()}
    scan = None
    if case.channel == "window":
        scan = SimpleUploadedFile("承诺书签名页扫描件.png", signature_png(), "image/png")
    return cases.commitment_sign(
        actor=actor,
        case_item=line,
        read=cases.ReadVersions(notification.pk, commitment.pk),
        facts=_facts(commitment.content, text),
        confirmed=True,
        insurance=insurance,
        signature_scan=scan,
    )


def _proof(actor: User, case: Case, code: str, name: str) -> Proof:
    title = f"Proof {code} - case {case.number}"
    upload = SimpleUploadedFile(name, proof_pdf(title), "application/pdf")
    return cases.proof_upload(actor=actor, case_item=_line(case, code), upload=upload)


def _run(plan: Plan, actor: User, officer: User | None, subject: Subject) -> Case | None:
    matter = Matter.objects.get(code=plan.matter)
    case = cases.case_create(actor=actor, matter=matter, subject=subject)
    signed = {}
    for code, text in plan.commit.items():
        signed[code] = _sign(actor, case, code, text, insured=code in plan.insured)
    for code, reason in plan.withdraw.items():
        cases.commitment_withdraw(actor=actor, commitment=signed[code], reason=reason)
    for code, name in plan.proofs.items():
        _proof(actor, case, code, name)
    if not plan.end:
        return case
    case = cases.case_submit(actor=actor, case=Case.objects.get(pk=case.pk))
    if plan.end != "submit" and officer is not None:
        case = cases.case_decide(actor=officer, case=case, decision=plan.end, reason=plan.reason)
    return case


def _counts() -> dict[str, int]:
    return {
        "cases": Case.objects.count(),
        "commitments": Commitment.objects.count(),
        "commitments_withdrawn": Commitment.objects.filter(
            status=CommitmentStatus.WITHDRAWN
        ).count(),
        "commitments_published": Commitment.objects.exclude(disclosure_scope="").count(),
        "proofs": Proof.objects.count(),
    } | {f"cases_{s.value}": Case.objects.filter(status=s).count() for s in CaseStatus}


@transaction.atomic
def load_cases(stdout=None) -> dict[str, int]:
    """Create the demo cases once (skipped when any case exists), then archive their PDFs."""
    if Case.objects.exists():
        return _counts()
    if stdout:
        stdout.write("creating demo cases …")
    subjects = _subjects()
    applicant = User.objects.get(username="applicant")
    refused = subjects["zhaoliu"]
    some_item = Matter.objects.get(code="340100-RS-001").items.first()
    if eligibility_of(refused, some_item).allowed:
        raise RuntimeError("赵六 should have a record that refuses commitment (credit_data.py)")
    for plan in PLANS:
        clerk = _staff("window_clerk", plan.agency)
        officer = _staff("case_officer", plan.agency)
        actor = applicant if plan.by == "applicant" else clerk
        if actor is None or plan.subject not in subjects:
            continue  # no staff at this agency in the demo (see the module docstring)
        _run(plan, actor, officer, subjects[plan.subject])
    for pk in Commitment.objects.filter(pdf="").values_list("pk", flat=True):
        cases.commitment_archive(commitment_id=pk)
    return _counts()
