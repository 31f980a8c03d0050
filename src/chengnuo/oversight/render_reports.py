"""A circulated report (督察情况通报, R-8.2) as an official document (公文格式, after GB/T 9704):
the red masthead (the bureau's name and 督察情况通报), the document number centred under it and a
red rule; the title in large type; the recipients (主送); the body headed 一、二、…; the issuing
bureau and the date in Chinese numerals (落款, 成文日期); then, as the 附件 on a new page, the two
tables of figures and the charts; page numbers "— 1 —". As DOCX (python-docx) and PDF (fpdf2
with the platform's CJK faces, `documents.fonts`); the charts are PNGs drawn with Pillow in the
same faces, the same images in both formats and on the report's page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from chengnuo.documents import fonts

from .constants_reports import CASE_COLUMNS, OVERSIGHT_COLUMNS, PERCENT_KEYS

RED = (200, 16, 16)
NUMERALS = "一二三四五六七八九十"
DIGITS = "〇一二三四五六七八九"
MASTHEAD = "督察情况通报"
ATTACHMENT = "附件"
DRAFT_NUMBER = "（草稿，印发时编号）"
TABLE_TITLES = ("附表1  各单位办件和核查情况", "附表2  协助核查、投诉举报和重点任务情况")
CHART_TITLES = {
    "bars": "附图1  各单位办件量和告知承诺办件",
    "trend": "附图2  月度趋势",
}


def chinese_number(n: int) -> str:
    """1..31 in Chinese numerals: 八, 十二, 二十, 三十一."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else NUMERALS[tens - 1]) + "十" + (NUMERALS[units - 1] if units else "")


def chinese_date(day: dt.date) -> str:
    """成文日期 in Chinese numerals: 二〇二六年十二月八日."""
    year = "".join(DIGITS[int(c)] for c in str(day.year))
    return f"{year}年{chinese_number(day.month)}月{chinese_number(day.day)}日"


def cell(row: dict[str, Any], key: str) -> str:
    value = row.get(key)
    if value is None:
        return "—"
    if key in PERCENT_KEYS:
        return f"{value:g}%"
    return str(value)


def table_rows(figures: dict[str, Any], columns: Sequence[tuple[str, str]]) -> list[list[str]]:
    rows = [*(figures.get("agencies") or []), figures.get("total") or {"short": "合计"}]
    return [[str(r.get("short") or r.get("name") or "")] + [cell(r, k) for k, _ in columns]
            for r in rows]  # fmt: skip


@dataclass(frozen=True)
class Document:
    bureau: str
    number: str
    title: str
    recipients: str  # 主送
    sections: list[tuple[str, list[str]]]  # ("一、总体情况", paragraphs)
    tables: list[tuple[str, list[str], list[list[str]]]]  # (title, header, rows)
    charts: list[tuple[str, bytes]]  # (title, PNG)
    date: str  # 成文日期
    draft: bool


def document_of(report: Any, recipients: Sequence[Any], *, with_charts: bool = True) -> Document:
    figures = report.figures or {}
    day = timezone.localtime(report.issued_at).date() if report.issued_at else timezone.localdate()
    sections = []
    for i, s in enumerate(report.sections or []):
        head = f"{NUMERALS[i] if i < 10 else i + 1}、{s.get('heading', '')}"
        paragraphs = [p.strip() for p in str(s.get("text", "")).splitlines() if p.strip()]
        sections.append((head, paragraphs))
    tables = []
    for title, columns in zip(TABLE_TITLES, (CASE_COLUMNS, OVERSIGHT_COLUMNS), strict=True):
        tables.append((title, ["单位", *(c[1] for c in columns)], table_rows(figures, columns)))
    png = charts(figures) if with_charts else {}
    names = [r.agency.short_name or r.agency.name for r in recipients]
    return Document(
        bureau=report.issuer.name,
        number=report.number or DRAFT_NUMBER,
        title=report.title,
        recipients="、".join(names) + "：",
        sections=sections,
        tables=tables,
        charts=[(CHART_TITLES[k], png[k]) for k in ("bars", "trend") if k in png],
        date=chinese_date(day),
        draft=not report.number,
    )


# --- charts (Pillow) ---------------------------------------------------------------------------

CHART_SIZE = (1400, 640)
BLUE, ORANGE, GREY, INK = (52, 101, 164), (230, 126, 34), (200, 200, 200), (40, 40, 40)


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(fonts.cjk_fonts().sans.path, size, index=fonts.cjk_fonts().sans.index)


def _nice_max(value: int) -> int:
    top = max(value, 1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top <= step * 5:
            return step * 5
    return top


def _axes(draw: Any, box: tuple[int, int, int, int], top: int, small: Any) -> None:
    left, upper, right, lower = box
    for i in range(6):
        y = lower - (lower - upper) * i / 5
        draw.line([(left, y), (right, y)], fill=GREY if i else INK, width=1 if i else 2)
        label = f"{top * i // 5}"
        w = draw.textlength(label, font=small)
        draw.text((left - 12 - w, y - 13), label, fill=INK, font=small)


def _legend(draw: Any, x: int, y: int, items: list[tuple[str, Any]], font: Any) -> None:
    for label, color in items:
        draw.rectangle([x, y + 6, x + 28, y + 26], fill=color)
        draw.text((x + 36, y), label, fill=INK, font=font)
        x += 60 + int(draw.textlength(label, font=font))


def bar_chart(figures: dict[str, Any]) -> bytes:
    """Cases and cases by commitment per agency, the share by commitment above each pair."""
    from PIL import Image, ImageDraw

    rows = (figures.get("agencies") or [])[:16]
    image = Image.new("RGB", CHART_SIZE, "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(28), _font(22)
    _legend(draw, 120, 16, [("办件量", BLUE), ("告知承诺办件", ORANGE)], font)
    box = (110, 80, CHART_SIZE[0] - 30, CHART_SIZE[1] - 130)
    top = _nice_max(max([r.get("submitted", 0) for r in rows] or [0]))
    _axes(draw, box, top, small)
    left, upper, right, lower = box
    slot = (right - left) / max(len(rows), 1)
    bar = min(slot * 0.34, 60)
    for i, r in enumerate(rows):
        x = left + slot * i + slot / 2
        for j, (key, color) in enumerate((("submitted", BLUE), ("by_commitment", ORANGE))):
            h = (lower - upper) * (r.get(key) or 0) / top
            x0 = x - bar + j * bar
            draw.rectangle([x0, lower - h, x0 + bar - 2, lower], fill=color)
        share = r.get("commitment_share")
        if share is not None:
            label = f"{share:g}%"
            h = (lower - upper) * (r.get("submitted") or 0) / top
            w = draw.textlength(label, font=small)
            draw.text((x - w / 2, lower - h - 30), label, fill=INK, font=small)
        name = str(r.get("short") or r.get("name") or "")
        name = name if len(name) <= 7 else name[:6] + "…"
        w = draw.textlength(name, font=small)
        if slot >= w + 6:
            draw.text((x - w / 2, lower + 12), name, fill=INK, font=small)
        else:  # two lines of the name where the slot is narrow
            half = (len(name) + 1) // 2
            for k, part in enumerate((name[:half], name[half:])):
                pw = draw.textlength(part, font=small)
                draw.text((x - pw / 2, lower + 10 + 28 * k), part, fill=INK, font=small)
    return _png(image)


def trend_chart(figures: dict[str, Any]) -> bytes:
    """Cases and cases by commitment per month of the period."""
    from PIL import Image, ImageDraw

    months = figures.get("months") or []
    trend = figures.get("trend") or {}
    series = [("submitted", "办件量", BLUE), ("by_commitment", "告知承诺办件", ORANGE)]
    image = Image.new("RGB", CHART_SIZE, "white")
    draw = ImageDraw.Draw(image)
    font, small = _font(28), _font(22)
    _legend(draw, 120, 16, [(label, color) for _k, label, color in series], font)
    box = (110, 80, CHART_SIZE[0] - 50, CHART_SIZE[1] - 90)
    values = [v for k, _l, _c in series for v in trend.get(k, [])]
    top = _nice_max(max(values or [0]))
    _axes(draw, box, top, small)
    left, upper, right, lower = box
    n = max(len(months), 1)
    step = (right - left) / n

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + step * i + step / 2, lower - (lower - upper) * v / top

    for key, _label, color in series:
        points = [xy(i, v) for i, v in enumerate(trend.get(key, []))]
        if len(points) > 1:
            draw.line(points, fill=color, width=5)
        for px, py in points:
            draw.ellipse([px - 7, py - 7, px + 7, py + 7], fill=color)
    for i, m in enumerate(months):
        label = f"{int(m[5:7])}月" if len(m) >= 7 else m
        w = draw.textlength(label, font=small)
        draw.text((xy(i, 0)[0] - w / 2, lower + 12), label, fill=INK, font=small)
    return _png(image)


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def charts(figures: dict[str, Any]) -> dict[str, bytes]:
    return {"bars": bar_chart(figures), "trend": trend_chart(figures)}


# --- DOCX --------------------------------------------------------------------------------------

TITLE_FACE, HEAD_FACE, BODY_FACE = "方正小标宋简体", "黑体", "仿宋_GB2312"


def _run(paragraph: Any, text: str, face: str, size: float, *, bold: bool = False,
         color: tuple[int, int, int] | None = None) -> Any:  # fmt: skip
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.name = face
    run.font.size = Pt(size)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor(*color)
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), face)
    return run


def _red_rule(paragraph: Any) -> None:
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    border = ppr.makeelement(qn("w:pBdr"), {})
    bottom = border.makeelement(
        qn("w:bottom"),
        {qn("w:val"): "single", qn("w:sz"): "18", qn("w:space"): "1", qn("w:color"): "C81010"},
    )
    border.append(bottom)
    ppr.append(border)


def _page_number(paragraph: Any) -> None:
    from docx.oxml.ns import qn

    _run(paragraph, "— ", BODY_FACE, 14)
    field = paragraph._p.makeelement(qn("w:fldSimple"), {qn("w:instr"): "PAGE"})
    inner = field.makeelement(qn("w:r"), {})
    text = inner.makeelement(qn("w:t"), {})
    text.text = "1"
    inner.append(text)
    field.append(inner)
    paragraph._p.append(field)
    _run(paragraph, " —", BODY_FACE, 14)


def render_docx(doc: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    word = Docx()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = word.styles["Normal"]
    normal.font.size = Pt(16)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(28)

    def para(align: Any = None) -> Any:
        p = word.add_paragraph()
        if align is not None:
            p.alignment = align
        return p

    masthead = f"{doc.bureau}{MASTHEAD}"
    _run(para(WD_ALIGN_PARAGRAPH.CENTER), masthead, TITLE_FACE, 30 if len(masthead) <= 12 else 24,
         bold=True, color=RED)  # fmt: skip
    number = para(WD_ALIGN_PARAGRAPH.CENTER)
    number.paragraph_format.space_before = Pt(12)
    _run(number, doc.number, BODY_FACE, 16)
    _red_rule(number)
    title = para(WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.space_before = Pt(24)
    title.paragraph_format.space_after = Pt(16)
    title.paragraph_format.line_spacing = Pt(34)
    _run(title, doc.title, TITLE_FACE, 22, bold=True)
    _run(para(), doc.recipients, BODY_FACE, 16)
    for head, paragraphs in doc.sections:
        h = para()
        h.paragraph_format.first_line_indent = Pt(32)
        h.paragraph_format.keep_with_next = True
        _run(h, head, HEAD_FACE, 16)
        for text in paragraphs:
            p = para()
            p.paragraph_format.first_line_indent = Pt(32)
            _run(p, text, BODY_FACE, 16)
    if word.paragraphs:  # the last lines of the body stay with the 落款
        word.paragraphs[-1].paragraph_format.keep_with_next = True
    sign = para(WD_ALIGN_PARAGRAPH.RIGHT)
    sign.paragraph_format.space_before = Pt(32)
    sign.paragraph_format.keep_with_next = True
    sign.paragraph_format.right_indent = Pt(64)
    _run(sign, doc.bureau, BODY_FACE, 16)
    date = para(WD_ALIGN_PARAGRAPH.RIGHT)
    date.paragraph_format.right_indent = Pt(64)
    _run(date, doc.date, BODY_FACE, 16)
    word.add_page_break()
    _run(para(), ATTACHMENT, HEAD_FACE, 16)
    for caption, header, rows in doc.tables:
        c = para(WD_ALIGN_PARAGRAPH.CENTER)
        c.paragraph_format.space_before = Pt(12)
        c.paragraph_format.keep_with_next = True
        _run(c, caption, HEAD_FACE, 14)
        table = word.add_table(rows=0, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for i, values in enumerate([header, *rows]):
            cells = table.add_row().cells
            for cell_, text in zip(cells, values, strict=True):
                p = cell_.paragraphs[0]
                p.paragraph_format.line_spacing = Pt(14)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _run(p, text, HEAD_FACE if i == 0 or i == len(rows) else BODY_FACE, 9)
    for caption, png in doc.charts:
        c = para(WD_ALIGN_PARAGRAPH.CENTER)
        c.paragraph_format.space_before = Pt(12)
        c.paragraph_format.keep_with_next = True
        _run(c, caption, HEAD_FACE, 14)
        pic = para(WD_ALIGN_PARAGRAPH.CENTER)
        pic.add_run().add_picture(io.BytesIO(png), width=Mm(150))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)
    props = word.core_properties
    props.author = doc.bureau
    props.last_modified_by = doc.bureau
    props.title = doc.title
    props.subject = doc.number
    props.language = "zh-CN"
    props.created = props.modified = timezone.now().replace(tzinfo=None)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


# --- PDF ---------------------------------------------------------------------------------------

BODY_SIZE, BODY_LINE = 15.0, 8.6  # pt, mm: about 3号仿宋 on 28 lines
KEEP = 30.0  # mm a heading needs under it, or it goes to the next page
IMAGE_W = 160.0  # mm


def render_pdf(doc: Document) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import TextMode, WrapMode, XPos, YPos
    from fpdf.fonts import FontFace

    class Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-20)
            self.set_font("serif", size=13)
            self.cell(0, 8, f"— {self.page_no()} —", align="C")

    pdf = Pdf(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(doc.title)
    pdf.set_author(doc.bureau)
    pdf.set_lang("zh-CN")
    pdf.set_creator(doc.bureau)
    pdf.set_margins(26, 30, 24)
    pdf.set_auto_page_break(auto=True, margin=28)
    fonts.register(pdf)
    pdf.add_page()

    def block(text: str, *, face: str = "serif", size: float = BODY_SIZE, h: float = BODY_LINE,
              align: str = "L", color: tuple[int, int, int] = (0, 0, 0)) -> None:  # fmt: skip
        pdf.set_text_color(*color)
        pdf.set_font(face, size=size)
        pdf.multi_cell(0, h, text, align=align, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)  # fmt: skip
        pdf.set_text_color(0, 0, 0)

    def heavy(text: str, size: float, h: float, color: tuple[int, int, int]) -> None:
        """The serif has one weight: a stroked fill reads as 小标宋. In a local context (q … Q)
        so the text mode ends with it (the stroke width is written in points)."""
        with pdf.local_context(text_mode=TextMode.FILL_STROKE, line_width=size / 40,
                               draw_color=color):  # fmt: skip
            block(text, size=size, h=h, align="C", color=color)

    masthead = f"{doc.bureau}{MASTHEAD}"
    heavy(masthead, 30 if len(masthead) <= 12 else 25, 16, RED)
    pdf.ln(4)
    block(doc.number, size=15, h=9, align="C")
    pdf.ln(1)
    y = pdf.get_y()
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(12)
    heavy(doc.title, 21, 12, (0, 0, 0))
    pdf.ln(6)
    block(doc.recipients)
    indent = "\u3000\u3000"
    for head, paragraphs in doc.sections:
        if pdf.will_page_break(KEEP):
            pdf.add_page()
        block(indent + head, face="sans")
        for text in paragraphs:
            block(indent + text)
    pdf.ln(10)
    if pdf.will_page_break(BODY_LINE * 2 + 2):  # the 落款 alone on a page: say so (GB/T 9704)
        pdf.add_page()
        block("（此页无正文）")
        pdf.ln(10)
    pdf.set_right_margin(24 + 18)
    block(doc.bureau, align="R")
    block(doc.date, align="R")
    pdf.set_right_margin(24)
    pdf.add_page()  # the tables and charts: 附件, on pages of their own
    block(ATTACHMENT, face="sans")
    for caption, header, rows in doc.tables:
        pdf.ln(6)
        if pdf.will_page_break(KEEP + 10):
            pdf.add_page()
        block(caption, face="sans", size=13, h=9, align="C")
        pdf.set_font("sans", size=8.5)
        widths = (1.8,) + (1.0,) * (len(header) - 1)
        with pdf.table(col_widths=widths, first_row_as_headings=True, line_height=5.2,
                       headings_style=FontFace(fill_color=(238, 238, 238)),
                       text_align="CENTER", wrapmode=WrapMode.CHAR) as t:  # fmt: skip
            for values in [header, *rows]:
                row = t.row()
                for text in values:
                    row.cell(text)
    for caption, png in doc.charts:
        height = IMAGE_W * CHART_SIZE[1] / CHART_SIZE[0]
        pdf.ln(6)
        if pdf.will_page_break(height + 12):
            pdf.add_page()
        block(caption, face="sans", size=13, h=9, align="C")
        pdf.image(io.BytesIO(png), x=(pdf.w - IMAGE_W) / 2, w=IMAGE_W)
    return bytes(pdf.output())


def render(report: Any, recipients: Sequence[Any], fmt: str) -> bytes:
    doc = document_of(report, recipients)
    return render_docx(doc) if fmt == "docx" else render_pdf(doc)


def filename(report: Any, fmt: str) -> str:
    """The download's Chinese name: 阜司督通〔2026〕3号 关于…的通报.pdf (a draft: 草稿)."""
    head = report.number or "草稿"
    name = f"{head} {report.title}".replace("/", "／").replace("\\", "＼")
    return f"{name[:120]}.{fmt}"
