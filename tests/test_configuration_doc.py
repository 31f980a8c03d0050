import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_read_by_settings_is_documented():
    source = (ROOT / "src/chengnuo/config/settings.py").read_text()
    names = set(
        re.findall(
            r"""(?:environ(?:\.get)?\(|environ\[|env_(?:bool|list)\()\s*["']([A-Z_]+)["']""", source
        )
    )
    assert "DATABASE_URL" in names and "CHENGNUO_SECRET_KEY" in names
    doc = (ROOT / "docs/configuration.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert missing == []
