"""Settings: SQLite tuned for concurrency, production passes check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_chinese_is_the_default_language_and_english_is_available():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert {code for code, _ in settings.LANGUAGES} == {"zh-hans", "en"}


def _log_keys(tmp_path: Path) -> str:
    from chengnuo.tlog import note

    paths = []
    for kind in ("ed25519", "sm2"):
        path = tmp_path / f"log-{kind}.skey"
        path.write_text(note.generate("chengnuo.fy.gov.cn/log", kind).skey)
        paths.append(str(path))
    return ",".join(paths)


def test_check_deploy_with_production_environment_gives_no_warnings(tmp_path):
    env = {
        "CHENGNUO_LOG_SIGNING_KEYS": _log_keys(tmp_path),
        **os.environ,
        "CHENGNUO_ENV": "production",
        "CHENGNUO_SECRET_KEY": "k" * 64 + "-production-secret-for-the-check",
        "CHENGNUO_ALLOWED_HOSTS": "chengnuo.fy.gov.cn",
        "CHENGNUO_FIELD_KEYS": "k2026:" + "a1" * 16,
        "CHENGNUO_LOOKUP_KEY": "b2" * 16,
        "CHENGNUO_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

    # without the log's signing keys production does not start (they are never derived there)
    env.pop("CHENGNUO_LOG_SIGNING_KEYS")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "CHENGNUO_LOG_SIGNING_KEYS" in result.stderr


def test_sqlite_uses_wal_busy_timeout_and_immediate_transactions(tmp_path):
    code = (
        "import django;django.setup();from django.db import connection;"
        "c=connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        "c.execute('PRAGMA busy_timeout').fetchone()[0],"
        "connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
        "CHENGNUO_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["wal", "20000", "IMMEDIATE"], out.stderr


def _settings_value(expr: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
        "PYTHONPATH": str(ROOT / "src"),
        **env_vars,
    }
    code = f"from django.conf import settings;print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_the_learning_thresholds_are_read_from_the_environment_and_a_typo_stops_the_start():
    out = _settings_value(
        "sorted(settings.OVERSIGHT_LEARNING.items())",
        CHENGNUO_OVERSIGHT_LEARNING="stronger_lower=0.08, lighter_min=500",
    )
    assert out.stdout.strip() == "[('lighter_min', 500.0), ('stronger_lower', 0.08)]", out.stderr
    bad = _settings_value("settings.DEBUG", CHENGNUO_OVERSIGHT_LEARNING="stronger=0.08")
    assert bad.returncode != 0 and "CHENGNUO_OVERSIGHT_LEARNING" in bad.stderr
    negative = _settings_value("settings.DEBUG", CHENGNUO_OVERSIGHT_LEARNING="lighter_min=-3")
    assert negative.returncode != 0
