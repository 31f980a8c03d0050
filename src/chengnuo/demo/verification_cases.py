"""Demo verification and handling (R-4.1, R-4.5–R-4.8, R-5.2, R-5.5), through the same services
the staff use, so draws, online checks, assistance, inspections, handlings, timelines, audit
events and credit records are all real.

`load_plans()` refines the verification plans of 市人社局's items (as its admin `rsj_admin`);
`load_verification()` registers three subjects with general-grade external dishonesty records
(so every one of their commitments is verified), has them commit at the window (`rsj_clerk`),
runs the online checks in-process against the sandbox data-sharing platform, and handles the
outcomes as `rsj_officer`:

A. 钱八 考试报名: degree consistent; work years inconsistent (20 months insured) → rectification,
   done in time (no record); the skills certificate's on-site inspection left open.
B. 孙九 考试报名: degree inconsistent (专科, no degree) → approval revoked and a fine; work years
   consistent; the skills certificate verified on site (consistent).
C. 周十 (risk D, verified before the decision) 失业保险金: employed → rectification not done,
   escalated → the case terminated; the unemployment registration's inspection left open.
D. 钱八 工伤认定: 市场监管局 answers the assistance request (inconsistent) → good-faith error.
E. 孙九 工伤认定: 市场监管局 refuses in writing → on-site inspection (inconsistent) → referral.
F. 钱八 失业保险金: employed → inconsistent and left for the officer to handle; the
   unemployment registration could not be verified on site (unable).
G. 周十 工伤认定 (risk D, verified before the decision): the assistance request waits in
   市场监管局's inbox for `scjg_admin` to take, identify the committer and answer; the case
   waits for it.

The online checks need the sandbox on the sources' port (`verification_data.sandbox_url()`): it
is started in a thread for the load, or one already serving there is used; otherwise the checks
stay queued for the worker (`run_online_checks`) and the handling that depends on them is left
to the officer. Idempotent: nothing is created when the demo's verification subjects have cases.
"""

from __future__ import annotations

import errno
import json
import urllib.request
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chengnuo.accounts.models import User
from chengnuo.agencies.models import Agency
from chengnuo.cases import services as cases
from chengnuo.cases.constants import CommitmentStatus
from chengnuo.cases.models import Case, Commitment
from chengnuo.catalog.models import CertificationItem, Matter
from chengnuo.credit import services as credit
from chengnuo.credit.constants import IdType, RecordKind, SubjectKind
from chengnuo.credit.models import CreditRecord, Subject
from chengnuo.verification import assistance, handling, inspection, online
from chengnuo.verification import services as verification
from chengnuo.verification.constants import (
    AssistanceStatus,
    InspectionStatus,
    Measure,
    Outcome,
    TaskStatus,
    VerificationMethod,
)
from chengnuo.verification.models import (
    AssistanceRequest,
    Handling,
    Inspection,
    VerificationPlan,
    VerificationTask,
)

from . import verification_data
from .case_data import _counts as case_counts
from .case_data import _proof, _sign, proof_pdf, signature_png
from .credit_data import resident_id

RSJ = "阜阳市人力资源和社会保障局"
SCJG = "阜阳市市场监督管理局"
POLICE = "阜阳市公安局颍州分局"

# --- plans ----------------------------------------------------------------------------------

# item code -> (methods, fallback); online items take their comparisons from verification_data
PLANS: dict[str, tuple[list[str], str]] = {
    "RS-ZM-001": ([VerificationMethod.ONLINE], VerificationMethod.ON_SITE),
    "RS-ZM-002": ([VerificationMethod.ONLINE], VerificationMethod.ON_SITE),
    "RS-ZM-003": ([VerificationMethod.ONLINE], VerificationMethod.ON_SITE),
    # no source holds the unemployment registration: verified on site
    "RS-ZM-004": ([VerificationMethod.ON_SITE], VerificationMethod.ASSISTANCE),
    "RS-ZM-006": ([VerificationMethod.ON_SITE], VerificationMethod.ASSISTANCE),
    "RS-ZM-008": ([VerificationMethod.ON_SITE], VerificationMethod.ASSISTANCE),
    "RS-ZM-007": ([VerificationMethod.ASSISTANCE], VerificationMethod.ON_SITE),
}
ASSISTANCE_DAYS = 5


def load_plans(stdout: Any = None) -> dict[str, int]:
    """市人社局's plans, saved once by its admin (items that have a plan keep it)."""
    admin = User.objects.filter(username="rsj_admin").first()
    scjg = Agency.objects.filter(name=SCJG).first()
    saved = 0
    for code, (methods, fallback) in PLANS.items():
        item = CertificationItem.objects.filter(code=code, status="in_force").first()
        if admin is None or item is None or VerificationPlan.objects.filter(item=item).exists():
            continue
        assisted = VerificationMethod.ASSISTANCE in methods
        if assisted and scjg is None:
            continue
        verification.plan_save(
            actor=admin,
            item=item,
            data={
                "methods": list(methods),
                "timing": "after_decision",
                "days": item.verification_time_limit_days or 20,
                "comparisons": verification_data.COMPARISONS.get(code, []),
                "standard": item.verification_standard,
                "assistance_agency_id": scjg.pk if assisted and scjg else None,
                "assistance_days": ASSISTANCE_DAYS,
                "fallback": fallback,
            },
        )
        saved += 1
    if stdout and saved:
        stdout.write(f"saved {saved} verification plan(s) of 市人社局")
    return {"verification_plans": VerificationPlan.objects.count()}


# --- subjects -------------------------------------------------------------------------------

QIANBA = resident_id("34120419990208321")
SUNJIU = resident_id("34122519960716542")
ZHOUSHI = resident_id("34122619970503611")

# (key, name, resident ID, phone); the sandbox has their records (sandbox/share_data.py)
SUBJECTS: list[tuple[str, str, str, str]] = [
    ("qianba", "钱八", QIANBA, "13705583456"),
    ("sunjiu", "孙九", SUNJIU, "15255814567"),
    ("zhoushi", "周十", ZHOUSHI, "18955825678"),
]

# key -> [(summary, legal basis, days ago, external ref)], all external dishonesty, general
RECORDS: dict[str, list[tuple[str, str, int, str]]] = {
    "qianba": [
        (
            "信用中国（安徽阜阳）归集：驾驶机动车违法停车被处罚款后，逾期三个月未缴纳罚款，"
            "经颍泉区交警大队催告仍未履行，列入一般失信记录。",
            "《安徽省社会信用条例》第三十条",
            95,
            "XYFY-2026-08812",
        ),
    ],
    "sunjiu": [
        (
            "信用中国（安徽阜阳）归集：担任阜南县某代理记账公司主办会计期间，为客户企业逾期"
            "报送增值税纳税申报表，所在单位被列为纳税信用D级，本人列入一般失信记录。",
            "《纳税信用管理办法》；《安徽省社会信用条例》",
            140,
            "XYFY-2026-06237",
        ),
    ],
    "zhoushi": [
        (
            "信用中国（安徽阜阳）归集：拖欠物业服务费经颍上县人民法院判决后，逾期未履行"
            "生效判决确定的给付义务。",
            "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
            38,
            "XYFY-2026-10455",
        ),
        (
            "信用中国（安徽阜阳）归集：承租公共租赁住房期间擅自转租，被颍上县住房保障"
            "部门责令退房并列入一般失信记录。",
            "《公共租赁住房管理办法》第二十七条",
            86,
            "XYFY-2026-09102",
        ),
        (
            "信用中国（安徽阜阳）归集：在城市道路泊位累计欠缴停车费12次，经催缴逾期未补缴，"
            "列入一般失信记录。",
            "《阜阳市城市停车管理条例》",
            150,
            "XYFY-2026-05530",
        ),
    ],
}


def _subjects(clerk: User, officer: User) -> dict[str, Subject]:
    today = timezone.localdate()
    fgw = Agency.objects.filter(name="阜阳市发展和改革委员会").first()
    out: dict[str, Subject] = {}
    for key, name, number, phone in SUBJECTS:
        subject = credit.subject_find(id_type=IdType.RESIDENT_ID, id_value=number)
        if subject is None:
            subject = credit.subject_register(
                actor=clerk,
                kind=SubjectKind.PERSON,
                name=name,
                id_type=IdType.RESIDENT_ID,
                id_value=number,
                phone=phone,
            )
        if not CreditRecord.objects.filter(subject=subject).exists():
            for summary, basis, days_ago, ref in RECORDS[key]:
                credit.credit_record_create(
                    actor=officer,
                    subject=subject,
                    kind=RecordKind.EXTERNAL_DISHONESTY,
                    grade="general",
                    summary=summary,
                    legal_basis=basis,
                    decided_on=today - timedelta(days=days_ago),
                    deciding_agency=fgw,
                    external_ref=ref,
                )
        out[key] = subject
    return out


# --- cases ----------------------------------------------------------------------------------

QIANBA_DEGREE = "本人2021年6月毕业于阜阳师范大学计算机科学与技术专业，取得工学学士学位"
QIANBA_WORK = "本人自2023年3月起在阜阳颍泉智联软件有限公司从事软件开发工作，至今已满3年"
QIANBA_SKILL = "本人2025年5月取得计算机程序设计员三级职业技能等级证书"
SUNJIU_DEGREE = "本人2017年6月毕业于安徽财经大学会计学专业，取得管理学学士学位"
SUNJIU_WORK = "本人自2021年11月起在阜南县鹿城会计服务有限公司从事会计工作，至今已满5年"
SUNJIU_SKILL = "本人2024年9月取得会计专业技术初级资格证书"
LAYOFF = "本人与原单位的劳动合同于2026年10月31日期满，单位不再续订，属于非因本人意愿中断就业"
REGISTERED = "本人已于2026年11月5日在颍上县公共就业服务中心办理失业登记"


def _case(
    clerk: User,
    officer: User,
    subject: Subject,
    matter: str,
    commit: dict[str, str],
    *,
    approve: str = "",
) -> Case:
    """At the window: commit the given items (the clerk records the signature scan), prove the
    others, submit, and approve with `approve` as the reason (when given)."""
    case = cases.case_create(actor=clerk, matter=Matter.objects.get(code=matter), subject=subject)
    for code, text in commit.items():
        _sign(clerk, case, code, text, insured=False)
    for line in case.items.select_related("item").order_by("id"):
        if line.item.code not in commit:
            _proof(clerk, case, line.item.code, f"{line.item.name}.pdf")
    case = cases.case_submit(actor=clerk, case=Case.objects.get(pk=case.pk))
    if approve:
        case = cases.case_decide(actor=officer, case=case, decision="approve", reason=approve)
    return case


def _task(case: Case, code: str, method: str = "") -> VerificationTask | None:
    rows = VerificationTask.objects.filter(
        commitment__case=case, commitment__item__code=code
    ).exclude(status=TaskStatus.CANCELLED)
    if method:
        rows = rows.filter(method=method)
    return rows.order_by("-id").first()


def _inconsistent(case: Case, code: str) -> VerificationTask | None:
    task = _task(case, code, VerificationMethod.ONLINE)
    return task if task is not None and task.outcome == Outcome.INCONSISTENT else None


def _photo(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, signature_png(320, 200), "image/png")


def _inspect(inspector: User, case: Case, code: str, result: str, findings: str) -> None:
    task = _task(case, code, VerificationMethod.ON_SITE)
    found = Inspection.objects.filter(task=task, status=InspectionStatus.ASSIGNED).first()
    if found is not None:
        inspection.inspection_complete(
            actor=inspector,
            inspection=found,
            result=result,
            findings=findings,
            photos=[_photo("现场核查照片.png")],
        )


def _open_request(case: Case) -> AssistanceRequest | None:
    task = _task(case, "RS-ZM-007", VerificationMethod.ASSISTANCE)
    return AssistanceRequest.objects.filter(task=task, status=AssistanceStatus.OPEN).first()


# --- the sandbox ----------------------------------------------------------------------------


def _sandbox_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/healthz", timeout=2) as response:
            return bool(response.status == 200 and json.loads(response.read() or b"{}"))
    except (OSError, ValueError):
        return False


def _run_online_checks(stdout: Any = None) -> int:
    """Start the sandbox on the sources' port for the load (or use one serving there) and run
    the due online checks until none is due; without a sandbox they stay queued."""
    from chengnuo.sandbox.server import SandboxServer

    url = verification_data.sandbox_url()
    parts = urlsplit(url)
    server = None
    if parts.hostname in ("127.0.0.1", "localhost") and parts.port:
        try:
            server = SandboxServer(port=parts.port).start_in_thread()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
    if server is None and not _sandbox_answers(url):
        if stdout:
            stdout.write(f"no sandbox at {url}: the online checks stay queued for the worker")
        return 0
    finished = 0
    try:
        for _round in range(20):
            if not online.due_ids():
                break
            finished += online.run_due()
    finally:
        if server is not None:
            server.stop()
    return finished


# --- loading --------------------------------------------------------------------------------


def _counts() -> dict[str, int]:
    return case_counts() | {
        "subjects": Subject.objects.count(),
        "credit_records": CreditRecord.objects.count(),
        "verification_tasks": VerificationTask.objects.count(),
        "assistance_requests": AssistanceRequest.objects.count(),
        "inspections": Inspection.objects.count(),
        "handlings": Handling.objects.count(),
    }


def load_verification(stdout: Any = None) -> dict[str, int]:
    """Subjects, cases, checks and handling of the verification demo (see the module
    docstring). Runs inside `loader.load()`'s transaction; skipped once the subjects have
    cases."""
    numbers = [number for _key, _name, number, _phone in SUBJECTS]
    existing = [credit.subject_find(id_type=IdType.RESIDENT_ID, id_value=n) for n in numbers]
    if Case.objects.filter(subject__in=[s for s in existing if s is not None]).exists():
        return _counts()
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "rsj_clerk",
                "rsj_officer",
                "rsj_inspector",
                "rsj_inspector2",
                "credit_officer",
                "scjg_admin",
            ]
        )
    }
    clerk, officer, inspector = users["rsj_clerk"], users["rsj_officer"], users["rsj_inspector"]
    scjg_admin = users["scjg_admin"]
    if stdout:
        stdout.write("verification demo: subjects, cases, online checks and handling …")
    subjects = _subjects(clerk, users["credit_officer"])
    qianba, sunjiu, zhoushi = subjects["qianba"], subjects["sunjiu"], subjects["zhoushi"]
    ok = "材料齐全，申请人书面承诺符合条件，依据告知承诺制先行准予，决定后依法核查"

    # every case is signed before any handling records a false commitment (which would refuse
    # commitment from then on, R-2.2)
    a = _case(
        clerk,
        officer,
        qianba,
        "340100-RS-001",
        {"RS-ZM-001": QIANBA_DEGREE, "RS-ZM-002": QIANBA_WORK, "RS-ZM-008": QIANBA_SKILL},
        approve=ok,
    )
    b = _case(
        clerk,
        officer,
        sunjiu,
        "340100-RS-001",
        {"RS-ZM-001": SUNJIU_DEGREE, "RS-ZM-002": SUNJIU_WORK, "RS-ZM-008": SUNJIU_SKILL},
        approve=ok,
    )
    c = _case(
        clerk,
        officer,
        zhoushi,
        "340100-RS-002",
        {"RS-ZM-003": LAYOFF, "RS-ZM-004": REGISTERED},
    )
    d = _case(
        clerk,
        officer,
        qianba,
        "340100-RS-005",
        {
            "RS-ZM-007": "本人自2023年3月起与阜阳颍泉智联软件有限公司建立劳动关系，"
            "2026年10月12日在公司机房搬运服务器时被机柜砸伤右脚"
        },
        approve="申请材料齐全，劳动关系以书面承诺代替证明，先行受理认定，决定后请求协助核查",
    )
    e = _case(
        clerk,
        officer,
        sunjiu,
        "340100-RS-005",
        {
            "RS-ZM-007": "本人自2021年11月起与阜南县鹿城会计服务有限公司建立劳动关系，"
            "2026年9月28日外出为客户送达账册途中发生交通事故受伤"
        },
        approve="申请材料齐全，劳动关系以书面承诺代替证明，先行受理认定，决定后请求协助核查",
    )
    f = _case(
        clerk,
        officer,
        qianba,
        "340100-RS-002",
        {
            "RS-ZM-003": "本人与阜阳颍泉智联软件有限公司的劳动合同于2026年10月31日期满，"
            "单位不再续订，属于非因本人意愿中断就业",
            "RS-ZM-004": "本人已于2026年11月3日在颍泉区公共就业服务中心办理失业登记",
        },
        approve="申请人书面承诺符合失业保险金领取条件，依据告知承诺制先行核定发放，决定后核查",
    )
    # G. left open in 市场监管局's inbox (before the decision: 周十 is risk D): scjg_admin
    # takes it, may see the full identifier to find the record, and answers
    _case(
        clerk,
        officer,
        zhoushi,
        "340100-RS-005",
        {
            "RS-ZM-007": "本人自2024年6月起与阜阳市颍东区顺达物流有限公司建立劳动关系，"
            "2026年11月20日在仓库装卸货物时从货车上摔伤"
        },
    )
    for pk in Commitment.objects.filter(pdf="", status=CommitmentStatus.SIGNED).values_list(
        "pk", flat=True
    ):
        cases.commitment_archive(commitment_id=pk)

    _run_online_checks(stdout)

    # A. work years untrue → rectification, done in time (no record)
    if task := _inconsistent(a, "RS-ZM-002"):
        h = handling.handling_decide(
            actor=officer,
            task=task,
            measure=Measure.RECTIFY,
            reason="经比对社会保险缴费信息，申请人在阜阳颍泉智联软件有限公司连续缴费20个月，"
            "不满承诺的3年专业工作年限；申请人称此前在外地从事相关工作，责令限期补交"
            "原工作单位出具的工作年限证明及缴费记录",
            legal_basis="《国务院办公厅关于全面推行证明事项告知承诺制的指导意见》；"
            "阜政办〔2021〕1号",
            rectification_days=10,
        )
        handling.rectification_close(
            actor=officer,
            handling=h,
            rectified=True,
            note="申请人已补交合肥某科技公司出具的2021年7月至2023年2月工作证明及当地社保"
            "缴费记录，合计从事专业工作满3年，承诺内容经补正属实",
        )
    # B. degree untrue → approval revoked and a fine; skills certificate verified on site
    if task := _inconsistent(b, "RS-ZM-001"):
        reason = (
            "经比对学历学位信息，申请人学历为阜阳职业技术学院会计专业专科，无学士学位，"
            "与其承诺的“安徽财经大学会计学本科、管理学学士学位”不符，不具备报考条件"
        )
        handling.handling_decide(
            actor=officer,
            task=task,
            measure=Measure.REVOKE,
            reason=reason + "，撤销准予报名的决定",
            legal_basis="《中华人民共和国行政许可法》第六十九条；阜政办〔2021〕1号",
        )
        handling.handling_decide(
            actor=officer,
            task=task,
            measure=Measure.PENALTY,
            reason=reason + "，以虚假承诺取得报名资格，依法处以罚款",
            legal_basis="《专业技术人员资格考试违纪违规行为处理规定》；阜政办〔2021〕1号",
            decision_number="阜人社罚〔2026〕18号",
            penalty_amount="2000",
            impact={"amount_yuan": 2000},
        )
    _inspect(
        inspector,
        b,
        "RS-ZM-008",
        Outcome.CONSISTENT,
        "两名核查人员到阜阳市财政局会计资格考试管理窗口核对档案：申请人2024年会计专业技术"
        "初级资格证书的编号、姓名、身份证号与档案一致，申请人出示的证书原件与档案相符",
    )
    # C. employed (risk D, before the decision) → rectification not done → terminated
    if task := _inconsistent(c, "RS-ZM-003"):
        h = handling.handling_decide(
            actor=officer,
            task=task,
            measure=Measure.RECTIFY,
            reason="经比对社会保险参保信息，申请人自2026年9月起由颍上县慎城建材贸易有限公司"
            "缴纳社会保险，处于就业状态，责令限期说明情况并补正承诺",
            legal_basis="《失业保险条例》第十四条；阜政办〔2021〕1号",
            rectification_days=5,
        )
        handling.rectification_close(
            actor=officer,
            handling=h,
            rectified=False,
            note="经电话及书面通知，申请人在整改期限内未说明情况，也未提交离职证明",
        )
        handling.handling_decide(
            actor=officer,
            task=task,
            measure=Measure.TERMINATE,
            reason="申请人承诺“非因本人意愿中断就业”，经核查其在申请时已在新单位参保就业，"
            "逾期未整改，承诺不实，终止办理失业保险金申领",
            legal_basis="《失业保险条例》第十四条；阜政办〔2021〕1号",
        )
    # D. 市场监管局 answers: the employer was deregistered before the injury → good faith
    if (request := _open_request(d)) is not None:
        assistance.assistance_answer(
            actor=scjg_admin,
            request=request,
            result=Outcome.INCONSISTENT,
            answer="经查询市场主体登记信息，阜阳颍泉智联软件有限公司已于2026年8月20日注销，"
            "其业务及人员由关联企业阜阳颍泉智联信息技术有限公司承接，申请人承诺的用人单位"
            "名称与受伤时实际用人单位不一致",
            evidence=SimpleUploadedFile(
                "企业注销登记信息.pdf", proof_pdf("Deregistration record"), "application/pdf"
            ),
        )
        if task := _task(d, "RS-ZM-007", VerificationMethod.ASSISTANCE):
            task.refresh_from_db()
        if task is not None and task.outcome == Outcome.INCONSISTENT:
            handling.handling_decide(
                actor=officer,
                task=task,
                measure=Measure.GOOD_FAITH,
                reason="用人单位注销后由关联企业承接，申请人误填原单位名称，劳动关系本身属实；"
                "申请人已于当日更正承诺书中的用人单位名称，属善意差错并已及时更正，不记失信",
                legal_basis="阜政办〔2021〕1号",
            )
    # E. 市场监管局 refuses in writing → on-site inspection → untrue → referral
    if (request := _open_request(e)) is not None:
        assistance.assistance_refuse(
            actor=scjg_admin,
            request=request,
            reason="本局登记的市场主体信息只能证明阜南县鹿城会计服务有限公司的存续状态和"
            "登记事项，不记录企业的用工情况和劳动合同，无法核实申请人与该公司是否存在劳动"
            "关系；建议向用人单位或社保经办机构核实工资发放和参保记录",
        )
        task = _task(e, "RS-ZM-007", VerificationMethod.ASSISTANCE)
        if task is not None:
            onsite = assistance.inspection_request(actor=officer, task=task)
            found = Inspection.objects.filter(task=onsite).first()
            if found is not None:
                inspection.inspection_complete(
                    actor=inspector,
                    inspection=found,
                    result=Outcome.INCONSISTENT,
                    findings="核查人员到阜南县鹿城会计服务有限公司现场核查：公司负责人称申请人"
                    "系2026年9月临时借用公司名义挂靠记账，不在公司工作，从未签订劳动合同，"
                    "公司工资表和考勤记录中均无申请人；申请人所称的外出送达账册与公司业务无关",
                    photos=[_photo("公司工资表.png"), _photo("现场询问笔录.png")],
                )
            onsite.refresh_from_db()
            if onsite.outcome == Outcome.INCONSISTENT:
                handling.handling_decide(
                    actor=officer,
                    task=onsite,
                    measure=Measure.REFERRAL,
                    reason="申请人虚构与阜南县鹿城会计服务有限公司的劳动关系申请工伤认定，"
                    "意图骗取工伤保险待遇，涉嫌诈骗，依法移送公安机关",
                    legal_basis="《中华人民共和国社会保险法》第八十八条；《行政执法机关移送涉嫌"
                    "犯罪案件的规定》",
                    referred_to=POLICE,
                    impact={"amount_yuan": 48000},
                )
    # F. 钱八 employed: inconsistent, awaiting the officer; the registration unable on site
    _inspect(
        inspector,
        f,
        "RS-ZM-004",
        Outcome.UNABLE,
        "核查人员到颍泉区公共就业服务中心核实，该中心失业登记系统正在迁移，2026年11月的纸质"
        "登记台账尚未归档，工作人员无法确认申请人是否办理失业登记；申请人电话无人接听，"
        "暂无法核查",
    )
    return _counts()
