"""Settings for the chengnuo platform: one module, driven by environment variables.

Every variable read here is documented in docs/configuration.md. Defaults are safe for a
developer machine (SQLite, DEBUG off unless asked); production sets CHENGNUO_ENV=production.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent  # src/chengnuo
PROJECT_DIR = BASE_DIR.parent.parent  # repository root


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


ENVIRONMENT = os.environ.get("CHENGNUO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("CHENGNUO_DEBUG", default=False)
SECRET_KEY = os.environ.get("CHENGNUO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("CHENGNUO_SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40

ALLOWED_HOSTS = env_list("CHENGNUO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CHENGNUO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "chengnuo.core",
    "chengnuo.accounts",
    "chengnuo.agencies",
    "chengnuo.audit",
    "chengnuo.catalog",
    "chengnuo.credit",
    "chengnuo.documents",
    "chengnuo.cases",
    "chengnuo.verification",
    "chengnuo.supervision",
    "chengnuo.complaints",
    "chengnuo.oversight",
    # the complaint form's CAPTCHA (django-simple-captcha: images drawn with the font it ships)
    "captcha",
    "chengnuo.portal",
]
if not PRODUCTION:
    # the demo data (`load_demo`) and the stand-ins for external platforms (`sandbox`)
    INSTALLED_APPS += ["chengnuo.demo", "chengnuo.sandbox"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 413 for a body over its limit before anything reads it (MAX_REQUEST_BYTES below)
    "chengnuo.core.limits.RequestSizeLimitMiddleware",
    # re-runs a request that met a deadlock before it committed anything, else 409 (ADR 0010)
    "chengnuo.core.transient.TransientRetryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chengnuo.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # 429 for a client over its per-minute limit (RATE_LIMITS below, core.ratelimit)
    "chengnuo.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# Scripts, styles, images and fonts come only from the platform itself: no page has an inline
# script, handler or style (tests/test_csp.py), and nothing is loaded from another site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "chengnuo.config.urls"
# the /api/v1 NinjaAPI instance (export_openapi writes its schema)
CHENGNUO_API = "chengnuo.config.api.api"
WSGI_APPLICATION = "chengnuo.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# how often a request or a worker's pass that met a deadlock or serialization failure before
# committing anything is re-run (core.db.retry)
# Per-minute limits of core.ratelimit; CHENGNUO_RATE_LIMITS="off", or "api=300,export=30" to
# change some. The counters are in the cache: CHENGNUO_CACHE_URL (redis://…) shares them
# between the web processes; without it each process counts for itself.
RATE_LIMITS: dict[str, int] = {
    "api": 600,
    "api_anonymous": 120,
    "api_address": 3000,
    "write": 120,
    "form_anonymous": 60,
    "export": 60,
}
_rate_limits = os.environ.get("CHENGNUO_RATE_LIMITS", "").strip()
if _rate_limits.lower() == "off":
    RATE_LIMITS = {}
elif _rate_limits:
    for _part in _rate_limits.split(","):
        _rule, _, _limit = _part.partition("=")
        if _rule.strip() not in RATE_LIMITS or not _limit.strip().isdigit():
            raise ImproperlyConfigured(f"CHENGNUO_RATE_LIMITS: cannot read {_part!r}")
        RATE_LIMITS[_rule.strip()] = int(_limit)
# The catalog's learning from outcomes (oversight.services_learning, R-8.1): thresholds over
# the defaults of oversight/constants_learning.py, e.g. "stronger_lower=0.08,lighter_min=500".
OVERSIGHT_LEARNING: dict[str, float] = {}
_learning = os.environ.get("CHENGNUO_OVERSIGHT_LEARNING", "").strip()
if _learning:
    _learning_keys = {
        "period_days", "stronger_lower", "review_lower", "lighter_min", "min_verified",
        "evidence_rows",
    }  # fmt: skip
    for _part in _learning.split(","):
        _key, _, _value = _part.partition("=")
        try:
            _number = float(_value)
        except ValueError:
            _number = -1.0
        if _key.strip() not in _learning_keys or _number < 0:
            raise ImproperlyConfigured(f"CHENGNUO_OVERSIGHT_LEARNING: cannot read {_part!r}")
        OVERSIGHT_LEARNING[_key.strip()] = _number
CACHE_URL = os.environ.get("CHENGNUO_CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "chengnuo",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# a daily job's run is leased this long and renewed while it runs (core.schedule)
SCHEDULER_LEASE_SECONDS = int(os.environ.get("CHENGNUO_SCHEDULER_LEASE_SECONDS", "120"))
TRANSIENT_RETRIES = int(os.environ.get("CHENGNUO_TRANSIENT_RETRIES", "3"))

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:workbench"
LOGOUT_REDIRECT_URL = "portal:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # the same backend with the event spine's transaction hooks (ADR 0009)
        DATABASES["default"]["ENGINE"] = "chengnuo.core.db.backends.postgresql"
    DATABASES["default"].setdefault("TEST", {})
    if os.environ.get("CHENGNUO_TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"]["NAME"] = os.environ["CHENGNUO_TEST_DATABASE_NAME"]
else:
    SQLITE_PATH = os.environ.get(
        "CHENGNUO_SQLITE_PATH", str(PROJECT_DIR / "var" / "chengnuo.sqlite3")
    )
    Path(SQLITE_PATH).parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "chengnuo.core.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # in memory, one per test process (what Django's own sqlite3 engine gets by default)
            "TEST": {"NAME": ":memory:"},
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock
                # at BEGIN so two writers queue (busy timeout) instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("CHENGNUO_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Authentication and sessions ------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins slow down, they never lock an account (accounts/throttle.py). Counted per
# (account name, client address) pair, per account name from any address and per client
# address across names; past a scope's free failures each further failure doubles the wait,
# from LOGIN_DELAY_SECONDS up to the scope's cap. Others' failures keep an account's owner out
# at most LOGIN_ACCOUNT_MAX_DELAY_SECONDS, and not at all at an address the owner logged in
# from within LOGIN_KNOWN_ADDRESS_DAYS. Counts restart LOGIN_WINDOW_HOURS after a pair's or an
# account's first failure, LOGIN_ADDRESS_WINDOW_MINUTES after an address's.
LOGIN_PAIR_FREE_FAILURES = int(os.environ.get("CHENGNUO_LOGIN_PAIR_FREE_FAILURES", "3"))
LOGIN_ACCOUNT_FREE_FAILURES = int(os.environ.get("CHENGNUO_LOGIN_ACCOUNT_FREE_FAILURES", "10"))
LOGIN_ADDRESS_FREE_FAILURES = int(os.environ.get("CHENGNUO_LOGIN_ADDRESS_FREE_FAILURES", "30"))
LOGIN_DELAY_SECONDS = int(os.environ.get("CHENGNUO_LOGIN_DELAY_SECONDS", "5"))
LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("CHENGNUO_LOGIN_MAX_DELAY_SECONDS", "900"))
LOGIN_ACCOUNT_MAX_DELAY_SECONDS = int(
    os.environ.get("CHENGNUO_LOGIN_ACCOUNT_MAX_DELAY_SECONDS", "300")
)
LOGIN_WINDOW_HOURS = 24
LOGIN_ADDRESS_WINDOW_MINUTES = 60
LOGIN_KNOWN_ADDRESS_DAYS = 30
# The client address is REMOTE_ADDR, unless this many reverse proxies (each appending to
# X-Forwarded-For) stand in front: then the entry the outermost of them appended.
TRUSTED_PROXIES = int(os.environ.get("CHENGNUO_TRUSTED_PROXIES", "0"))
# The service halls' networks: the hall screen (/commitments/hall/) shown from one of them also
# lists commitments published at the service venue only; elsewhere it lists what the website
# publishes. Comma-separated CIDR networks, e.g. "10.20.0.0/16,10.21.3.0/24".
HALL_NETWORKS = env_list("CHENGNUO_HALL_NETWORKS")
for _network in HALL_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"CHENGNUO_HALL_NETWORKS: not a network: {_network!r}") from None
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("CHENGNUO_SESSION_IDLE_SECONDS", "1800"))
# Idle timeout: the cookie lives SESSION_COOKIE_AGE and is renewed on every request.
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# --- Security (check --deploy clean when CHENGNUO_ENV=production) ---------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("CHENGNUO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("CHENGNUO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CHENGNUO_STATIC_ROOT", str(PROJECT_DIR / "var" / "static")))
MEDIA_ROOT = Path(os.environ.get("CHENGNUO_MEDIA_ROOT", str(PROJECT_DIR / "var" / "media")))
MEDIA_URL = "/media/"

# --- Platform -------------------------------------------------------------------------------
# Hash used for the tamper-evident audit chain and document digests (GB/T 39786 expects SM3).
CHENGNUO_DIGEST = os.environ.get("CHENGNUO_DIGEST", "sm3")
# bench/case_submit.py only: POST /api/v1/bench/insert, the floor it measures against.
BENCH_ENDPOINTS = env_bool("CHENGNUO_BENCH_ENDPOINTS")
CATALOG_IMPORT_MAX_ROWS = int(os.environ.get("CHENGNUO_IMPORT_MAX_ROWS", "2000"))
CATALOG_IMPORT_MAX_BYTES = int(os.environ.get("CHENGNUO_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))

# --- The verifiable log (R-9.1, ADR 0012) -------------------------------------------------
# Every event enters a Merkle log (RFC 9162 hashing, C2SP tlog-tiles); checkpoints are signed
# with an Ed25519 and an SM2 key and cosigned by witnesses outside the platform.
LOG_ORIGIN = os.environ.get("CHENGNUO_LOG_ORIGIN", "chengnuo.fuyang.gov.cn/log")
LOG_HASH = os.environ.get("CHENGNUO_LOG_HASH", "sm3")


def _read_key(value: str) -> str:
    """A key given inline, or the path of a file that holds it."""
    if "+" not in value or Path(value).is_file():
        return Path(value).read_text(encoding="utf-8").strip()
    return value


def _log_signers() -> list:
    from chengnuo.tlog import note

    values = env_list("CHENGNUO_LOG_SIGNING_KEYS")
    if values:
        signers = [note.parse_skey(_read_key(v)) for v in values]
    elif PRODUCTION:
        raise RuntimeError("CHENGNUO_LOG_SIGNING_KEYS must be set in production")
    else:  # development: derived from the secret key, like the field keys
        import hashlib

        def seed(label: str) -> int:
            return int(hashlib.sha256(f"{SECRET_KEY}:{label}".encode()).hexdigest(), 16)

        n = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
        signers = [
            note.Signer(LOG_ORIGIN, "ed25519", seed("log-ed25519").to_bytes(32, "big")),
            note.Signer(LOG_ORIGIN, "sm2", (seed("log-sm2") % (n - 2) + 1).to_bytes(32, "big")),
        ]
    kinds = sorted(s.kind for s in signers)
    if kinds != ["ed25519", "sm2"]:
        raise RuntimeError("the log signs with one Ed25519 and one SM2 key")
    return signers


LOG_SIGNERS = _log_signers()
# the log's verifier keys: the current ones, then retired ones that still verify old checkpoints
LOG_VERIFIER_KEYS = [s.verifier.vkey for s in LOG_SIGNERS] + [
    _read_key(v) for v in env_list("CHENGNUO_LOG_RETIRED_KEYS")
]
# witnesses: "label|url|vkey (or the file holding it)", comma-separated
LOG_WITNESSES = [
    dict(zip(("label", "url", "vkey"), (p.strip() for p in entry.split("|")), strict=True))
    for entry in env_list("CHENGNUO_LOG_WITNESSES")
]
# how many witnesses must cosign a checkpoint for it to count as witnessed
LOG_WITNESS_QUORUM = int(os.environ.get("CHENGNUO_LOG_WITNESS_QUORUM", "1"))
# a checkpoint is signed at most this often while entries arrive, at once when this many wait,
# and again after this long without new entries (so witnesses' timestamps stay fresh)
LOG_CHECKPOINT_SECONDS = float(os.environ.get("CHENGNUO_LOG_CHECKPOINT_SECONDS", "5"))
LOG_CHECKPOINT_ENTRIES = int(os.environ.get("CHENGNUO_LOG_CHECKPOINT_ENTRIES", "10000"))
LOG_CHECKPOINT_REFRESH_SECONDS = int(os.environ.get("CHENGNUO_LOG_CHECKPOINT_REFRESH", "600"))

# --- Request and upload sizes ---------------------------------------------------------------
# Checked from Content-Length before the body is read (core/limits.py → 413); the reverse proxy
# applies the same limits (docs/deploy/nginx.conf). The largest single upload is 10 MB (proofs,
# assistance evidence, inspection photos); the two forms that carry several files at once get
# their own limit: nine inspection photos of ≤ 10 MB, five repair materials of ≤ 5 MB.
MAX_REQUEST_BYTES = int(os.environ.get("CHENGNUO_MAX_REQUEST_BYTES", str(12 * 1024 * 1024)))
MAX_REQUEST_BYTES_BY_VIEW = {
    "verification:inspection_detail": 92 * 1024 * 1024,
    "credit:my_record_repair": 27 * 1024 * 1024,
}
# a body's non-file part (JSON, form fields) is at most this large (413 when read)
DATA_UPLOAD_MAX_MEMORY_SIZE = CATALOG_IMPORT_MAX_BYTES + 1024 * 1024
# an uploaded file above this is spooled to a temporary file instead of memory
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440


# Personal data: SM4-GCM field keys "id:hex32,id:hex32" (first one encrypts; all decrypt)
# and the HMAC-SM3 lookup key. Development derives both from the secret key; production must
# set them explicitly (a changed secret key would otherwise make stored data unreadable).
def _derived_key(label: str) -> str:
    import hashlib

    return hashlib.sha256(f"{SECRET_KEY}:{label}".encode()).hexdigest()[:32]


_field_keys = os.environ.get("CHENGNUO_FIELD_KEYS", "")
if not _field_keys and PRODUCTION:
    raise RuntimeError("CHENGNUO_FIELD_KEYS must be set in production")
FIELD_ENCRYPTION_KEYS = [tuple(part.split(":", 1)) for part in env_list("CHENGNUO_FIELD_KEYS")] or [
    ("dev1", _derived_key("field"))
]
FIELD_LOOKUP_KEY = os.environ.get("CHENGNUO_LOOKUP_KEY", "") or _derived_key("lookup")
if PRODUCTION and not os.environ.get("CHENGNUO_LOOKUP_KEY"):
    raise RuntimeError("CHENGNUO_LOOKUP_KEY must be set in production")

# Reaching a subject: an exact lookup by identifier stays a lawful context for the
# actor this long; full identifiers revealed per actor per hour; a burst (this many in
# REVEAL_BURST_MINUTES) raises an alert for the agency admin and the auditors.
LOOKUP_CONTEXT_MINUTES = int(os.environ.get("CHENGNUO_LOOKUP_CONTEXT_MINUTES", "240"))
REVEAL_LIMIT_PER_HOUR = int(os.environ.get("CHENGNUO_REVEAL_LIMIT_PER_HOUR", "20"))
# routine-inspection results are public within this many working days of the inspection
SUPERVISION_PUBLICATION_DAYS = int(os.environ.get("CHENGNUO_SUPERVISION_PUBLICATION_DAYS", "20"))
# processes hashing a large draw (the cores, at most 2; 1: in the request's own process)
SUPERVISION_DRAW_WORKERS = (
    int(os.environ["CHENGNUO_SUPERVISION_DRAW_WORKERS"])
    if os.environ.get("CHENGNUO_SUPERVISION_DRAW_WORKERS")
    else None
)
# complaints from one phone number per day; the public form's CAPTCHA (off only for
# tests and load benchmarks); clusters for the Justice Bureau: this many complaints about one
# agency, matter or subject within this many days
COMPLAINTS_PER_CONTACT_PER_DAY = int(os.environ.get("CHENGNUO_COMPLAINTS_PER_CONTACT_PER_DAY", "5"))
COMPLAINTS_CAPTCHA = env_bool("CHENGNUO_COMPLAINTS_CAPTCHA", default=True)
COMPLAINTS_CLUSTER_MIN = int(os.environ.get("CHENGNUO_COMPLAINTS_CLUSTER_MIN", "3"))
COMPLAINTS_CLUSTER_DAYS = int(os.environ.get("CHENGNUO_COMPLAINTS_CLUSTER_DAYS", "90"))
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_FONT_SIZE = 28
CAPTCHA_2X_IMAGE = False
REVEAL_BURST = int(os.environ.get("CHENGNUO_REVEAL_BURST", "5"))
REVEAL_BURST_MINUTES = int(os.environ.get("CHENGNUO_REVEAL_BURST_MINUTES", "10"))

# Working-day calendar: public holidays and weekend make-up workdays (ISO dates, comma-separated).
WORKDAY_HOLIDAYS = env_list(
    "CHENGNUO_HOLIDAYS",
    "2026-01-01,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-04-06,2026-05-01,2026-05-04,2026-05-05,2026-06-19,2026-09-25,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07",
)
WORKDAY_EXTRA = env_list(
    "CHENGNUO_EXTRA_WORKDAYS", "2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CHENGNUO_LOG_LEVEL", "WARNING")},
}
