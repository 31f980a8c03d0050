#!/usr/bin/env python
"""End-to-end case creation + commitment signing (+ submission) over the API, against its floor.

Creates a throw-away PostgreSQL database (`bench_cases_<pid>` on DATABASE_URL's server, default
postgres://root@127.0.0.1:5432), loads the 阜阳市 demo, adds one applicant account linked to its
own subject with a bearer token, serves the project with granian (WSGI, as in production) on
127.0.0.1 with CHENGNUO_BENCH_ENDPOINTS=true, and loads two targets in turn:

    insert       POST /api/v1/bench/insert       the floor: token auth + one row inserted in a
                                                 transaction, on the same server in the same run
    case_flow    one "flow" per operation, chosen with --flow:

  create-sign (default)  POST /api/v1/cases (Idempotency-Key) + GET …/items/{code}/texts
                 + POST …/items/{code}/commitment (Idempotency-Key): one case created and one
                 commitment signed online by the applicant — 3 requests. The matter is the first
                 (by code) with an item under commitment and published texts (340100-GA-001).
  create-sign-submit     POST /api/v1/cases, then GET texts + POST commitment for EVERY item of
                 the matter (submission refuses a case with an unresolved item), then
                 POST /api/v1/cases/{number}/submit {"expected_version": …} — 2 + 2 × items
                 requests (8 for the matter chosen in the demo).

Why submission, and which item (create-sign-submit): the only demo items whose verification
plan ends in ONLINE checks against the data-sharing sandbox are 市人社局's RS-ZM-001/-002/-003
(`demo/verification_cases.PLANS` with `verification_data.COMPARISONS`; every other online plan
has no comparison, so it names no source and falls back without calling the sandbox). Their
plans say "after the decision", so for an ordinary applicant (risk A–C) the draw happens only
at approval (A: 10 % sampled). A subject at risk D is verified *before* the decision, every
commitment, drawn at submission (`verification.rules.DEFAULT_INTENSITY`; the demo's 周十). So
the bench subject gets three general-grade external dishonesty records (still allowed to
commit, R-2.2) and is risk D; the script picks the matter with the most items with such an
online plan whose items can all be signed — 340100-RS-001 (RS-ZM-001 education, RS-ZM-002
social insurance: online; RS-ZM-008: on-site inspection). Each submission thus creates one
draw, three tasks, two online checks queued for the worker (on commit) and one inspection.
The subject's identifier starts with the sandbox's BENCH_PREFIX (9999…), for which the
sandbox answers a generated, consistent record; the identifier validation refuses that prefix,
so the subject row is written directly (as verify_batch.py does). Approving over the API
(POST …/decision) would need a case officer's token and is refused for a risk-D case while its
verification is open, so the flow stops at submission.

--with-worker also runs the background processes of `make run` during the load, each in its
own process group: `manage.py sandbox --port <free port>` (CHENGNUO_SANDBOX_URL points every
process, load_demo included, at it), `db_worker`, `deliver_pushes --loop 30`,
`run_online_checks --loop --interval 1` and, when the checkout has that command,
`run_reactions --loop 1` (make run sweeps every 15 and 30 s; `--sweep-interval`). At the end
it says which of them were still running.

Each target gets a warm-up, then a bounded load (N operations, C concurrent keep-alive clients,
a hard time cap). Per target: responses by HTTP status, 5xx count, and the increase of
`pg_stat_database.deadlocks` of the bench database. `queries_per_flow` is measured once in the
set-up shell (Django test client, CaptureQueriesContext). Prints ONE JSON object on stdout;
progress goes to stderr. Everything started is always stopped, the database dropped and the
temporary directory removed (also on errors, Ctrl-C or `kill`).

    .venv/bin/python bench/case_submit.py [--flow create-sign|create-sign-submit]
        [--with-worker] [--requests N] [--concurrency C] [--port P]

See bench/README.md for how to read the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

# The sibling script's server, load and statistics helpers.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_read import (
    HOST,
    ROOT,
    load_op,
    log,
    manage,
    port_free,
    start_server,
    summarise,
    wait_healthy,
)

DEFAULT_SERVER = "postgres://root@127.0.0.1:5432/postgres"
FLOWS = ("create-sign", "create-sign-submit")

SETUP = r"""
import json, os, secrets, sys
from datetime import timedelta
from django.utils import timezone
from stdnum.cn import ric
from chengnuo.accounts.models import ApiToken, User
from chengnuo.cases.services import current_versions
from chengnuo.catalog.selectors import matter_items_in_force
from chengnuo.catalog.models import Matter
from chengnuo.core.digest import digest_bytes
from chengnuo.credit import policies as credit_policies, services as credit_services

FLOW = os.environ["BENCH_FLOW"]
sys.path.insert(0, os.environ["BENCH_DIR"])
import case_submit as bench


def signable(item):
    if not item.under_commitment or item.liability_insurance_required:
        return False
    n, c = current_versions(item)
    return n is not None and c is not None


clerk = next(u for u in User.objects.order_by("id") if credit_policies.can_register_subject(u))
extra = {}
if FLOW == "create-sign":
    chosen = None
    for matter in Matter.objects.order_by("code"):
        for item in matter_items_in_force(matter):
            if signable(item):
                chosen = (matter, [item])
                break
        if chosen:
            break
    assert chosen, "no demo matter with a published commitment text"
    first17 = "34120219900101" + "777"
    subject = credit_services.subject_register(
        actor=clerk, kind="person", name="压测申请人", id_type="resident_id",
        id_value=first17 + ric.calc_check_digit(first17 + "0"),
    )
else:
    from chengnuo.agencies.models import Agency
    from chengnuo.core import crypto
    from chengnuo.core.masking import mask_identifier
    from chengnuo.credit.models import Subject
    from chengnuo.sandbox.share_data import BENCH_PREFIX, bench_inconsistent
    from chengnuo.verification.models import DataSource
    from chengnuo.verification.services import plan_for

    sources = set(DataSource.objects.filter(active=True).values_list("code", flat=True))
    best = None
    for matter in Matter.objects.order_by("code"):
        items = list(matter_items_in_force(matter))
        if not items or not all(signable(i) for i in items):
            continue
        online = []
        for i in items:
            plan = plan_for(i)
            used = {str(r.get("source")) for r in (plan.comparisons or [])}
            if "online" in (plan.methods or []) and used & sources:
                online.append(i.code)
        if online and (best is None or len(online) > len(best[2])):
            best = (matter, items, online)
    assert best, "no demo matter whose items can all be signed and one has an online plan"
    matter, items, online = best
    chosen = (matter, items)
    number = next(
        n for n in (f"{BENCH_PREFIX}{k:014d}" for k in range(777000, 778000))
        if not bench_inconsistent(n)
    )
    subject = Subject.objects.create(
        kind="person", name="压测申请人", id_type="resident_id",
        id_cipher=crypto.encrypt(number), id_lookup=crypto.lookup_hash(number),
        id_masked=mask_identifier(number),
    )
    officer = User.objects.get(username="credit_officer")
    fgw = Agency.objects.filter(name="阜阳市发展和改革委员会").first()
    today = timezone.localdate()
    for k, days in enumerate((40, 90, 150)):
        credit_services.credit_record_create(
            actor=officer, subject=subject, kind="external_dishonesty", grade="general",
            summary="信用中国（安徽阜阳）归集：压测主体逾期未履行行政处罚决定，列入一般失信记录。",
            legal_basis="《安徽省社会信用条例》第三十条",
            decided_on=today - timedelta(days=days), deciding_agency=fgw,
            external_ref=f"BENCH-{k}",
        )
    risk = credit_services.risk_of(subject)
    extra = {
        "online_items": online,
        "risk_level": risk.level,
        "sources": sorted(
            f"{s.code}@{s.base_url}" for s in DataSource.objects.filter(active=True)
        ),
    }
matter, items = chosen
applicant = User.objects.create_user(username="bench-applicant", password=secrets.token_hex(16))
credit_services.subject_link(actor=applicant, user=applicant, subject=subject, relation="self")
token = secrets.token_urlsafe(32)
ApiToken.objects.create(user=applicant, name="bench", key_digest=digest_bytes(token.encode()))
world = {
    "matter": matter.code, "item": items[0].code, "items": [i.code for i in items],
    "subject": subject.pk, "token": token, **extra,
}
world["queries_per_flow"] = bench.measure_queries(world, FLOW)
print("BENCH-SETUP " + json.dumps(world, ensure_ascii=False))
"""

# Work left behind by the load, read at the end: the bench subject's cases, checks and tasks
# (not the demo's), and the whole task queue and reaction outbox. Missing tables are skipped.
WORK_SQL = {
    "cases_by_status": (
        "SELECT status, count(*) FROM cases_case WHERE subject_id = %(s)s GROUP BY 1"
    ),
    "online_checks_by_status": (
        "SELECT o.status, count(*) FROM verification_onlinecheck o "
        "JOIN verification_verificationtask t ON t.id = o.task_id "
        "JOIN cases_commitment c ON c.id = t.commitment_id WHERE c.subject_id = %(s)s GROUP BY 1"
    ),
    "tasks_by_method_status_outcome": (
        "SELECT t.method || '/' || t.status || '/' || coalesce(nullif(t.outcome, ''), '-'), "
        "count(*) FROM verification_verificationtask t "
        "JOIN cases_commitment c ON c.id = t.commitment_id WHERE c.subject_id = %(s)s GROUP BY 1"
    ),
    "db_tasks_by_path_status": (
        "SELECT regexp_replace(task_path, '^chengnuo[.]', '') || ' ' || status, count(*) "
        "FROM django_tasks_database_dbtaskresult GROUP BY 1"
    ),
    "reactions": (
        "SELECT CASE WHEN done_at IS NOT NULL THEN 'done' WHEN last_error <> '' THEN 'failed'"
        " WHEN attempts > 0 THEN 'claimed' ELSE 'pending' END, count(*) FROM core_reaction"
        " GROUP BY 1"
    ),
}
PENDING_SQL = (
    "SELECT (SELECT count(*) FROM django_tasks_database_dbtaskresult "
    "        WHERE status IN ('READY', 'RUNNING'))"
    " + (SELECT count(*) FROM verification_onlinecheck WHERE status IN ('queued', 'retrying'))"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flow", choices=FLOWS, default="create-sign", help="what one flow does")
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help="run the background processes of `make run` (sandbox, db_worker, …) during the load",
    )
    parser.add_argument("--requests", type=int, default=400, help="operations per target")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--port", type=int, default=18732, help="port on 127.0.0.1")
    parser.add_argument("--warmup", type=int, default=40, help="warm-up operations per target")
    parser.add_argument("--time-cap", type=float, default=90.0, help="seconds per target, at most")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument(
        "--sweep-interval",
        default="1",
        help="with --with-worker: seconds between the rounds of run_online_checks and "
        "run_reactions (make run: 15 and 30; 1 keeps them busy during the load)",
    )
    parser.add_argument(
        "--stats-settle",
        type=float,
        default=11.0,
        help="seconds to wait after a target before reading pg_stat_database (idle backends "
        "flush their statistics within 10 s)",
    )
    parser.add_argument(
        "--drain",
        type=float,
        default=30.0,
        help="with --with-worker: seconds, at most, to let the background work queued by the "
        "load finish before reporting it",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER,
        help="a PostgreSQL URL; only its server is used (a fresh database is created there)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0 or args.time_cap <= 0:
        parser.error("--requests and --concurrency must be ≥ 1, --warmup ≥ 0, --time-cap > 0")
    if args.stats_settle < 0 or args.drain < 0:
        parser.error("--stats-settle and --drain must be ≥ 0")
    try:
        if float(args.sweep_interval) <= 0:
            raise ValueError
    except ValueError:
        parser.error("--sweep-interval must be a number of seconds > 0")
    if not 1024 <= args.port <= 65535:
        parser.error("--port must be between 1024 and 65535")
    if urlsplit(args.server).scheme not in ("postgres", "postgresql"):
        parser.error("--server must be a postgres:// URL")
    return args


# --- set-up -----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


def admin_sql(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def bench_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CHENGNUO_SANDBOX_URL", None)  # set only with --with-worker, to its own sandbox
    env.update(
        {
            "DATABASE_URL": database_url,
            "CHENGNUO_BENCH_ENDPOINTS": "true",
            "CHENGNUO_STATIC_ROOT": str(tmp / "static"),
            "CHENGNUO_MEDIA_ROOT": str(tmp / "media"),
            "CHENGNUO_ENV": "development",
            "CHENGNUO_DEBUG": "false",
            "CHENGNUO_LOG_LEVEL": "ERROR",
            # one token sends the whole load: the per-token rate limit is not what is measured
            "CHENGNUO_RATE_LIMITS": "off",
            "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def manage_output(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    return result.stdout


def setup_world(env: dict[str, str], flow: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", SETUP],
        cwd=ROOT,
        env={**env, "BENCH_FLOW": flow, "BENCH_DIR": str(Path(__file__).resolve().parent)},
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH-SETUP ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"setup failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return json.loads(line.removeprefix("BENCH-SETUP "))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def pg_deadlocks(server: str, name: str) -> int:
    """`pg_stat_database.deadlocks` of the bench database, from a fresh connection."""
    import psycopg

    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def wait_disconnected(server: str, name: str, timeout: float = 15.0) -> int:
    """Wait until no backend is connected to the bench database (their statistics are flushed
    when they exit); returns how many are still connected."""
    import psycopg

    deadline = time.monotonic() + timeout
    left = 0
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as conn:
        while True:
            conn.execute("SELECT pg_stat_clear_snapshot()")
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
            ).fetchone()
            left = int(row[0]) if row else 0
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.3)


def work_summary(database_url: str, subject: int) -> dict[str, Any]:
    import psycopg

    out: dict[str, Any] = {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for key, sql in WORK_SQL.items():
            tables = re.findall(r"(?:FROM|JOIN) (\w+)", sql)
            if any(
                conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is None for t in tables
            ):
                continue
            rows = conn.execute(sql, {"s": subject} if "%(s)s" in sql else None).fetchall()
            out[key] = {str(k): int(n) for k, n in sorted(rows)}
    return out


def pending_work(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(PENDING_SQL).fetchone()
    return int(row[0]) if row else 0


# --- logs ---------------------------------------------------------------------------------------

# logged errors (Django's "Internal Server Error: /path"), PostgreSQL's account of a deadlock
LOGGED = ("Internal Server Error:", "DETAIL:", "Process ")
EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Deadlock\w*|Violation)\b.*")


RELATION_OID = re.compile(r"relation (\d+) of database")


def relation_names(database_url: str, paths: list[Path]) -> dict[str, str]:
    """The tables PostgreSQL names by OID in the logs' deadlock reports (read before the
    database is dropped)."""
    import psycopg

    oids = set()
    for path in paths:
        if path.exists():
            oids.update(RELATION_OID.findall(path.read_text(errors="replace")))
    if not oids:
        return {}
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT oid::text, relname FROM pg_class WHERE oid = ANY(%s::oid[])",
            ([int(o) for o in oids],),
        ).fetchall()
    return dict(rows)


def log_findings(path: Path, relnames: dict[str, str] | None = None) -> dict[str, Any]:
    """Tracebacks, deadlocks and the distinct exception lines of a process's log (numbers
    replaced by N, tables named)."""
    if not path.exists():
        return {}
    text = path.read_text(errors="replace")
    names = relnames or {}
    exceptions: Counter[str] = Counter()
    for line in text.splitlines():
        if m := EXCEPTION_LINE.match(line):
            exceptions[m.group(0)[:240]] += 1
        elif line.startswith(LOGGED) or " failed" in line[:120]:
            line = RELATION_OID.sub(
                lambda m: f"relation {names.get(m.group(1), m.group(1))} of database", line
            )
            exceptions[re.sub(r"(?<![A-Za-z_])\d+", "N", line)[:240]] += 1
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        # one per deadlock: Django re-raises psycopg's error, so count psycopg's class only
        "deadlocks_logged": text.count("psycopg.errors.DeadlockDetected"),
        "exceptions": dict(exceptions.most_common(12)),
    }


# --- background processes (--with-worker) -----------------------------------------------------


@dataclass
class Background:
    name: str
    args: list[str]
    proc: subprocess.Popen
    log_path: Path
    log_file: Any


def start_background(env: dict[str, str], tmp: Path, name: str, *args: str) -> Background:
    log_path = tmp / f"{name}.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 (closed in main)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we stop exactly what we started
    )
    log(f"started manage.py {' '.join(args)} (pid {proc.pid})")
    return Background(name, list(args), proc, log_path, log_file)


def stop_group(procs: list[subprocess.Popen], timeout: float = 15.0) -> None:
    """SIGTERM to each process group we started, then SIGKILL to what is left after
    `timeout` seconds (all at once, so the waits do not add up)."""
    running = [p for p in procs if p.poll() is None]
    for p in procs:  # a group whose leader exited may still have members (granian's workers)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
    for p in running:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=5)


def on_term(*_: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: clean up, do not die in the clean-up
    sys.exit(143)


def background_status(bg: Background, relnames: dict[str, str]) -> dict[str, Any]:
    rc = bg.proc.poll()
    status: dict[str, Any] = {
        "command": "manage.py " + " ".join(bg.args),
        "alive_at_end": rc is None,
        "returncode": rc,
        **log_findings(bg.log_path, relnames),
    }
    if rc is not None:
        with contextlib.suppress(Exception):
            bg.log_file.flush()
        status["log_tail"] = bg.log_path.read_text(errors="replace")[-1500:]
    return status


def wait_sandbox(url: str, bg: Background, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if bg.proc.poll() is not None:
                tail = bg.log_path.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the sandbox exited with {bg.proc.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/healthz").status_code == 200:
                    return
            time.sleep(0.2)
    raise RuntimeError(f"sandbox not healthy after {timeout:.0f} s")


def loop_args(env: dict[str, str], command: str, seconds: str) -> list[str]:
    """`--loop` is a flag for some commands and takes SECONDS for others: ask the command."""
    usage = manage_output(env, "help", command)
    if re.search(r"--loop\s+[A-Z_]+", usage):
        return ["--loop", seconds]
    return ["--loop"]


# --- the operations ---------------------------------------------------------------------------


def fact_values(content: dict[str, Any]) -> dict[str, Any]:
    """A valid value for every fact of the commitment text."""
    values: dict[str, Any] = {}
    for fact in content.get("facts", []):
        kind = fact.get("type")
        if kind == "date":
            values[fact["key"]] = dt.date.today().isoformat()
        elif kind == "number":
            values[fact["key"]] = "1"
        elif kind == "choice":
            values[fact["key"]] = (fact.get("choices") or ["是"])[0]
        else:
            values[fact["key"]] = "是"
    return values


# send(step, method, path, json body or None, with an Idempotency-Key) -> (status, json or None)
Send = Callable[[str, str, str, "dict[str, Any] | None", bool], "tuple[int, Any]"]


def run_flow(send: Send, world: dict[str, Any], flow: str) -> bool:
    """One flow; True when every request answered as expected. The same steps over HTTP
    (the load) and through Django's test client (queries_per_flow)."""
    status, case = send(
        "create",
        "POST",
        "/api/v1/cases",
        {"matter_code": world["matter"], "subject_id": world["subject"]},
        True,
    )
    if status != 201:
        return False
    version = case["version"]
    for code in world["items"] if flow == "create-sign-submit" else [world["item"]]:
        base = f"/api/v1/cases/{case['number']}/items/{code}"
        status, t = send("texts", "GET", f"{base}/texts", None, False)
        if status != 200:
            return False
        status, signed = send(
            "sign",
            "POST",
            f"{base}/commitment",
            {
                "notification_version_id": t["notification"]["id"],
                "commitment_version_id": t["commitment"]["id"],
                "facts": fact_values(t["commitment"]["content"]),
                "confirmed": True,
                "expected_version": version,
            },
            True,
        )
        if status != 201:
            return False
        version = signed.get("case_version", version)
    if flow == "create-sign-submit":
        # SubmitIn is {"expected_version"}; submit is no create, so neither checkout reads an
        # Idempotency-Key there (a retry is 409 invalid_state) — sent anyway, as a client would
        status, _ = send(
            "submit", "POST", f"/api/v1/cases/{case['number']}/submit",
            {"expected_version": version}, True,
        )  # fmt: skip
        if status != 200:
            return False
    return True


def requests_per_flow(world: dict[str, Any], flow: str) -> int:
    return 1 + 2 * len(world["items"]) + 1 if flow == "create-sign-submit" else 3


def measure_queries(world: dict[str, Any], flow: str) -> dict[str, Any]:
    """In the set-up shell (Django configured): one flow through Django's test client, the
    queries of each request counted with CaptureQueriesContext. A first flow warms the
    process's caches (reported as `cold_total`); the second is the one reported."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    auth = {"Authorization": f"Bearer {world['token']}"}

    def measured() -> tuple[bool, list[dict[str, Any]]]:
        rows: list[dict[str, Any]] = []

        def send(step: str, method: str, path: str, body: Any, key: bool) -> tuple[int, Any]:
            headers = {**auth, **({"Idempotency-Key": uuid.uuid4().hex} if key else {})}
            with CaptureQueriesContext(connection) as ctx:
                if method == "GET":
                    response = client.get(path, headers=headers)
                else:
                    response = client.generic(
                        method,
                        path,
                        json.dumps(body),
                        content_type="application/json",
                        headers=headers,
                    )
            sql = [q["sql"] for q in ctx.captured_queries]
            rows.append(
                {
                    "request": f"{method} {path}",
                    "step": step,
                    "status": response.status_code,
                    "queries": len(sql),
                    "savepoints": sum(1 for s in sql if "SAVEPOINT" in s.upper()[:30]),
                }
            )
            return response.status_code, response.json() if response.status_code < 300 else None

        return run_flow(send, world, flow), rows

    ok_cold, cold = measured()
    ok, rows = measured()
    return {
        "ok": ok_cold and ok,
        "requests": rows,
        "total": sum(r["queries"] for r in rows),
        "of_which_savepoints": sum(r["savepoints"] for r in rows),
        "cold_total": sum(r["queries"] for r in cold),
    }


class Ops:
    """The two targets' operations; every response is counted by step and HTTP status."""

    def __init__(self, world: dict[str, Any], flow: str):
        self.world = world
        self.flow = flow
        self.headers = {"Authorization": f"Bearer {world['token']}"}
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.by_step: dict[str, Counter[str]] = defaultdict(Counter)
            self.transport_errors = 0
            self.samples: dict[str, list[str]] = defaultdict(list)

    def _count(self, step: str, status: int, text: str) -> None:
        with self.lock:
            self.by_step[step][str(status)] += 1
            if status >= 300:
                key = f"{step} {status}"
                first = not self.samples[key]
                if len(self.samples[key]) < 3:
                    self.samples[key].append(text[:300])
        if status >= 300 and first:
            log(f"{step}: {status} {text[:300]}")

    def _send(
        self, client: httpx.Client, step: str, method: str, path: str, body: Any, key: bool
    ) -> tuple[int, Any]:
        headers = {**self.headers, **({"Idempotency-Key": uuid.uuid4().hex} if key else {})}
        try:
            response = client.request(method, path, json=body, headers=headers)
        except httpx.HTTPError:
            with self.lock:
                self.transport_errors += 1
            raise
        self._count(step, response.status_code, response.text if response.is_error else "")
        return response.status_code, response.json() if response.status_code < 300 else None

    def insert(self, client: httpx.Client) -> bool:
        status, _ = self._send(client, "insert", "POST", "/api/v1/bench/insert", None, False)
        return status == 201

    def case_flow(self, client: httpx.Client) -> bool:
        return run_flow(lambda *a: self._send(client, *a), self.world, self.flow)

    def counts(self) -> dict[str, Any]:
        with self.lock:
            total: Counter[str] = Counter()
            for counter in self.by_step.values():
                total.update(counter)
            statuses = {"500": 0, **dict(total)}
            return {
                "statuses": dict(sorted(statuses.items())),
                "statuses_by_step": {k: dict(sorted(v.items())) for k, v in self.by_step.items()},
                "server_errors": sum(n for s, n in total.items() if s.startswith("5")),
                "transport_errors": self.transport_errors,
                "error_samples": dict(self.samples),
            }


# --- main -------------------------------------------------------------------------------------


def checkout() -> dict[str, Any]:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.rstrip()

    return {
        "root": str(ROOT),
        "commit": git("rev-parse", "--short", "HEAD"),
        "subject": git("log", "-1", "--format=%s")[:100],
        # uncommitted changes in the measured tree (another engineer may be editing it)
        "dirty": [x[3:] for x in git("status", "--porcelain").splitlines() if x][:30],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not port_free(args.port):
        log(f"port {args.port} on {HOST} is in use; choose another with --port")
        return 2
    signal.signal(signal.SIGTERM, on_term)
    load_at_start = round(os.getloadavg()[0], 2)
    name = f"bench_cases_{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-cases-"))
    proc: subprocess.Popen | None = None
    background: list[Background] = []
    server_log = open(tmp / "granian.log", "wb")  # noqa: SIM115 (closed in finally)
    created_db = False

    def stop_all() -> None:
        stop_group(([proc] if proc is not None else []) + [bg.proc for bg in background])
        for bg in background:
            with contextlib.suppress(Exception):
                bg.log_file.close()

    try:
        admin_sql(args.server, f'CREATE DATABASE "{name}"')
        created_db = True
        database_url = with_database(args.server, name)
        env = bench_env(tmp, database_url)
        deadlocks_at_start = pg_deadlocks(args.server, name)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        commands = set(manage_output(env, "help", "--commands").split())
        sandbox_url = None
        if args.with_worker:
            sandbox_port = free_port()
            sandbox_url = f"http://{HOST}:{sandbox_port}"
            env["CHENGNUO_SANDBOX_URL"] = sandbox_url  # every process, load_demo included
            sandbox = start_background(env, tmp, "sandbox", "sandbox", "--port", str(sandbox_port))
            background.append(sandbox)
            wait_sandbox(sandbox_url, sandbox)
        manage(env, "load_demo")
        world = setup_world(env, args.flow)
        queries = world.pop("queries_per_flow")
        log(
            f"world: matter {world['matter']}, items {', '.join(world['items'])}"
            + (f", risk {world['risk_level']}" if "risk_level" in world else "")
            + f"; {queries['total']} queries per flow (cold {queries['cold_total']})"
        )
        if args.with_worker:
            background.append(start_background(env, tmp, "db_worker", "db_worker"))
            background.append(
                start_background(env, tmp, "deliver_pushes", "deliver_pushes", "--loop", "30")
            )
            background.append(
                start_background(
                    env,
                    tmp,
                    "run_online_checks",
                    "run_online_checks",
                    "--loop",
                    "--interval",
                    args.sweep_interval,
                )
            )
            if "run_reactions" in commands:
                background.append(
                    start_background(
                        env,
                        tmp,
                        "run_reactions",
                        "run_reactions",
                        *loop_args(env, "run_reactions", args.sweep_interval),
                    )
                )
        base = f"http://{HOST}:{args.port}"
        proc = start_server(env, tmp, args.port, args.workers, server_log)
        (tmp / "static").mkdir(exist_ok=True)
        wait_healthy(base, proc, tmp)
        log(f"granian up on {base} ({args.workers} workers)")

        ops = Ops(world, args.flow)
        targets: dict[str, dict[str, Any]] = {}
        for target, op in (("insert", ops.insert), ("case_flow", ops.case_flow)):
            kwargs = {"concurrency": args.concurrency, "cap": args.time_cap}
            ops.reset()
            before = pg_deadlocks(args.server, name)
            load_op(base, op, total=args.warmup, **kwargs)
            warm = ops.counts()
            warmup = {
                "statuses": warm["statuses"],
                "server_errors": warm["server_errors"],
                "transport_errors": warm["transport_errors"],
                "deadlocks_before_load": pg_deadlocks(args.server, name) - before,
            }
            ops.reset()
            before = pg_deadlocks(args.server, name)
            run = load_op(base, op, total=args.requests, **kwargs)
            result = summarise(run)
            result.update(ops.counts())
            time.sleep(args.stats_settle)
            result["deadlocks"] = pg_deadlocks(args.server, name) - before
            # the warm-up's own (its deadlocks may be published only during the load)
            result["warmup"] = warmup
            if target == "case_flow":
                result["requests_per_op"] = requests_per_flow(world, args.flow)
            targets[target] = result
            log(
                f"{target}: {result['rps']} op/s, p50 {result['p50_ms']} ms, "
                f"p95 {result['p95_ms']} ms, errors {result['errors']}, "
                f"statuses {result['statuses']}, deadlocks {result['deadlocks']}"
            )

        work: dict[str, Any] = {}
        statuses: dict[str, Any] = {}
        if args.with_worker:
            deadline = time.monotonic() + args.drain
            while (left := pending_work(database_url)) and time.monotonic() < deadline:
                time.sleep(1)
            work["pending_after_drain"] = left
            relnames = relation_names(
                database_url, [tmp / "granian.log"] + [bg.log_path for bg in background]
            )
            statuses = {bg.name: background_status(bg, relnames) for bg in background}
            dead = [n for n, s in statuses.items() if not s["alive_at_end"]]
            log(f"background processes not running at the end: {dead or 'none'}")
        work.update(work_summary(database_url, world["subject"]))
        stop_all()
        still_connected = wait_disconnected(args.server, name)
        deadlocks_whole = pg_deadlocks(args.server, name) - deadlocks_at_start
        server_log.flush()
        relnames = relation_names(
            database_url, [tmp / "granian.log"] + [bg.log_path for bg in background]
        )
        logs = {"granian": log_findings(tmp / "granian.log", relnames)}
        for bg in background:
            logs[bg.name] = log_findings(bg.log_path, relnames)

        floor, flow = targets["insert"], targets["case_flow"]
        per_flow = requests_per_flow(world, args.flow)
        report = {
            "machine": {
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "loadavg_1m_at_start": load_at_start,
                "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
            },
            "checkout": checkout(),
            "config": {
                "flow": args.flow,
                "with_worker": args.with_worker,
                "requests": args.requests,
                "concurrency": args.concurrency,
                "warmup": args.warmup,
                "time_cap_s": args.time_cap,
                "stats_settle_s": args.stats_settle,
                "server": (
                    f"granian wsgi, {args.workers} workers, 8 blocking threads, "
                    f"backpressure 64, {HOST}:{args.port}"
                ),
                "database": f"PostgreSQL, temporary database {name}, demo data",
                "sandbox": sandbox_url,
                "world": {k: v for k, v in world.items() if k != "token"},
                "targets": {
                    "insert": "POST /api/v1/bench/insert",
                    "case_flow": (
                        "POST /api/v1/cases + GET …/texts + POST …/commitment"
                        if args.flow == "create-sign"
                        else f"POST /api/v1/cases + {len(world['items'])} × (GET …/texts + "
                        "POST …/commitment) + POST …/submit"
                    ),
                },
            },
            "targets": targets,
            "throughput_vs_floor": round(flow["rps"] / floor["rps"], 3) if floor["rps"] else None,
            "throughput_vs_floor_per_request": (
                round(flow["rps"] * per_flow / floor["rps"], 3) if floor["rps"] else None
            ),
            "queries_per_flow": queries,
            "deadlocks_whole_run": deadlocks_whole,
            "backends_still_connected": still_connected,
            "server_errors": sum(t["server_errors"] for t in targets.values()),
            "server_errors_in_warmups": sum(t["warmup"]["server_errors"] for t in targets.values()),
            "background": statuses,
            "work_left": work,
            "logs": logs,
            "goal": {
                "case_flow_p95_below_100_ms": bool(flow["p95_ms"] and flow["p95_ms"] < 100),
                "throughput_at_least_40_percent_of_floor": bool(
                    floor["rps"] and flow["rps"] / floor["rps"] >= 0.4
                ),
                "no_server_errors_no_deadlocks": not any(
                    t["server_errors"] or t["warmup"]["server_errors"] for t in targets.values()
                )
                and deadlocks_whole == 0,
                "background_processes_alive": all(s["alive_at_end"] for s in statuses.values()),
            },
        }
        if floor["errors"] or flow["errors"]:
            tail = (tmp / "granian.log").read_text(errors="replace")[-6000:]
            log(f"errors; the server's log ends with:\n{tail}")
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        # `timeout` and shells signal the whole process group: a second SIGTERM (or Ctrl-C)
        # must not abort the clean-up half-way, leaving the database and processes behind
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop_all()
        server_log.close()
        if created_db:
            with contextlib.suppress(Exception):
                admin_sql(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
