#!/usr/bin/env python
"""Routine supervision at scale (R-4.3, R-4.4): a stratified draw (sm3-rank-v1) over 1,000,000
subjects, a third party's recomputation of it from the published data, and the quarterly
non-discrimination (parity) report over 1,000,000 cases.

Stages (`--only`, comma-separated; default all):

    setup      (not a measurement; its duration is reported) `manage.py migrate` on the fresh
               database, then, with the ORM: an ordinary agency, a Justice Bureau, one catalog
               matter of the agency, a staff user (agency_admin), one published general
               inspection item of the matter with ratio_by_class {"A": 3, "B": 5, "C": 10,
               "D": 20} and a yearly plan (draft, stratified by credit class) with that item;
               then by PostgreSQL COPY N subjects (default 1,000,000; `--subjects`) of
               synthetic, non-personal strings and one SubjectEntry each: reference "DX" + 10
               characters of `services.new_ref`'s alphabet (a bijection of a counter, so
               unique, deterministic and unrelated to the insertion order), route commitment or
               proof (50/50), credit class A 70 % / B 20 % / C 7 % / D 3 %, region yingzhou,
               active, no case; in one transaction (its commit runs the deferred foreign-key
               checks); then VACUUM ANALYZE of both tables.
    draw       R runs (default 5; `--runs`), a fresh random 64-hex seed each, in one process,
               each in a transaction that is rolled back at the end: `services.frozen_pool`
               (the pool per stratum, from the database) + `services.rank_subjects` (quota,
               pool digest and selection per stratum, the whole pool's digest, the zlib
               snapshot of every stratum -- the PoolSnapshot
               blobs) + saving the Draw and its PoolSnapshot rows. Reported: draw_seconds
               {min, median, max} and the breakdown of the median run. Floors
               from the same run and process: `SELECT ref` of every entry (cursor.fetchall),
               the pool query of `frozen_pool` alone (executed again, fetchall), and SM3 of
               every member with hashlib only (the seed's prefix state copied, as
               `draw._digests` does). Checks (untimed, last run): the pool is every entry once,
               each stratum sorted by code point, the quotas are ceil(size x ratio), and the
               selection equals the definition (the lowest int(SM3(seed + ":" + member)), ties
               by member) computed naively with hashlib. A diagnostic at the end: the pool
               query and `frozen_pool` again with `SET LOCAL work_mem = '256MB'` (its sort
               spills to disk at PostgreSQL's default 4 MB).
    recompute  one real draw committed (two seed shares with their SM3 commitments, the pool,
               the selection, its PoolSnapshot rows), published with
               `selectors.draw_public(draw, inline_limit=0)` (every pool a download, as on the
               draw page) to a JSON file, and each pool written as the API serves it
               (`/draws/{id}/pools/{key}.txt`: one reference per line, sorted). Then a SEPARATE
               fresh Python (`python -I`) that imports only `chengnuo.supervision.draw` (no
               Django: src put on sys.path by hand) reads the files and runs
               `draw.recompute` (share commitments, seed, per stratum pool digest and
               selection) plus the whole-pool digest, size and selected list. Its work is
               timed inside it (from the first line of the script: the module import, reading,
               recomputing); the wall time including interpreter start-up is reported too.
               R such processes (median reported), then one more, untimed, that times the
               digests and selections alone and checks that a tampered selection is reported
               as a difference.
    parity     ~3 % of the entries (`--task-share`) get an InspectionTask of the plan (a Draw
               "done" first), the item in the task's M2M, outcome no_problem or rectify (80/20),
               by COPY; then `parity_report.compute(agency, start, end)` R times over the
               current quarter. Checks: the totals of the rows add up to N and the inspected
               to the tasks.

The database (`bench_supdraw_<pid>` on 127.0.0.1, user postgres) is created for the run and
dropped at the end; `--keep-db NAME` uses (and keeps) NAME instead, reusing its world when it
holds one of the same size. Each stage runs in its own process (Django's default database is
the bench database) under a time cap; a capped stage reports what it measured so far and
`"time_capped": true`. Prints ONE JSON object on stdout; progress goes to stderr.

    .venv/bin/python bench/supervision_draw.py [--subjects N] [--runs R]
        [--only setup,draw,recompute,parity] [--keep-db NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STAGES = ("setup", "draw", "recompute", "parity")
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
RESULT = "@@supdraw "  # a child's result lines on stdout
TARGETS = {"draw_median_s": 1, "recompute_s": 5, "parity_s": 5}

# the bench world, found again by these (a kept database is reused when it holds it)
AGENCY_NAME = "Bench supervision agency"
BUREAU_NAME = "Bench justice bureau"
MATTER_CODE = "BENCH-SUP-MATTER-1"
ITEM_CODE = "BENCH-SUP-ITEM-1"
PLAN_NUMBER = "JHBENCHDRAW0001"
ADMIN_USERNAME = "bench-supervision-admin"
RATIOS = {"A": 3, "B": 5, "C": 10, "D": 20}
CLASS_SHARES = (("A", 0.70), ("B", 0.20), ("C", 0.07), ("D", 0.03))
RECTIFY_SHARE = 0.2
REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # services.new_ref's
COPY_CHUNK = 50_000


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S", time.gmtime())
    print(f"[supervision_draw {stamp}Z] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--subjects", type=int, default=1_000_000, help="subjects (= entries) N")
    p.add_argument("--runs", type=int, default=5, help="draw and parity: timed runs R")
    p.add_argument("--only", default=",".join(STAGES), help="stages, comma-separated")
    p.add_argument("--keep-db", metavar="NAME", help="use and keep this database (reused)")
    p.add_argument(
        "--server",
        default=DEFAULT_SERVER,
        help="the PostgreSQL server (only its address and user are used; 127.0.0.1 only)",
    )
    p.add_argument("--task-share", type=float, default=0.03, help="parity: entries with a task")
    p.add_argument("--seed", type=int, default=20260417, help="the synthetic data (reproducible)")
    p.add_argument("--time-cap", type=float, default=900, help="seconds per measured stage")
    p.add_argument("--setup-time-cap", type=float, default=3600, help="seconds for the setup")
    p.add_argument("--stage", help=argparse.SUPPRESS)  # internal: run one stage (child)
    p.add_argument("--config", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.stages = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.stages) - set(STAGES)
    if unknown:
        p.error(f"unknown stage(s) {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}")
    if args.subjects < 1 or args.runs < 1:
        p.error("--subjects and --runs must be at least 1")
    if not 0 < args.task_share <= 1:
        p.error("--task-share must be in (0, 1]")
    if args.keep_db is not None and (
        not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", args.keep_db)
        or args.keep_db in ("postgres", "template0", "template1")
    ):
        p.error("--keep-db: a lower-case identifier, not postgres or a template")
    return args


def r4(x: float) -> float:
    return round(x, 4)


def spread(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"runs": 0}
    return {
        "min": r4(min(values)),
        "median": r4(statistics.median(values)),
        "max": r4(max(values)),
        "runs": len(values),
    }


# ==========================================================================================
# The parent: the database, the stage processes, the report
# ==========================================================================================


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, "", ""))


def pg(server: str, database: str = "postgres"):
    import psycopg

    return psycopg.connect(with_database(server, database), autocommit=True)


def admin_sql(server: str, sql: str) -> None:
    with pg(server) as conn:
        conn.execute(sql)


def database_exists(server: str, name: str) -> bool:
    with pg(server) as conn:
        return bool(
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        )


def postgres_version(server: str) -> str:
    with pg(server) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


def world_size(server: str, name: str) -> int | None:
    """The number of entries of the bench world in `name`, None when it holds none."""
    import psycopg

    try:
        with pg(server, name) as conn:
            row = conn.execute(
                "SELECT 1 FROM supervision_plan WHERE number = %s", (PLAN_NUMBER,)
            ).fetchone()
            if row is None:
                return None
            return int(conn.execute("SELECT count(*) FROM supervision_subjectentry").fetchone()[0])
    except psycopg.errors.UndefinedTable:
        return None


def bench_env(tmp: Path, database_url: str) -> dict[str, str]:
    """bench/case_submit.py's environment (the platform on `database_url`, quiet), without
    its bench endpoints."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from case_submit import bench_env as platform_env

    env = platform_env(tmp, database_url)
    env.pop("CHENGNUO_BENCH_ENDPOINTS", None)
    return env


def migrate(env: dict[str, str]) -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from case_submit import manage_output

    started = time.perf_counter()
    manage_output(env, "migrate", "--noinput", "--verbosity", "0")
    seconds = time.perf_counter() - started
    log(f"manage.py migrate: {seconds:.1f} s")
    return seconds


def stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """SIGTERM to the process group we started (by its id), then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def run_child(
    env: dict[str, str], stage: str, config: dict[str, Any], cap: float
) -> dict[str, Any]:
    """Run one stage in its own process under a time cap; merge its result lines."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--stage",
            stage,
            "--config",
            json.dumps(config),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=None,  # progress straight through
        text=True,
        start_new_session=True,
    )
    result: dict[str, Any] = {}
    lines: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(RESULT):
                section = json.loads(line[len(RESULT) :])
                result[section["section"]] = section["data"]
            else:
                lines.append(line)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    capped = False
    try:
        proc.wait(timeout=cap)
    except subprocess.TimeoutExpired:
        capped = True
        log(f"stage {stage}: time cap of {cap:.0f} s reached; stopping it")
    finally:
        stop(proc)
        thread.join(timeout=10)
    if lines:
        result["stdout"] = "".join(lines)[-2000:]
    result["stage_seconds"] = round(time.monotonic() - started, 1)
    if capped:
        result["time_capped"] = True
    elif proc.returncode != 0:
        result["error"] = f"stage process exited with {proc.returncode} (traceback on stderr)"
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stage:
        return child_main(args.stage, json.loads(args.config or "{}"))
    parts = urlsplit(args.server)
    if parts.hostname not in (HOST, "localhost"):
        log(f"--server must be on {HOST} (got {parts.hostname!r})")
        return 2
    server = urlunsplit(parts._replace(netloc=parts.netloc.replace("localhost", HOST)))

    def on_term(*_: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.exit(143)

    signal.signal(signal.SIGTERM, on_term)
    load_at_start = round(os.getloadavg()[0], 2)
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-supdraw-"))
    name = args.keep_db or f"bench_supdraw_{os.getpid()}"
    drop_at_end = False
    report: dict[str, Any] = {}
    details: dict[str, Any] = {}
    started = time.monotonic()
    try:
        if not database_exists(server, name):
            admin_sql(server, f'CREATE DATABASE "{name}"')
            drop_at_end = args.keep_db is None
            log(f"database {name} created")
        elif args.keep_db is None:
            log(f"database {name} exists already; refusing to touch it")
            return 2
        env = bench_env(tmp, with_database(server, name))
        report["machine"] = {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": postgres_version(server),
            "platform": platform.platform(),
            "loadavg_1m_at_start": load_at_start,
        }
        report["config"] = {
            "subjects": args.subjects,
            "runs": args.runs,
            "stages": args.stages,
            "database": name,
            "kept": args.keep_db is not None,
            "task_share": args.task_share,
            "seed": args.seed,
        }
        report["targets"] = TARGETS

        # setup: always when the database holds no world (the other stages need it)
        size = world_size(server, name)
        if size is not None and size != args.subjects:
            log(f"{name} holds a world of {size:,} entries, not {args.subjects:,}: drop it first")
            return 2
        if size is None:
            log(f"== setup ({args.subjects:,} subjects)")
            migrate_s = migrate(env)
            cfg = {"subjects": args.subjects, "seed": args.seed}
            result = run_child(env, "setup", cfg, args.setup_time_cap)
            result.setdefault("setup", {})["migrate_seconds"] = r4(migrate_s)
            if "setup" not in args.stages:
                result["note"] = "run although not in --only: the database held no world"
            details["setup"] = result
            world = result.get("setup", {}).get("seconds", {})
            if "total" in world:
                report["setup_seconds"] = round(migrate_s + world["total"], 1)
            if result.get("error") or result.get("time_capped") or "total" not in world:
                report["details"] = details
                report["error"] = "setup failed"
                print(json.dumps(report, ensure_ascii=False, indent=2))
                return 1
        else:
            log(f"== setup: reusing the world of {size:,} entries in {name}")
            details["setup"] = {"reused": name, "migrate_seconds": r4(migrate(env))}
            report["setup_seconds"] = None

        cfg = {"runs": args.runs, "seed": args.seed, "task_share": args.task_share}
        for stage in ("draw", "recompute", "parity"):
            if stage not in args.stages:
                continue
            log(f"== {stage}")
            result = run_child(
                env, stage, cfg | {"tmp": str(tmp), "cap": args.time_cap}, args.time_cap
            )
            report.update(result.pop("result", {}))
            details[stage] = result.pop("details", {}) | result
            if result.get("time_capped"):
                report["time_capped"] = True

        report["machine"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
        report["seconds"] = round(time.monotonic() - started, 1)
        report["details"] = details
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if drop_at_end:
            with contextlib.suppress(Exception):
                admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                log(f"database {name} dropped")
        elif args.keep_db:
            log(f"database {name} kept")
        shutil.rmtree(tmp, ignore_errors=True)


# ==========================================================================================
# The children: one stage each, inside Django
# ==========================================================================================


def emit(section: str, data: Any) -> None:
    print(RESULT + json.dumps({"section": section, "data": data}, ensure_ascii=False), flush=True)


def child_main(stage: str, config: dict[str, Any]) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chengnuo.config.settings")
    import django

    django.setup()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    {
        "setup": stage_setup,
        "draw": stage_draw,
        "recompute": stage_recompute,
        "parity": stage_parity,
    }[stage](config)
    return 0


class GcTimer:
    """Seconds spent in the cyclic garbage collector (gc.callbacks)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._began = 0.0
        gc.callbacks.append(self)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._began


# --- set-up -----------------------------------------------------------------------------------

_MASK50 = (1 << 50) - 1
_PAIRS = [a + b for a in REF_ALPHABET for b in REF_ALPHABET]  # 10 bits -> 2 characters


def bench_ref(i: int) -> str:
    """The i-th reference: DX + 10 characters of new_ref's alphabet (50 bits) from a bijection
    of the counter (an odd multiplier, an xor-shift and another odd multiplier modulo 2**50).
    Unique and deterministic, in no relation to the insertion order (like random ones)."""
    x = (i * 0x2545F4914F6CDD1D + 0x9E3779B97F4A7C15) & _MASK50
    x ^= x >> 23
    x = (x * 0x5851F42D4C957F2D) & _MASK50
    return "".join(
        (
            "DX",
            _PAIRS[x >> 40],
            _PAIRS[(x >> 30) & 1023],
            _PAIRS[(x >> 20) & 1023],
            _PAIRS[(x >> 10) & 1023],
            _PAIRS[x & 1023],
        )
    )


def copy_template(model: Any, values: dict[str, str | None]) -> tuple[str, str]:
    """The COPY statement over every concrete column of `model` and a row template
    (str.format): `values` by attname, constants or "{placeholders}"; None is NULL. A column
    the bench does not know (a newer migration) is an error, not a silent default."""
    from django.db import connection

    fields = model._meta.concrete_fields
    known = {f.attname for f in fields}
    missing = sorted(known - set(values))
    extra = sorted(set(values) - known)
    if missing or extra:
        raise RuntimeError(f"{model._meta.label}: columns missing {missing}, unknown {extra}")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    cells = ["\\N" if values[f.attname] is None else str(values[f.attname]) for f in fields]
    return f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", "\t".join(cells) + "\n"


def copy_lines(sql: str, lines: Iterable[str]) -> None:
    """COPY the rows (text format) through Django's connection, in chunks."""
    from django.db import connection

    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= COPY_CHUNK:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))


def max_id(model: Any) -> int:
    from django.db.models import Max

    return int(model.objects.aggregate(m=Max("pk"))["m"] or 0)


def reset_sequences(models: list[Any]) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def vacuum_analyze(models: list[Any]) -> float:
    from django.db import connection

    began = time.perf_counter()
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return time.perf_counter() - began


def stage_setup(cfg: dict[str, Any]) -> None:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from chengnuo.accounts.models import User
    from chengnuo.agencies.constants import AgencyKind, Level, Region, Role
    from chengnuo.agencies.models import Agency, Membership
    from chengnuo.catalog.constants import MatterType
    from chengnuo.catalog.models import Matter
    from chengnuo.core.identifiers import uscc_with_check
    from chengnuo.credit.constants import IdType, SubjectKind
    from chengnuo.credit.models import Subject
    from chengnuo.supervision.constants import (
        Frequency,
        ItemKind,
        Method,
        PeriodKind,
        PlanStatus,
        Route,
        Stratify,
    )
    from chengnuo.supervision.models import InspectionItem, Plan, SubjectEntry

    n = int(cfg["subjects"])
    rng = random.Random(int(cfg["seed"]))
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    today = timezone.localdate()
    with transaction.atomic():
        agency = Agency.objects.create(
            name=AGENCY_NAME,
            uscc=uscc_with_check("113412009" + "90000001"),
            region=Region.YINGZHOU,
            level=Level.COUNTY,
        )
        bureau = Agency.objects.create(
            name=BUREAU_NAME,
            uscc=uscc_with_check("113412009" + "90000002"),
            region=Region.FUYANG,
            level=Level.CITY,
            kind=AgencyKind.JUSTICE_BUREAU,
        )
        matter = Matter.objects.create(
            agency=agency,
            code=MATTER_CODE,
            name="Bench matter (licensing)",
            matter_type=MatterType.LICENSING,
            legal_basis="Bench legal basis",
            materials=["application form"],
        )
        user = User(username=ADMIN_USERNAME, display_name="Bench admin")
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, agency=agency, role=Role.AGENCY_ADMIN)
        item = InspectionItem.objects.create(
            agency=agency,
            code=ITEM_CODE,
            name="Bench general inspection item",
            kind=ItemKind.GENERAL,
            legal_basis="Bench legal basis",
            content="Bench inspection content",
            method=Method.ON_SITE,
            frequency=Frequency.YEARLY,
            ratio_by_class=RATIOS,
            published=True,
            published_at=timezone.now(),
        )
        item.matters.set([matter])
        plan = Plan.objects.create(
            number=PLAN_NUMBER,
            title="Bench yearly plan",
            lead_agency=agency,
            period_kind=PeriodKind.YEARLY,
            period_start=dt.date(today.year, 1, 1),
            period_end=dt.date(today.year, 12, 31),
            stratify=Stratify.CREDIT_CLASS,
            scope={},
            status=PlanStatus.DRAFT,
            created_by=user,
        )
        plan.items.set([item])
        seconds["world"] = time.perf_counter() - began

        now = timezone.now().isoformat()
        s0 = max_id(Subject)
        s_sql, s_row = copy_template(
            Subject,
            {
                "id": "{sid}",
                "kind": SubjectKind.ENTITY,
                "name": "bench subject {i}",
                "id_type": IdType.USCC,
                "id_cipher": "bench-not-a-cipher-{i}",
                "id_lookup": "bench{i}",
                "id_masked": "bench****",
                "phone_cipher": "",
                "phone_lookup": "",
                "phone_masked": "",
                "created_at": now,
                "updated_at": now,
            },
        )
        t = time.perf_counter()
        copy_lines(s_sql, (s_row.format(sid=s0 + 1 + i, i=i) for i in range(n)))
        seconds["copy_subjects"] = time.perf_counter() - t
        log(f"setup: {n:,} subjects copied in {seconds['copy_subjects']:.1f} s")

        e0 = max_id(SubjectEntry)
        e_sql, e_row = copy_template(
            SubjectEntry,
            {
                "id": "{eid}",
                "ref": "{ref}",
                "subject_id": "{sid}",
                "matter_id": str(matter.pk),
                "agency_id": str(agency.pk),
                "case_id": None,
                "route": "{route}",
                "region": Region.YINGZHOU,
                "industry": "",
                "credit_class": "{cls}",
                "address": "",
                "since": dt.date(today.year - 1, 3, 1).isoformat(),
                "active": "t",
            },
        )
        bounds = []
        acc = 0.0
        for cls, share in CLASS_SHARES:
            acc += share
            bounds.append((acc, cls))
        classes: Counter[str] = Counter()
        routes: Counter[str] = Counter()
        route_of = (Route.PROOF.value, Route.COMMITMENT.value)

        def entries() -> Iterable[str]:
            rnd = rng.random
            for i in range(n):
                x = rnd()
                cls = next((c for b, c in bounds if x < b), bounds[-1][1])
                route = route_of[rnd() < 0.5]
                classes[cls] += 1
                routes[route] += 1
                yield e_row.format(
                    eid=e0 + 1 + i, ref=bench_ref(i), sid=s0 + 1 + i, route=route, cls=cls
                )

        t = time.perf_counter()
        copy_lines(e_sql, entries())
        seconds["copy_entries"] = time.perf_counter() - t
        log(f"setup: {n:,} entries copied in {seconds['copy_entries']:.1f} s")
        reset_sequences([Subject, SubjectEntry])
        t = time.perf_counter()
    seconds["commit_deferred_fk_checks"] = time.perf_counter() - t
    seconds["vacuum_analyze"] = vacuum_analyze([Subject, SubjectEntry])
    seconds["total"] = time.perf_counter() - began
    log(f"setup: world ready in {seconds['total']:.1f} s")
    emit(
        "setup",
        {
            "subjects": n,
            "classes": dict(sorted(classes.items())),
            "routes": dict(sorted(routes.items())),
            "ids": {"agency": agency.pk, "bureau": bureau.pk, "plan": plan.pk, "item": item.pk},
            "seconds": {k: r4(v) for k, v in seconds.items()},
        },
    )


# --- the draw ---------------------------------------------------------------------------------


def bench_world() -> dict[str, Any]:
    from chengnuo.supervision import rules
    from chengnuo.supervision.models import Plan

    plan = Plan.objects.select_related("lead_agency", "created_by").get(number=PLAN_NUMBER)
    items = list(plan.items.all())
    return {
        "plan": plan,
        "items": items,
        "ratios": [i.ratio_by_class for i in items],
        "fraction": rules.period_fraction(plan.period_start, plan.period_end),
        "user": plan.created_by,
    }


def sm3_all(seed: str, members: list[str]) -> None:
    """The irreducible hashing of a draw: SM3(seed + ":" + member) of every member, the
    prefix's state copied (hashlib only, results dropped)."""
    copy = hashlib.new("sm3", f"{seed}:".encode()).copy
    for m in members:
        h = copy()
        h.update(m.encode())
        h.digest()


def by_definition(seed: str, members: list[str], quota: int) -> list[str]:
    """The selection as the algorithm defines it, naively: every score as an integer of the
    whole string's SM3, sorted, ties by member."""

    def score(m: str) -> int:
        return int(hashlib.new("sm3", f"{seed}:{m}".encode()).hexdigest(), 16)

    return sorted(members, key=lambda m: (score(m), m))[:quota]


def draw_summary(runs: list[dict[str, Any]], last: dict[str, Any]) -> dict[str, Any]:
    totals = [r["total"] for r in runs]
    median_run = sorted(runs, key=lambda r: r["total"])[(len(runs) - 1) // 2]
    breakdown = {
        k: median_run[k]
        for k in ("total", "pool", "rank", "pack", "save", "rank_digest", "gc", "union_digest")
    }
    return {
        "pool_size": last["pool_size"],
        "strata": last["strata"],
        "selected": last["selected"],
        "draw_seconds": spread(totals),
        "draw_breakdown": {
            "of_run": median_run["run"],
            "pool_seconds": breakdown["pool"],
            "rank_seconds": breakdown["rank"],
            "rank_pool_digest_seconds": breakdown["rank_digest"],
            "pack_seconds": breakdown["pack"],
            "save_seconds": breakdown["save"],
            "gc_seconds": breakdown["gc"],
            "union_sort_and_digest_alone_seconds": breakdown["union_digest"],
            "snapshot": "saved (Draw + PoolSnapshot rows) in a transaction rolled back",
        },
        "floor_select_refs_seconds": r4(statistics.median(r["floor_select_refs"] for r in runs)),
        "floor_sm3_seconds": r4(statistics.median(r["floor_sm3"] for r in runs)),
        "floor_pool_query_seconds": r4(statistics.median(r["pool_query"] for r in runs)),
    }


def stage_draw(cfg: dict[str, Any]) -> None:
    from django.db import connection, transaction

    from chengnuo.supervision import draw as algorithm
    from chengnuo.supervision import rules, services
    from chengnuo.supervision.constants import DrawStatus
    from chengnuo.supervision.models import Draw, InspectionTask, SubjectEntry

    w = bench_world()
    plan = w["plan"]
    table = connection.ops.quote_name(SubjectEntry._meta.db_table)
    gc_timer = GcTimer()

    # the pool query of frozen_pool, captured in an untimed first call (also a warm-up)
    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    began = time.perf_counter()
    with connection.execute_wrapper(capture):
        services.frozen_pool(plan)
    warmup = time.perf_counter() - began
    pool_sql, pool_params = next(q for q in captured if "AS pool" in q[0])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + pool_sql, pool_params)
        plan_lines = [row[0] for row in cursor.fetchall()]
    log(f"draw: warm-up frozen_pool {warmup:.2f} s; {plan_lines[-1].strip()}")

    runs: list[dict[str, Any]] = []
    last: dict[str, Any] = {}
    strata: dict[str, list[str]] = {}
    ranked: list[dict[str, Any]] = []
    seed = ""
    for run in range(1, int(cfg["runs"]) + 1):
        strata, ranked = {}, []
        gc.collect()
        seed = secrets.token_hex(32)
        gc_before = gc_timer.total
        with transaction.atomic():
            t0 = time.perf_counter()
            pool = services.frozen_pool(plan)
            t1 = time.perf_counter()
            # quotas, selection (hashed by the forked workers), per stratum and whole-pool
            # digests and the zlib snapshots (in this process meanwhile)
            ranking = services.rank_subjects(seed, pool, w["ratios"], w["fraction"])
            ranked = ranking.strata
            t2 = time.perf_counter()
            blobs = ranking.packed
            t3 = time.perf_counter()
            draw = Draw.objects.create(
                number=f"CQBENCH{uuid.uuid4().hex[:20]}",
                plan=plan,
                algorithm=algorithm.ALGORITHM,
                status=DrawStatus.DONE,
                seed=seed,
                opened_by=w["user"],
            )
            services._snapshots(draw, ranked, blobs, {})  # as draw_run saves them
            t4 = time.perf_counter()
            transaction.set_rollback(True)
        t5 = time.perf_counter()
        gc_seconds = gc_timer.total - gc_before
        strata = pool.strata
        del pool
        # untimed beside the draw: the parts of it measured alone, and the floors
        t = time.perf_counter()
        for key in sorted(strata):
            algorithm.pool_digest(strata[key], presorted=True)
        rank_digest = time.perf_counter() - t
        t = time.perf_counter()
        union = sorted(m for members in strata.values() for m in members)
        algorithm.pool_digest(union, presorted=True)
        union_digest = time.perf_counter() - t
        del union
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ref FROM {table}")
            refs = cursor.fetchall()
        floor_select = time.perf_counter() - t
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(pool_sql, pool_params)
            cursor.fetchall()
        pool_query = time.perf_counter() - t
        members = [m for key in sorted(strata) for m in strata[key]]
        t = time.perf_counter()
        sm3_all(seed, members)
        floor_sm3 = time.perf_counter() - t
        row = {
            "run": run,
            "total": r4(t4 - t0),
            "pool": r4(t1 - t0),
            "rank": r4(t2 - t1),
            "pack": r4(t3 - t2),
            "save": r4(t4 - t3),
            "rollback": r4(t5 - t4),
            "gc": r4(gc_seconds),
            "rank_digest": r4(rank_digest),
            "union_digest": r4(union_digest),
            "floor_select_refs": r4(floor_select),
            "pool_query": r4(pool_query),
            "floor_sm3": r4(floor_sm3),
            "packed_bytes": sum(len(b) for b in blobs.values()),
        }
        runs.append(row)
        last = {
            "pool_size": sum(len(v) for v in strata.values()),
            "strata": [{"key": s["key"], "size": s["size"], "quota": s["quota"]} for s in ranked],
            "selected": sum(len(s["selected"]) for s in ranked),
        }
        log(
            f"draw run {run}: {row['total']:.3f} s (pool {row['pool']:.3f}, rank {row['rank']:.3f},"
            f" pack {row['pack']:.3f}, save {row['save']:.3f}); floors: select refs"
            f" {floor_select:.3f}, pool query {pool_query:.3f}, sm3 {floor_sm3:.3f}"
        )
        emit("result", draw_summary(runs, last))
        emit("details", {"runs": runs})
        blobs_last = blobs
        del blobs, members
    # checks on the last run (untimed)
    t = time.perf_counter()
    every = sorted(r[0] for r in refs)
    union = sorted(m for members in strata.values() for m in members)
    ratio = {cls: rules.ratio_for(w["ratios"], cls) for cls in rules.CLASSES}
    checks: dict[str, Any] = {
        "pool_is_every_entry_once": union == every,
        "whole_pool_digest_is_of_the_sorted_union": ranking.pool_digest
        == algorithm.pool_digest(union, presorted=True),
        "stratum_digests_and_snapshots_match": all(
            s["pool_digest"] == algorithm.pool_digest(strata[s["key"]], presorted=True)
            and zlib.decompress(blobs_last[s["key"]]).decode().split("\n") == strata[s["key"]]
            for s in ranked
        ),
        "strata_sorted_by_code_point": all(v == sorted(v) for v in strata.values()),
        "quotas_are_ceil_size_times_ratio": all(
            s["quota"] == max(1, math.ceil(round(s["size"] * ratio[s["key"]] / 100, 9)))
            for s in ranked
        )
        if w["fraction"] == 1.0
        else None,
        "selection_equals_definition": all(
            s["selected"] == by_definition(seed, strata[s["key"]], s["quota"]) for s in ranked
        ),
    }
    checks["seconds"] = r4(time.perf_counter() - t)
    log(f"draw: checks {checks}")
    # a diagnostic, not the platform's configuration: the pool query's sort spills to disk
    # at the server's work_mem; the same with 256 MB for this transaction only
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        diagnostic: dict[str, Any] = {"server_work_mem": cursor.fetchone()[0]}
    query_s, pool_s = [], []
    for _ in range(2):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            t = time.perf_counter()
            cursor.execute(pool_sql, pool_params)
            cursor.fetchall()
            query_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            services.frozen_pool(plan)
            pool_s.append(time.perf_counter() - t)
    diagnostic["pool_query_work_mem_256MB_seconds"] = r4(min(query_s))
    diagnostic["subject_pool_work_mem_256MB_seconds"] = r4(min(pool_s))
    log(f"draw: diagnostic {diagnostic}")
    emit(
        "details",
        {
            "runs": runs,
            "warmup_subject_pool_seconds": r4(warmup),
            "pool_query_plan": plan_lines,
            "existing_tasks": InspectionTask.objects.count(),
            "checks": checks,
            "diagnostic": diagnostic,
        },
    )


# --- the recomputation ------------------------------------------------------------------------

THIRD_PARTY = r'''
"""A third party recomputes a published draw: the JSON and the pool files, draw.py only."""
import time

BEGAN = time.perf_counter()
import json
import sys
from pathlib import Path

sys.path.insert(0, sys.argv[2])  # the published tool: src/chengnuo/supervision/draw.py
from chengnuo.supervision import draw

imported = time.perf_counter()
pub = Path(sys.argv[1])
published = json.loads((pub / "draw.json").read_text(encoding="utf-8"))
for stratum in published["strata"]:
    if stratum.get("pool") is None:
        text = (pub / "pools" / stratum["pool_url"].rsplit("/", 1)[-1]).read_text(encoding="utf-8")
        stratum["pool"] = text.split("\n") if text else []
read = time.perf_counter()
problems = draw.recompute(published)
recomputed = time.perf_counter()
union = [m for s in published["strata"] for m in s["pool"]]
if len(union) != published["pool_size"]:
    problems.append("pool size")
if draw.pool_digest(union) != published["pool_digest"]:
    problems.append("whole pool digest")
if sorted(m for s in published["strata"] for m in s["selected"]) != published["selected"]:
    problems.append("selected list")
ended = time.perf_counter()
result = {
    "work_seconds": ended - BEGAN,
    "import_seconds": imported - BEGAN,
    "read_seconds": read - imported,
    "recompute_seconds": recomputed - read,
    "whole_pool_checks_seconds": ended - recomputed,
    "problems": problems,
    "django_imported": any(m == "django" or m.startswith("django.") for m in sys.modules),
    "chengnuo_modules": sorted(m for m in sys.modules if m.startswith("chengnuo")),
    "members": len(union),
}
if sys.argv[3] == "extras":  # the parts alone, and a tampered selection must be a difference
    parts = {"digest": 0.0, "select": 0.0}
    for s in published["strata"]:
        t = time.perf_counter()
        draw.pool_digest(s["pool"])
        parts["digest"] += time.perf_counter() - t
        t = time.perf_counter()
        draw.select(published["seed"], s["pool"], int(s["quota"]))
        parts["select"] += time.perf_counter() - t
    small = min(published["strata"], key=lambda s: len(s["pool"]))
    outside = sorted(set(small["pool"]) - set(small["selected"]))
    tampered = dict(small, selected=[outside[0], *small["selected"][1:]]) if outside else None
    result["alone"] = parts
    result["detects_tampering"] = (
        bool(draw.recompute(dict(published, strata=[tampered]))) if tampered else None
    )
print(json.dumps(result))
'''


def stage_recompute(cfg: dict[str, Any]) -> None:
    from django.db import transaction
    from django.utils import timezone

    from chengnuo.agencies.models import Agency
    from chengnuo.supervision import draw as algorithm
    from chengnuo.supervision import selectors, services
    from chengnuo.supervision.constants import DrawStatus, Party
    from chengnuo.supervision.models import Draw, PoolSnapshot, SeedShare

    w = bench_world()
    plan, user = w["plan"], w["user"]
    bureau = Agency.objects.get(name=BUREAU_NAME)
    began = time.perf_counter()
    with transaction.atomic():
        now = timezone.now()
        draw = Draw.objects.create(
            number=f"CQBENCH{uuid.uuid4().hex[:20]}",
            plan=plan,
            algorithm=algorithm.ALGORITHM,
            opened_by=user,
        )
        shares = []
        for party, agency in ((Party.LEAD, plan.lead_agency), (Party.JUSTICE, bureau)):
            share = secrets.token_hex(32)
            SeedShare.objects.create(
                draw=draw,
                party=party,
                agency=agency,
                commitment=algorithm.share_commitment(share),
                share=share,
                committed_by=user,
                committed_at=now,
                revealed_at=now,
            )
            shares.append(share)
        seed = algorithm.combine_seed(shares)
        pool = services.frozen_pool(plan)
        strata = pool.strata
        ranking = services.rank_subjects(seed, pool, w["ratios"], w["fraction"])
        del pool
        ranked = ranking.strata
        services._snapshots(draw, ranked, ranking.packed, {})
        draw.status = DrawStatus.DONE
        draw.seed = seed
        draw.pool_size = ranking.pool_size
        draw.pool_digest = ranking.pool_digest
        draw.quota = sum(len(s["selected"]) for s in ranked)
        draw.strata = ranked
        draw.frozen_at = now
        draw.drawn_at = timezone.now()
        draw.save()
    del strata
    drawn = time.perf_counter() - began
    pub = Path(cfg["tmp"]) / f"published-{draw.pk}"
    (pub / "pools").mkdir(parents=True)
    t = time.perf_counter()
    public = selectors.draw_public(Draw.objects.get(pk=draw.pk), inline_limit=0)
    (pub / "draw.json").write_text(json.dumps(public, ensure_ascii=False), encoding="utf-8")
    for s in public["strata"]:  # as GET /api/v1/supervision/draws/{id}/pools/{key}.txt
        snap = PoolSnapshot.objects.get(draw=draw, kind=PoolSnapshot.Kind.SUBJECTS, key=s["key"])
        (pub / "pools" / s["pool_url"].rsplit("/", 1)[-1]).write_bytes(
            "\n".join(snap.members()).encode("utf-8")
        )
    published = time.perf_counter() - t
    files = sorted(p.name for p in (pub / "pools").iterdir())
    size = sum(p.stat().st_size for p in pub.rglob("*") if p.is_file())
    log(f"recompute: draw {draw.number} committed in {drawn:.1f} s, published in {published:.1f} s")

    script = Path(cfg["tmp"]) / "third_party_recompute.py"
    script.write_text(THIRD_PARTY, encoding="utf-8")
    clean_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    startups = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "pass"], env=clean_env, check=True)
        startups.append(time.perf_counter() - t)

    def third_party(mode: str) -> tuple[dict[str, Any], float]:
        began = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-I", str(script), str(pub), str(ROOT / "src"), mode],
            env=clean_env,
            capture_output=True,
            text=True,
            check=False,
            timeout=float(cfg["cap"]),
        )
        wall = time.perf_counter() - began
        if out.returncode != 0:
            raise RuntimeError(f"the third party's recomputation failed:\n{out.stderr[-4000:]}")
        return json.loads(out.stdout), wall

    details = {
        "draw": draw.number,
        "pool_size": public["pool_size"],
        "quota": public["quota"],
        "seed_from_shares": True,
        "published_as": "selectors.draw_public(draw, inline_limit=0) + one .txt per stratum",
        "published_files": ["draw.json", *(f"pools/{f}" for f in files)],
        "published_bytes": size,
        "draw_commit_seconds": r4(drawn),
        "publish_seconds": r4(published),
        "interpreter_startup_seconds": r4(min(startups)),
    }
    plain: list[tuple[dict[str, Any], float]] = []
    for run in range(1, int(cfg["runs"]) + 1):
        third, wall = third_party("plain")
        plain.append((third, wall))
        log(
            f"recompute run {run}: {'DIFFERENT' if third['problems'] else 'identical'} in"
            f" {third['work_seconds']:.3f} s (wall {wall:.3f} s)"
        )
        emit(
            "result",
            {
                "recompute_seconds": r4(statistics.median(t["work_seconds"] for t, _ in plain)),
                "recompute_wall_seconds": r4(statistics.median(w for _, w in plain)),
                "recompute_identical": all(not t["problems"] for t, _ in plain),
            },
        )
        details["third_party_runs"] = [
            {"work": r4(t["work_seconds"]), "wall": r4(w), "problems": t["problems"]}
            for t, w in plain
        ]
        emit("details", details)
    middle = sorted(plain, key=lambda p: p[0]["work_seconds"])[(len(plain) - 1) // 2][0]
    details["third_party_median_run"] = {
        k: (r4(v) if isinstance(v, float) else v) for k, v in middle.items()
    }
    extras, _ = third_party("extras")
    details["third_party_extras"] = {
        "alone_seconds": {k: r4(v) for k, v in extras["alone"].items()},
        "detects_tampering": extras["detects_tampering"],
        "identical": not extras["problems"],
    }
    log(f"recompute: tampering detected: {extras['detects_tampering']}")
    emit("details", details)


# --- the parity report ------------------------------------------------------------------------


def stage_parity(cfg: dict[str, Any]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from chengnuo.core.calendar import add_working_days
    from chengnuo.supervision import draw as algorithm
    from chengnuo.supervision import parity_report
    from chengnuo.supervision.constants import DrawStatus, Outcome, TaskStatus
    from chengnuo.supervision.models import Draw, InspectionTask, SubjectEntry

    w = bench_world()
    plan, user, item = w["plan"], w["user"], w["items"][0]
    agency = plan.lead_agency
    through = InspectionTask.items.through
    existing = InspectionTask.objects.filter(plan=plan).count()
    created_seconds = None
    outcomes: Counter[str] = Counter()
    if existing:
        log(f"parity: reusing the {existing:,} tasks of the plan")
    else:
        began = time.perf_counter()
        with transaction.atomic():
            draw = plan.draws.filter(status=DrawStatus.DONE).order_by(
                "pk"
            ).first() or Draw.objects.create(
                number=f"CQBENCH{uuid.uuid4().hex[:20]}",
                plan=plan,
                algorithm=algorithm.ALGORITHM,
                status=DrawStatus.DONE,
                opened_by=user,
            )
            ids = list(
                SubjectEntry.objects.filter(agency=agency)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            rng = random.Random(int(cfg["seed"]) + 1)
            chosen = sorted(rng.sample(ids, max(1, round(len(ids) * float(cfg["task_share"])))))
            del ids
            now = timezone.now()
            today = timezone.localdate()
            t0 = max_id(InspectionTask)
            t_sql, t_row = copy_template(
                InspectionTask,
                {
                    "id": "{tid}",
                    "number": "RW{tid:012d}",
                    "plan_id": str(plan.pk),
                    "draw_id": str(draw.pk),
                    "entry_id": "{eid}",
                    "status": TaskStatus.DONE,
                    "due_date": add_working_days(today, 30).isoformat(),
                    "notice_sent_at": now.isoformat(),
                    "outcome": "{outcome}",
                    "findings": "bench findings",
                    "completed_at": now.isoformat(),
                    "completed_by_id": str(user.pk),
                    "publish_by": add_working_days(today, 20).isoformat(),
                    "published_at": None,
                    "created_at": now.isoformat(),
                },
            )
            outcome_of = (Outcome.NO_PROBLEM.value, Outcome.RECTIFY.value)

            def tasks() -> Iterable[str]:
                rnd = rng.random
                for k, eid in enumerate(chosen):
                    outcome = outcome_of[rnd() < RECTIFY_SHARE]
                    outcomes[outcome] += 1
                    yield t_row.format(tid=t0 + 1 + k, eid=eid, outcome=outcome)

            copy_lines(t_sql, tasks())
            m0 = max_id(through)
            m_sql, m_row = copy_template(
                through,
                {"id": "{mid}", "inspectiontask_id": "{tid}", "inspectionitem_id": str(item.pk)},
            )
            copy_lines(
                m_sql, (m_row.format(mid=m0 + 1 + k, tid=t0 + 1 + k) for k in range(len(chosen)))
            )
            reset_sequences([InspectionTask, through])
        vacuum_analyze([InspectionTask, through])
        created_seconds = time.perf_counter() - began
        existing = len(chosen)
        log(f"parity: {existing:,} tasks copied in {created_seconds:.1f} s")

    today = timezone.localdate()
    start, end = parity_report.quarter_bounds(parity_report.quarter_of(today))
    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    times = []
    data: dict[str, Any] = {}
    for run in range(1, int(cfg["runs"]) + 1):
        t = time.perf_counter()
        if run == 1:
            with connection.execute_wrapper(count):
                data = parity_report.compute(agency.pk, start, end)
        else:
            data = parity_report.compute(agency.pk, start, end)
        times.append(time.perf_counter() - t)
        log(f"parity run {run}: {times[-1]:.3f} s")
        emit("result", {"parity_seconds": spread(times)})
    cases = SubjectEntry.objects.filter(agency=agency).count()
    rows = data.get("rows", [])
    totals = sum(r["commit"]["total"] + r["proof"]["total"] for r in rows)
    inspected = sum(r["commit"]["inspected"] + r["proof"]["inspected"] for r in rows)
    emit("result", {"parity_seconds": spread(times), "cases": cases, "tasks": existing})
    emit(
        "details",
        {
            "period": [start.isoformat(), end.isoformat()],
            "tasks_created_seconds": None if created_seconds is None else r4(created_seconds),
            "tasks_reused": created_seconds is None,
            "outcomes": dict(sorted(outcomes.items())),
            "statements_per_report": statements,
            "rows": len(rows),
            "flagged": data.get("flagged"),
            "strata": [
                {
                    "stratum": r["stratum"],
                    "commit": r["commit"],
                    "proof": r["proof"],
                    "ratio": r["inspection"].get("ratio"),
                }
                for r in rows
            ],
            "checks": {
                "row_totals_equal_cases": totals == cases,
                "row_inspected_equal_tasks": inspected == existing,
            },
            "all_seconds": [r4(x) for x in times],
        },
    )


if __name__ == "__main__":
    raise SystemExit(main())
