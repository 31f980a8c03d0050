"""The Chinese fonts embedded in every PDF the platform produces (R-3.4).

They arrive with the Python set-up, not with the operating system: the `pylopdf-fonts-zh-cn`
wheel (a dependency in the lock file) ships Noto Serif SC and Noto Sans SC, regular weight, taken
unchanged from notofonts/noto-cjk under the SIL Open Font License 1.1 (the licence is in the
wheel's dist-info; embedding a subset in a document is what the OFL allows without conditions).

Two faces, chosen by looking at the rendered pages:

- `serif` (Noto Serif SC) for the title and the body: it reads like an official document, whose
  body type is a Song/Fangsong face.
- `sans` (Noto Sans SC) for headings, tables and the footer: official documents set their headings
  in a Hei face, and a sans stays legible in narrow table cells and in small print.

An agency that must use another face (a licensed 方正仿宋, a system font) names the file in
CHENGNUO_CJK_FONT; it then replaces both faces. CHENGNUO_CJK_FONT_INDEX picks the face inside a
`.ttc` collection (default 2, Simplified Chinese, for a Noto CJK collection; 0 otherwise).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FONT_ENV = "CHENGNUO_CJK_FONT"
FONT_INDEX_ENV = "CHENGNUO_CJK_FONT_INDEX"
FONT_PACKAGE = "pylopdf-fonts-zh-cn"
FONT_MISSING = (
    f"未找到中文字体，无法生成PDF：字体随Python依赖包 {FONT_PACKAGE} 安装，"
    "请重新执行 make setup（或 uv sync）；"
    f"也可用环境变量 {FONT_ENV} 指定字体文件路径"
)


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0  # face in a font collection (.ttc)


@dataclass(frozen=True)
class CjkFonts:
    serif: FontFile
    sans: FontFile
    source: str  # "package" or the override's variable name


def _override(path: str) -> CjkFonts:
    if not Path(path).is_file():
        raise RuntimeError(f"{FONT_ENV}={path} 不是字体文件。{FONT_MISSING}")
    raw_index = os.environ.get(FONT_INDEX_ENV, "").strip()
    if raw_index.isdigit():
        index = int(raw_index)
    else:
        name = Path(path).name
        index = 2 if name.lower().endswith(".ttc") and "CJK" in name else 0
    face = FontFile(path, index)
    return CjkFonts(serif=face, sans=face, source=FONT_ENV)


def _package() -> CjkFonts:
    try:
        import pylopdf_fonts_zh_cn as package
    except ImportError:
        raise RuntimeError(FONT_MISSING) from None
    serif, sans = Path(package.serif_path()), Path(package.sans_path())
    for path in (serif, sans):
        if not path.is_file():
            raise RuntimeError(f"{path} 缺失。{FONT_MISSING}")
    return CjkFonts(serif=FontFile(str(serif)), sans=FontFile(str(sans)), source="package")


@lru_cache(maxsize=1)
def cjk_fonts() -> CjkFonts:
    """The serif and sans faces: $CHENGNUO_CJK_FONT if set, else the installed font package.
    Cached; RuntimeError with what to do when neither is there."""
    override = os.environ.get(FONT_ENV, "").strip()
    return _override(override) if override else _package()


def cjk_fonts_available() -> bool:
    try:
        cjk_fonts()
    except RuntimeError:
        return False
    return True


def register(pdf: Any) -> None:
    """Add the faces to an fpdf2 document as "serif" and "sans".

    The embedded subset keeps the font's own bounding box instead of recomputing it from every
    kept outline when the PDF is written (fontTools `recalcBBoxes`): for these CFF fonts that
    recomputation was about 40 % of writing a one-page PDF, and a PDF reader takes the glyph
    boxes from the outlines anyway."""
    fonts = cjk_fonts()
    for name, face in (("serif", fonts.serif), ("sans", fonts.sans)):
        pdf.add_font(name, fname=face.path, collection_font_number=face.index)
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.recalcBBoxes = False


def fontconfig_file(directory: Path) -> Path:
    """A fontconfig file that adds the package's faces to the system's fonts, for a headless
    browser that photographs the platform's pages on a machine without CJK system fonts
    (tools/screenshot.py, the browser tests): FONTCONFIG_FILE=<this file>."""
    fonts = cjk_fonts()
    dirs = sorted({str(Path(f.path).parent) for f in (fonts.serif, fonts.sans)})
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        + "".join(f"  <dir>{d}</dir>\n" for d in dirs)
        + f"  <cachedir>{directory / 'cache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8",
    )
    return path
