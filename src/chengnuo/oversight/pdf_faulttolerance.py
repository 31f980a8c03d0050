"""The evidence pack of a fault-tolerance review as an A4 PDF (R-8.4), with the platform's CJK
faces (documents.render.PdfDocument): the same sections as the page, from the frozen JSON."""

from __future__ import annotations

from typing import Any

from chengnuo.core.timefmt import local
from chengnuo.documents.render import PdfDocument


def _v(version: dict[str, Any] | None, *, effective: bool = False) -> str:
    if not version:
        return "无"
    text = f"第{version['number']}版"
    if effective and version.get("effective_date"):
        return f"{text}（{version['effective_date']}生效）"
    return f"{text}（{version.get('published_at', '')}发布）"


def filename(review: Any, pack: Any) -> str:
    return f"容错审查证据材料-{review.number}-第{pack.version}版.pdf"


def render(review: Any, pack: Any, decisions: list[Any]) -> bytes:
    c = pack.content
    case = c["case"]
    pdf = PdfDocument(
        f"容错审查证据材料 {review.number}",
        f"容错审查{review.number} · 证据材料第{pack.version}版",
    )
    pdf.title(
        "容错审查证据材料",
        [f"审查编号：{review.number}　证据材料第{pack.version}版",
         f"汇集时间：{local(pack.assembled_at)}"],
    )  # fmt: skip
    pdf.heading("一、审查事项")
    rows = [
        ("不利后果类型", c["kind_label"]),
        ("办件编号", case["number"]),
        ("事项", case["matter"]),
        ("实施机关", case["agency"]),
        ("申请人", case["subject"]),
    ]
    if review.loss:
        rows.append(("损失情况", review.loss))
    if review.grounds:
        rows.append(("审查事由", review.grounds))
    pdf.table(rows, col_widths=(1, 3))
    for line in c["outcome"]:
        pdf.block(line)
    pdf.heading("二、决定及其依据")
    who = case.get("decided_by") or {}
    decider = f"{who.get('name', '')} {who.get('role', '')} {who.get('agency', '')}".strip()
    pdf.table(
        [
            ("办件状态", case["status"]),
            ("提交时间", case["submitted_at"] or "—"),
            ("办结期限", case["due_date"] or "—"),
            ("决定时间", case["decided_at"] or "—"),
            ("决定人", decider or "—"),
            ("决定理由", case["decision_reason"] or "—"),
            ("设定依据", case["legal_basis"] or "—"),
        ],
        col_widths=(1, 3),
    )  # fmt: skip
    pdf.heading("三、决定时施行的目录、文本和指南版本")
    rows = [("目录清单（决定时施行）", _v(c["catalog"]["in_force"], effective=True))]
    for x in c["catalog"]["lines"]:
        rows.append(
            (
                f"{x['item']}（{x['choice']}）",
                ("适用目录" + _v(x["version"], effective=True)) if x["version"] else "—",
            )
        )
    for x in c["commitments"]:
        rows.append((f"{x['item']}告知书", _v(x["notification"])))
        rows.append(
            (f"{x['item']}承诺书", f"{_v(x['commitment'])}；{x['signer']}于{x['signed_at']}签署，"
             f"{x['status']}")
        )  # fmt: skip
    rows.append(("办事指南", _v(c["guide"])))
    for x in c["work_rules"]:
        rows.append((f"{x['item']}工作规程", _v(x["version"])))
    pdf.table(rows, col_widths=(1, 2))
    pdf.heading("四、核查计划和核查情况")
    if c["plans"]:
        pdf.table(
            [(p["item"], "、".join(p["methods"]), p["timing"], f"{p['days']}个工作日")
             for p in c["plans"]],
            header=("证明事项", "核查方式", "核查时点", "核查时限"),
            col_widths=(2, 2, 1.5, 1.5),
        )  # fmt: skip
    if c["verification"]:
        pdf.table(
            [(t["item"], t["method"], t["due_date"], t["status"], t["outcome"],
              t["concluded_at"] or "—", f"超期{t['overdue_days']}日" if t["overdue_days"] else "否")
             for t in c["verification"]],
            header=("证明事项", "方式", "期限", "状态", "结论", "完成时间", "超期"),
            col_widths=(2, 1.3, 1.4, 1, 1.2, 1.6, 1),
            size=9,
        )  # fmt: skip
    else:
        pdf.block("无核查任务。")
    for h in c["handlings"]:
        when = f"{h['decided_at']}，{h['decided_by']}"
        pdf.block(f"处置：{h['item']} {h['measure']}（{when}）：{h['reason']}")
    pdf.heading("五、信用记录和投诉举报")
    if not c["credit"] and not c["complaints"]:
        pdf.block("无。")
    for r in c["credit"]:
        pdf.block(
            f"信用记录：{r['kind']}{r['grade']}，{r['decided_on']}，{r['agency']}：{r['summary']}"
        )
    for x in c["complaints"]:
        pdf.block(
            f"投诉举报{x['number']}（{x['kind']}，{x['status']}）：{x['facts'] or '尚未查明'}"
        )
    pdf.heading("六、办件经过")
    pdf.table(
        [(e["at"], f"{e['who']}（{e['role']}{'，' + e['agency'] if e['agency'] else ''}）",
          e["what"] + (f"：{e['message']}" if e["message"] else ""))
         for e in c["events"]],
        header=("时间", "操作人", "事项"),
        col_widths=(1.3, 1.7, 3),
        size=9,
    )  # fmt: skip
    if decisions:
        pdf.heading("七、审查结论")
        for d in decisions:
            head = "更正结论" if d.corrects_id else "审查结论"
            pdf.block(f"{head}：{d.get_conclusion_display()}（{local(d.decided_at)}，{d.decided_by}，"
                      f"依据证据材料第{d.pack.version}版）", face="sans")  # fmt: skip
            pdf.block(f"理由：{d.reasons}")
            pdf.block(f"依据：{d.basis}")
            names = "、".join(str(p) for p in d.persons.all())
            if names:
                pdf.block(f"相关人员：{names}")
    pdf.pdf.ln(4)
    pdf.block(
        f"技术信息：证据材料摘要（{pack.algorithm.upper()}）{pack.digest}", face="sans", size=8
    )
    return pdf.output()
