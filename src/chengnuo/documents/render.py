"""DOCX and PDF renderings of published notification (告知书) and commitment (承诺书) versions
(issue 4 §5, R-3.4).

Both renderers take a version's canonical `content` and lay it out the same way: the title, the
agency and the item, then every element in the order of `constants` with its Chinese label; a
commitment adds its facts as a label / value table, the four declarations and the signature and
date lines; a footer carries the version number and the SM3 digest.

`filled` is the pre-filled per-case content from `services.version_content_for_case` (facts with
a `value`, `version` with number and digest) plus, optionally, `applicant: {"name": ...}` already
masked by the caller; it is rendered as given.

The PDF embeds subsets of the CJK faces that the Python set-up installs (`fonts.py`): no system
font package is needed, and no font file is copied into the repository.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import fonts
from .constants import (
    COMMITMENT_DECLARATIONS,
    FACTS_LABEL,
    FREE_TEXT_LABEL,
    NOTIFICATION_ELEMENTS,
    TemplateKind,
)

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"
CONTENT_TYPES = {"docx": DOCX_CONTENT_TYPE, "pdf": PDF_CONTENT_TYPE}

BLANK = "＿＿＿＿＿＿＿＿＿＿"
SIGNATURE_LINE = "承诺人（签字或盖章）：＿＿＿＿＿＿＿＿＿＿"
DATE_LINE = "日期：＿＿＿＿年＿＿月＿＿日"
KIND_TITLES = {TemplateKind.NOTIFICATION: "告知书", TemplateKind.COMMITMENT: "承诺书"}
DECLARATIONS_HEADING = "承诺声明"


# --- layout (shared by both formats) --------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    title: str
    subtitle: list[str]
    sections: list[tuple[str, str]]  # (heading, paragraph), before the facts
    facts: list[tuple[str, str]] | None  # commitment only: (label, value or blank line)
    declarations: list[tuple[str, str]]  # commitment only, after the facts
    closing: list[str]  # signature and date lines (commitment only)
    footer: str


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def layout(
    content: dict[str, Any],
    filled: dict[str, Any] | None = None,
    *,
    number: int | None = None,
    digest: str = "",
) -> Layout:
    """The document's structure from the version content (and the pre-filled content)."""
    source = filled if filled is not None else content
    kind = source.get("kind", "")
    item = source.get("item") or {}
    agency = source.get("agency") or {}
    fields = source.get("fields") or {}
    version = (filled or {}).get("version") or {}
    number = version.get("number", number)
    digest = version.get("digest", digest) or ""

    subtitle = [
        f"实施机关：{_text(agency.get('name'))}",
        f"证明事项：{_text(item.get('name'))}（{_text(item.get('code'))}）",
    ]
    sections: list[tuple[str, str]] = []
    declarations: list[tuple[str, str]] = []
    facts: list[tuple[str, str]] | None = None
    closing: list[str] = []
    if kind == TemplateKind.COMMITMENT:
        facts = []
        for fact in source.get("facts") or []:
            value = _text(fact.get("value")).strip() if filled is not None else ""
            facts.append((_text(fact.get("label")), value or BLANK))
        declarations = [
            (label, _text(fields.get(field))) for field, label in COMMITMENT_DECLARATIONS
        ]
        if _text(fields.get("free_text")).strip():
            declarations.append((FREE_TEXT_LABEL, _text(fields.get("free_text"))))
        applicant = ((filled or {}).get("applicant") or {}).get("name")
        if applicant:
            closing.append(f"承诺人：{applicant}")
        signed = (filled or {}).get("signed") or {}
        if signed:
            closing += [
                f"办件编号：{_text(signed.get('case'))}",
                f"签署方式：{_text(signed.get('method'))}",
                f"签署时间：{_text(signed.get('at'))}",
                f"承诺记录SM3摘要：{_text(signed.get('digest'))}",
            ]
        else:
            closing += [SIGNATURE_LINE, DATE_LINE]
    else:
        sections = [(label, _text(fields.get(field))) for field, label in NOTIFICATION_ELEMENTS]
        if _text(fields.get("free_text")).strip():
            sections.append((FREE_TEXT_LABEL, _text(fields.get("free_text"))))
    footer_parts = []
    if number is not None:
        footer_parts.append(f"版本：第{number}版")
    if digest:
        footer_parts.append(f"SM3摘要：{digest}")
    return Layout(
        title=f"{_text(item.get('name'))}{KIND_TITLES.get(kind, '')}",
        subtitle=subtitle,
        sections=sections,
        facts=facts,
        declarations=declarations,
        closing=closing,
        footer="　".join(footer_parts),
    )


# --- DOCX -----------------------------------------------------------------------------------

DOCX_FONT = "宋体"


def _docx_font(run_or_style: Any, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = run_or_style.font
    font.name = DOCX_FONT
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), DOCX_FONT)
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold


def render_docx(
    content: dict[str, Any],
    filled: dict[str, Any] | None = None,
    *,
    number: int | None = None,
    digest: str = "",
) -> bytes:
    """The version as a Word document (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc_layout = layout(content, filled, number=number, digest=digest)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    _docx_font(document.styles["Normal"], size=12)

    def paragraph(text: str, *, size: float = 12, bold: bool = False, center: bool = False) -> None:
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _docx_font(p.add_run(text), size=size, bold=bold)

    def heading(text: str) -> None:
        paragraph(text, size=14, bold=True)

    paragraph(doc_layout.title, size=18, bold=True, center=True)
    for line in doc_layout.subtitle:
        paragraph(line, center=True)
    for label, text in doc_layout.sections:
        heading(label)
        paragraph(text)
    if doc_layout.facts is not None:
        heading(FACTS_LABEL)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in doc_layout.facts:
            cells = table.add_row().cells
            for cell, text, bold in ((cells[0], label, True), (cells[1], value, False)):
                _docx_font(cell.paragraphs[0].add_run(text), bold=bold)
    if doc_layout.declarations:
        heading(DECLARATIONS_HEADING)
        for label, text in doc_layout.declarations:
            heading(label)
            paragraph(text)
    for line in doc_layout.closing:
        paragraph(line)
    if doc_layout.footer:
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _docx_font(footer.add_run(doc_layout.footer), size=8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------

# A heading needs this much room below it (mm) for its first lines, or it moves to the next page
# instead of standing alone at the foot of one.
KEEP_WITH_NEXT = 24.0


class PdfDocument:
    """An A4 document with the platform's CJK faces (`fonts.py`): the title and body in the
    serif, headings, tables and the footer in the sans. Shared by every PDF renderer."""

    def __init__(self, title: str, footer: str) -> None:
        from fpdf import FPDF
        from fpdf.enums import WrapMode

        class Document(FPDF):
            def footer(self) -> None:
                self.set_y(-15)
                self.set_font("sans", size=8)
                text = f"{footer}　第{self.page_no()}页" if footer else f"第{self.page_no()}页"
                self.multi_cell(0, 4, text, align="C", wrapmode=WrapMode.CHAR)

        pdf = Document(orientation="portrait", unit="mm", format="A4")
        pdf.set_title(title)
        pdf.set_lang("zh-CN")
        pdf.set_creator("chengnuo")
        pdf.set_margins(20, 20, 20)
        pdf.set_auto_page_break(auto=True, margin=22)
        fonts.register(pdf)
        pdf.add_page()
        self.pdf = pdf

    def block(
        self,
        text: str,
        *,
        face: str = "serif",
        size: float = 11,
        height: float = 6.5,
        align: str = "L",
    ) -> None:
        from fpdf.enums import WrapMode, XPos, YPos

        self.pdf.set_font(face, size=size)
        self.pdf.multi_cell(
            0,
            height,
            text,
            align=align,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def title(self, text: str, subtitle: list[str]) -> None:
        self.block(text, size=18, height=10, align="C")
        for line in subtitle:
            self.block(line, align="C")
        self.pdf.ln(2)

    def heading(self, text: str, *, size: float = 13) -> None:
        self.pdf.ln(2)
        if self.pdf.will_page_break(KEEP_WITH_NEXT):
            self.pdf.add_page()
        self.block(text, face="sans", size=size, height=8)

    def table(
        self,
        rows: Sequence[tuple[str, ...]],
        *,
        col_widths: tuple[float, ...],
        header: tuple[str, ...] | None = None,
        size: float = 10,
    ) -> None:
        from fpdf.enums import WrapMode
        from fpdf.fonts import FontFace

        self.pdf.set_font("sans", size=size)
        with self.pdf.table(
            col_widths=col_widths,
            first_row_as_headings=header is not None,
            headings_style=FontFace(fill_color=(235, 235, 235)),
            wrapmode=WrapMode.CHAR,
        ) as t:
            for values in [*([header] if header else []), *rows]:
                row = t.row()
                for text in values:
                    row.cell(text)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def render_pdf(
    content: dict[str, Any],
    filled: dict[str, Any] | None = None,
    *,
    number: int | None = None,
    digest: str = "",
) -> bytes:
    """The version as an A4 PDF (fpdf2) with the CJK faces embedded (subset)."""
    doc_layout = layout(content, filled, number=number, digest=digest)
    pdf = PdfDocument(doc_layout.title, doc_layout.footer)
    pdf.title(doc_layout.title, doc_layout.subtitle)
    for label, text in doc_layout.sections:
        pdf.heading(label)
        pdf.block(text)
    if doc_layout.facts is not None:
        pdf.heading(FACTS_LABEL)
        pdf.table(doc_layout.facts, col_widths=(1, 2), size=11)
    if doc_layout.declarations:
        pdf.heading(DECLARATIONS_HEADING)
        for label, text in doc_layout.declarations:
            pdf.heading(label, size=12)
            pdf.block(text)
    if doc_layout.closing:
        pdf.pdf.ln(6)
        for line in doc_layout.closing:
            pdf.block(line, height=9)
    return pdf.output()


# --- a published version --------------------------------------------------------------------

RENDERERS = {"docx": render_docx, "pdf": render_pdf}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def render_version(version: Any, fmt: str, *, filled: dict[str, Any] | None = None) -> bytes:
    """A `TemplateVersion` as `fmt` (docx or pdf); `filled` from version_content_for_case."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown document format {fmt!r}") from None
    return renderer(version.content, filled, number=version.number, digest=version.digest)


def version_filename(version: Any, fmt: str) -> str:
    """ASCII download name: RS-ZM-001-notification-v1.pdf"""
    code = _UNSAFE.sub("_", version.item.code).strip("._") or "item"
    return f"{code}-{version.kind}-v{version.number}.{fmt}"


# --- service guides and work rules (R-3.4, R-3.5) --------------------------------------------

GUIDE_KIND_TITLES = {"guide": "办事指南", "work_rules": "工作规程"}
MATERIALS_COLUMNS = ("序号", "材料名称", "说明", "提交方式")
PLAIN_MATERIAL = "按要求提交"
PROOF_REQUIRED = "需提交证明"
DAY_FIELDS = ("legal_time_limit_days", "promised_time_limit_days")


@dataclass(frozen=True)
class GuideLayout:
    title: str
    subtitle: list[str]
    # (heading, kind, body): kind "text" (body a str), "materials" (rows of 4 str), "steps"
    # (a list of str), in the order of the document's required sections.
    sections: list[tuple[str, str, Any]]
    footer: str


def material_rows(materials: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(number, name, note, how to submit) of each material; a proof of an item under commitment
    carries the "实行告知承诺制" marking and the alternative (R-3.5, R-2.1)."""
    rows = []
    for i, entry in enumerate(materials, start=1):
        if entry.get("kind") == "proof":
            if entry.get("under_commitment"):
                how = f"{_text(entry.get('marking'))}：{_text(entry.get('alternative'))}"
            else:
                how = PROOF_REQUIRED
        else:
            how = PLAIN_MATERIAL
        rows.append((str(i), _text(entry.get("name")), _text(entry.get("note")), how))
    return rows


def guide_layout(
    content: dict[str, Any], *, number: int | None = None, digest: str = ""
) -> GuideLayout:
    """The structure of a published guide or work-rules content, shared by HTML, DOCX and PDF."""
    from .guides import GUIDE_SECTIONS, LABELS, WORK_RULES_SECTIONS

    kind = content.get("kind", "")
    fields = content.get("fields") or {}
    agency = content.get("agency") or {}
    subtitle = [f"实施机关：{_text(agency.get('name'))}"]
    sections: list[tuple[str, str, Any]] = []
    if kind == "work_rules":
        subject = content.get("item") or {}
        subtitle.append(f"证明事项：{_text(subject.get('name'))}（{_text(subject.get('code'))}）")
        for field, label in WORK_RULES_SECTIONS:
            if field == "steps":
                steps = [_text(s) for s in content.get("steps") or []]
                sections.append((label, "steps", steps))
            else:
                sections.append((label, "text", _text(fields.get(field))))
    else:
        subject = content.get("matter") or {}
        subtitle.append(f"行政事项：{_text(subject.get('name'))}（{_text(subject.get('code'))}）")
        for field, label in GUIDE_SECTIONS:
            if field == "materials":
                rows = material_rows(content.get("materials") or [])
                sections.append((label, "materials", rows))
            elif field in DAY_FIELDS:
                days = fields.get(field)
                sections.append((label, "text", f"{days}个工作日" if days else ""))
            else:
                sections.append((label, "text", _text(fields.get(field))))
    if _text(fields.get("free_text")).strip():
        sections.append((LABELS["free_text"], "text", _text(fields.get("free_text"))))
    footer_parts = []
    if number is not None:
        footer_parts.append(f"版本：第{number}版")
    if digest:
        footer_parts.append(f"SM3摘要：{digest}")
    return GuideLayout(
        title=f"{_text(subject.get('name'))}{GUIDE_KIND_TITLES.get(kind, '')}",
        subtitle=subtitle,
        sections=sections,
        footer="　".join(footer_parts),
    )


def render_guide_docx(
    content: dict[str, Any], *, number: int | None = None, digest: str = ""
) -> bytes:
    """A published guide or work rules as a Word document (python-docx)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    doc_layout = guide_layout(content, number=number, digest=digest)
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    _docx_font(document.styles["Normal"], size=12)

    def paragraph(text: str, *, size: float = 12, bold: bool = False, center: bool = False) -> None:
        p = document.add_paragraph()
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _docx_font(p.add_run(text), size=size, bold=bold)

    paragraph(doc_layout.title, size=18, bold=True, center=True)
    for line in doc_layout.subtitle:
        paragraph(line, center=True)
    for label, kind, body in doc_layout.sections:
        paragraph(label, size=14, bold=True)
        if kind == "materials":
            table = document.add_table(rows=1, cols=len(MATERIALS_COLUMNS))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, MATERIALS_COLUMNS, strict=True):
                _docx_font(cell.paragraphs[0].add_run(text), bold=True)
            for row in body:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    _docx_font(cell.paragraphs[0].add_run(text))
        elif kind == "steps":
            for i, step in enumerate(body, start=1):
                paragraph(f"{i}. {step}")
        else:
            paragraph(body)
    if doc_layout.footer:
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _docx_font(footer.add_run(doc_layout.footer), size=8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_guide_pdf(
    content: dict[str, Any], *, number: int | None = None, digest: str = ""
) -> bytes:
    """A published guide or work rules as an A4 PDF (fpdf2) with the CJK faces embedded."""
    doc_layout = guide_layout(content, number=number, digest=digest)
    pdf = PdfDocument(doc_layout.title, doc_layout.footer)
    pdf.title(doc_layout.title, doc_layout.subtitle)
    for label, kind, body in doc_layout.sections:
        pdf.heading(label)
        if kind == "materials":
            pdf.table(body, col_widths=(1, 4, 6, 6), header=MATERIALS_COLUMNS)
        elif kind == "steps":
            for i, step in enumerate(body, start=1):
                pdf.block(f"{i}. {step}")
        else:
            pdf.block(body)
    return pdf.output()


GUIDE_RENDERERS = {"docx": render_guide_docx, "pdf": render_guide_pdf}


def render_guide_version(version: Any, fmt: str) -> bytes:
    """A `GuideVersion` as `fmt` (docx or pdf)."""
    try:
        renderer = GUIDE_RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown document format {fmt!r}") from None
    return renderer(version.content, number=version.number, digest=version.digest)


def guide_filename(version: Any, fmt: str) -> str:
    """ASCII download name: guide-340100-RS-001-v1.pdf, work-rules-RS-ZM-001-v1.docx"""
    if version.kind == "work_rules":
        prefix, code = "work-rules", version.item.code
    else:
        prefix, code = "guide", version.matter.code
    code = _UNSAFE.sub("_", code).strip("._") or prefix
    return f"{prefix}-{code}-v{version.number}.{fmt}"
