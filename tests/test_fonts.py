"""The PDFs' Chinese fonts come with the Python set-up (issue 11 §1, R-3.4): `make run` on a
machine without any system CJK font renders every published PDF; a system font is only an
override named in CHENGNUO_CJK_FONT."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from chengnuo.documents import fonts, render

SRC = Path(__file__).resolve().parent.parent / "src" / "chengnuo"

CONTENT = {
    "kind": "notification",
    "item": {"name": "无犯罪记录证明", "code": "GA-1"},
    "agency": {"name": "阜阳市公安局"},
    "fields": {"matter_name": "出租车驾驶员从业资格", "legal_basis": "《道路运输条例》第九条"},
}


@pytest.fixture(autouse=True)
def _fresh_font_lookup(monkeypatch):
    monkeypatch.delenv(fonts.FONT_ENV, raising=False)
    monkeypatch.delenv(fonts.FONT_INDEX_ENV, raising=False)
    fonts.cjk_fonts.cache_clear()
    yield
    fonts.cjk_fonts.cache_clear()


def embedded_fonts(body: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(body)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_the_faces_come_from_the_installed_python_package_not_the_system():
    import pylopdf_fonts_zh_cn

    chosen = fonts.cjk_fonts()
    assert chosen.source == "package"
    package_dir = Path(pylopdf_fonts_zh_cn.__file__).parent
    assert Path(chosen.serif.path).parent == package_dir
    assert Path(chosen.sans.path).parent == package_dir
    assert Path(chosen.serif.path).name == "NotoSerifSC-Regular.otf"
    assert Path(chosen.sans.path).name == "NotoSansSC-Regular.otf"
    assert not chosen.serif.path.startswith("/usr/share/fonts")


def test_the_font_package_is_under_the_sil_open_font_license():
    from importlib.metadata import distribution

    dist = distribution(fonts.FONT_PACKAGE)
    licence = next(f for f in dist.files or [] if f.name == "LICENSE")
    text = licence.read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in text


def test_a_pdf_embeds_the_serif_body_and_the_sans_headings():
    body = render.render_pdf(CONTENT, number=1, digest="ab" * 32)
    names = embedded_fonts(body)
    assert any("NotoSerifSC" in n for n in names), names
    assert any("NotoSansSC" in n for n in names), names


def test_every_character_the_platform_writes_is_in_both_faces():
    """A glyph missing from the font prints as an empty box in a published PDF."""
    chars: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" not in path.parts:
            chars |= {c for c in path.read_text(encoding="utf-8") if ord(c) > 127}
    assert len(chars) > 500  # the platform's own Chinese texts, not an empty scan
    chosen = fonts.cjk_fonts()
    for face in (chosen.serif, chosen.sans):
        cmap = TTFont(face.path, lazy=True).getBestCmap()
        missing = sorted(c for c in chars if ord(c) not in cmap)
        assert missing == [], f"{face.path} lacks {missing}"


def test_an_override_replaces_both_faces(monkeypatch):
    import pylopdf_fonts_zh_cn

    other = str(pylopdf_fonts_zh_cn.sans_path())
    monkeypatch.setenv(fonts.FONT_ENV, other)
    chosen = fonts.cjk_fonts()
    assert chosen.source == fonts.FONT_ENV
    assert chosen.serif.path == chosen.sans.path == other
    names = embedded_fonts(render.render_pdf(CONTENT))
    assert names and all("NotoSansSC" in n for n in names), names


def test_an_override_picks_the_face_of_a_collection(monkeypatch, tmp_path):
    collection = tmp_path / "NotoSansCJK-Regular.ttc"
    collection.write_bytes(b"x")
    monkeypatch.setenv(fonts.FONT_ENV, str(collection))
    assert fonts.cjk_fonts().serif.index == 2  # Simplified Chinese in a Noto CJK collection
    fonts.cjk_fonts.cache_clear()
    monkeypatch.setenv(fonts.FONT_INDEX_ENV, "0")
    assert fonts.cjk_fonts().serif.index == 0


def test_an_override_that_is_not_a_file_names_the_variable_and_the_package(monkeypatch):
    monkeypatch.setenv(fonts.FONT_ENV, "/nonexistent/font.ttc")
    with pytest.raises(RuntimeError, match=r"CHENGNUO_CJK_FONT=/nonexistent/font\.ttc") as err:
        fonts.cjk_fonts()
    assert fonts.FONT_PACKAGE in str(err.value)
    assert not fonts.cjk_fonts_available()


def test_a_missing_font_package_says_to_run_the_set_up_again(monkeypatch):
    monkeypatch.setitem(sys.modules, "pylopdf_fonts_zh_cn", None)  # import fails
    with pytest.raises(RuntimeError, match="make setup") as err:
        fonts.cjk_fonts()
    assert fonts.FONT_PACKAGE in str(err.value)
    assert "apt-get" not in str(err.value)
