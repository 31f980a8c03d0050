import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|env_(?:bool|list)\()\s*["']([A-Z_]+)["']""")
# a variable named through a constant: FONT_ENV = "CHENGNUO_CJK_FONT"
NAMED = re.compile(r"""^[A-Z_]*_ENV\s*=\s*["']([A-Z_]+)["']""", re.M)


def test_every_environment_variable_the_platform_reads_is_documented():
    names: set[str] = set()
    for path in (ROOT / "src/chengnuo").rglob("*.py"):
        if path.parts[-2] == "sandbox" or "migrations" in path.parts:
            continue  # the sandbox is a stand-in for external platforms, not the platform
        source = path.read_text(encoding="utf-8")
        names |= set(READ.findall(source)) | set(NAMED.findall(source))
    assert {"DATABASE_URL", "CHENGNUO_SECRET_KEY", "CHENGNUO_CJK_FONT"} <= names
    doc = (ROOT / "docs/configuration.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert missing == []
