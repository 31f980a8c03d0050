#!/usr/bin/env python
"""The verifiable log (ADR 0012) on PostgreSQL: appending and integrating, proofs at 10 M
entries, verifying them, signing and cosigning checkpoints, and `audit_verify`.

Stages (`--only`, comma-separated; default all):

    integrate  E events (default 20,000) recorded with `spine.record` in transactions of 10
               from 4 threads (one connection each, one agency chain each): first with the
               integrator off, then `log.integrate_all()` timed on its own; then E more with an
               integrator thread calling `log.integrate()` continuously. Floors from the same
               run: the same number of rows of the event table's shape (a scratch copy, its
               indexes included) inserted in one COPY, and by the same 4 threads in
               transactions of 10 rows. Also checks that building tiles in batches of 65,536
               (how the proof template is built) gives the integrator's tiles byte for byte.
    proofs     a log of N entries (default 10,000,000; `--entries`) in a reusable database
               `chengnuo_bench_tlog_<N>`, built once (LogEntry rows by COPY, tiles by the log's
               own `_append_leaves`, LogState as `integrate` leaves it) and reused while its
               LogState.size == N (`--rebuild` forces a new one); inclusion proofs for random
               (index, N) and (index, size < N), consistency proofs for random (m, N):
               latency percentiles, tile reads and database round trips per proof; floors: a
               `SELECT 1` and one LogTile row read by its key, same connection, same run.
    verify     `merkle.verify_inclusion` / `verify_consistency` of those proofs (SM3), and the
               same on an in-memory tree of 2^20 + 4,321 leaves with SM3 and with SHA-256.
    sign       `log.sign_checkpoint(force=True)`, `note.Signer.sign` per key type (Ed25519,
               SM2), and — when the checkout has `manage.py log_witness` — `log.witness()` of
               successive checkpoints against a witness started for the run.
    audit      `audit_verify` and `audit_verify --incremental` (after 1,000 more events) on M
               real chained events (default 1,000,000; `--verify-events`), recorded with
               `spine.record` and integrated; a witness cosigns when available.

Every database is created on 127.0.0.1 with a unique name and dropped at the end, except the
proof template. Each stage runs in its own process (Django's default database is the stage's),
under a time cap; a capped stage reports what it measured so far and `"time_capped": true`.
Prints ONE JSON object on stdout; progress goes to stderr.

    .venv/bin/python bench/tlog.py [--only integrate,proofs,verify,sign,audit] [--entries N]
        [--events E] [--verify-events M] [--rebuild]

See bench/README.md for how to read the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STAGES = ("integrate", "proofs", "verify", "sign", "audit")
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
BUILD_BATCH = 65_536  # a multiple of 256 × 256: no partial tile on levels 0 and 1 mid-build
RESULT = "@@tlog "  # a child's result lines on stdout
EVENT = "bench.tlog_event"  # not a registered kind: staff visibility, like most events


def log(message: str) -> None:
    print(
        f"[tlog {time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=",".join(STAGES), help="stages, comma-separated")
    p.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER,
        help="the PostgreSQL server (only its address and user are used; 127.0.0.1 only)",
    )
    p.add_argument("--events", type=int, default=20_000, help="integrate: events per run")
    p.add_argument("--threads", type=int, default=4, help="integrate: recording threads")
    p.add_argument("--tx-size", type=int, default=10, help="integrate: events per transaction")
    p.add_argument("--entries", type=int, default=10_000_000, help="proofs: log size N")
    p.add_argument("--rebuild", action="store_true", help="proofs: rebuild the template")
    p.add_argument("--proofs", type=int, default=2000, help="proofs: inclusion proofs at N")
    p.add_argument("--proofs-smaller", type=int, default=500, help="proofs: at size < N")
    p.add_argument("--consistency", type=int, default=500, help="proofs: consistency (m, N)")
    p.add_argument("--signs", type=int, default=20, help="sign: checkpoints signed")
    p.add_argument("--witness-rounds", type=int, default=20, help="sign: checkpoints cosigned")
    p.add_argument("--verify-events", type=int, default=1_000_000, help="audit: events M")
    p.add_argument("--audit-chains", type=int, default=20, help="audit: agency chains")
    p.add_argument(
        "--audit-witness",
        choices=("auto", "off"),
        default="auto",
        help="audit: let a witness cosign (when log_witness exists)",
    )
    p.add_argument("--time-cap", type=float, default=1800, help="seconds per stage")
    p.add_argument("--build-time-cap", type=float, default=5400, help="seconds for the build")
    p.add_argument("--seed", type=int, default=20261203, help="random pairs (reproducible)")
    p.add_argument("--stage", help=argparse.SUPPRESS)  # internal: run one stage (child)
    p.add_argument("--config", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.stages = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.stages) - set(STAGES)
    if unknown:
        p.error(f"unknown stage(s) {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}")
    return args


# --- small statistics ----------------------------------------------------------------------


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def dist(values: list[float], unit: float = 1.0, digits: int = 3) -> dict[str, Any]:
    """median / p95 / p99 / max of `values` (seconds) in `unit`s (1e3 → ms, 1e6 → µs)."""
    if not values:
        return {"n": 0}

    def r(x: float | None) -> float | None:
        return None if x is None else round(x * unit, digits)

    return {
        "n": len(values),
        "median": r(statistics.median(values)),
        "p95": r(pct(values, 95)),
        "p99": r(pct(values, 99)),
        "max": r(max(values)),
    }


def counts(values: list[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for v in sorted(values):
        found[str(v)] = found.get(str(v), 0) + 1
    return found


# ==========================================================================================
# The parent: databases, the witness, the stage processes
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


def database_size(server: str, name: str) -> int:
    with pg(server) as conn:
        return int(conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0])


def table_sizes(server: str, name: str) -> dict[str, int]:
    with pg(server, name) as conn:
        rows = conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('audit_logentry', 'audit_logtile', 'audit_logqueue')"
        ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def log_size_of(server: str, name: str) -> int | None:
    try:
        with pg(server, name) as conn:
            row = conn.execute("SELECT size FROM audit_logstate WHERE id = 1").fetchone()
    except Exception:  # no such table: not a (complete) template
        return None
    return int(row[0]) if row else 0


def free_port() -> int:
    """An unusual free port on 127.0.0.1 (the ephemeral range, picked at random)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(41000, 59000)
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def bench_env(tmp: Path, database_url: str) -> dict[str, str]:
    """bench/case_submit.py's environment (the platform on `database_url`, quiet, no rate
    limits), without its bench endpoints and with the witness set per stage."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from case_submit import bench_env as platform_env

    env = platform_env(tmp, database_url)
    env.pop("CHENGNUO_BENCH_ENDPOINTS", None)
    for key in ("CHENGNUO_LOG_WITNESSES", "CHENGNUO_SANDBOX_URL"):
        env.pop(key, None)  # set per stage, to this run's witness only
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-4000:]}")
    log(f"manage.py {' '.join(args[:2])}: {time.perf_counter() - started:.1f} s")
    return result


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


class Witness:
    """`manage.py log_witness` for one stage: its own directory, port and process group."""

    def __init__(self, env: dict[str, str], tmp: Path, tag: str) -> None:
        self.dir = tmp / f"witness-{tag}"
        self.dir.mkdir()
        self.port = free_port()
        self.name = f"witness-{tag}.bench.chengnuo.local"
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = tmp / f"witness-{tag}.log"
        self.log_file = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [
                *(sys.executable, str(ROOT / "manage.py"), "log_witness"),
                *("--name", self.name, "--dir", str(self.dir), "--port", str(self.port)),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def vkey_path(self) -> Path:
        return self.dir / "witness.vkey"

    def setting(self) -> str:
        return f"bench|{self.url}|{self.vkey_path}"

    def wait(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"log_witness exited with {self.proc.returncode}: {self.tail()}")
            if self.vkey_path.exists():
                with socket.socket() as sock:
                    sock.settimeout(0.5)
                    if sock.connect_ex((HOST, self.port)) == 0:
                        return
            time.sleep(0.1)
        raise RuntimeError(f"log_witness did not come up in {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        self.log_file.flush()
        return self.log_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        stop(self.proc)
        with contextlib.suppress(Exception):
            self.log_file.close()


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


def checkout() -> dict[str, Any]:
    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return out.stdout.rstrip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": len([x for x in git("status", "--porcelain").splitlines() if x]),
    }


def template_name(entries: int) -> str:
    algorithm = os.environ.get("CHENGNUO_LOG_HASH", "sm3")
    return f"chengnuo_bench_tlog_{entries}" + ("" if algorithm == "sm3" else f"_{algorithm}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.stage:
        return child_main(args.stage, json.loads(args.config or "{}"))
    host = urlsplit(args.server).hostname
    if host not in (HOST, "localhost"):
        log(f"--server must be on {HOST} (got {host!r})")
        return 2
    parts = urlsplit(args.server)
    server = urlunsplit(parts._replace(netloc=parts.netloc.replace("localhost", HOST)))

    def on_term(*_: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        sys.exit(143)

    signal.signal(signal.SIGTERM, on_term)
    load_at_start = round(os.getloadavg()[0], 2)
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-tlog-"))
    pid = os.getpid()
    created: list[str] = []  # databases to drop at the end
    witnesses: list[Witness] = []
    report: dict[str, Any] = {}
    started = time.monotonic()

    def new_database(tag: str) -> tuple[str, dict[str, str]]:
        name = f"bench_tlog_{tag}_{pid}"
        admin_sql(server, f'CREATE DATABASE "{name}"')
        created.append(name)
        env = bench_env(tmp, with_database(server, name))
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        return name, env

    def start_witness(env: dict[str, str], tag: str) -> tuple[Witness | None, str]:
        if not has_witness:
            return None, "manage.py log_witness is not available in this checkout"
        w = Witness(env, tmp, tag)
        witnesses.append(w)
        try:
            w.wait()
        except RuntimeError as exc:
            w.stop()
            return None, str(exc)
        env["CHENGNUO_LOG_WITNESSES"] = w.setting()
        log(f"witness {w.name} up on {w.url}")
        return w, ""

    try:
        probe_env = bench_env(tmp, with_database(server, "postgres"))
        commands = manage(probe_env, "help", "--commands", check=False).stdout.split()
        has_witness = "log_witness" in commands
        log(f"log_witness {'available' if has_witness else 'NOT available'} in this checkout")
        report["machine"] = {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "database": postgres_version(server),
            "loadavg_1m_at_start": load_at_start,
        }
        report["checkout"] = checkout()
        report["config"] = {
            "stages": args.stages,
            "server": urlsplit(server).netloc,
            "log_hash": os.environ.get("CHENGNUO_LOG_HASH", "sm3"),
            "log_witness_command": has_witness,
        }

        if "integrate" in args.stages:
            log("== integrate")
            _name, env = new_database("integrate")
            cfg = {"events": args.events, "threads": args.threads, "tx_size": args.tx_size}
            report["integrate"] = run_child(env, "integrate", cfg, args.time_cap)

        if "proofs" in args.stages or "verify" in args.stages:
            log("== proofs")
            report["proofs"] = proofs_stage(args, server, tmp, pid, created)

        if "sign" in args.stages:
            log("== sign")
            _name, env = new_database("sign")
            w, why = start_witness(env, "sign")
            cfg = {"signs": args.signs, "rounds": args.witness_rounds, "witness": bool(w)}
            result = run_child(env, "sign", cfg, args.time_cap)
            if w is None:
                result["witness"] = {"skipped": True, "note": why}
            else:
                result.setdefault("witness", {})["process_alive_at_end"] = w.proc.poll() is None
                w.stop()
            report["sign"] = result

        if "audit" in args.stages:
            log("== audit")
            _name, env = new_database("audit")
            w, why = (None, "--audit-witness off")
            if args.audit_witness == "auto":
                w, why = start_witness(env, "audit")
            cfg = {"events": args.verify_events, "chains": args.audit_chains, "witness": bool(w)}
            result = run_child(env, "audit", cfg, args.time_cap)
            result["witness_used"] = w is not None
            if w is None:
                result["witness_note"] = why
            else:
                w.stop()
            report["audit"] = result

        report["machine"]["loadavg_1m_at_end"] = round(os.getloadavg()[0], 2)
        report["seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for w in witnesses:
            w.stop()
        for name in created:
            with contextlib.suppress(Exception):
                admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def postgres_version(server: str) -> str:
    with pg(server) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])


def proofs_stage(
    args: argparse.Namespace, server: str, tmp: Path, pid: int, created: list[str]
) -> dict[str, Any]:
    """Build the template (or reuse it), then measure proofs (and their verification)."""
    n = args.entries
    name = template_name(n)
    result: dict[str, Any] = {"template_database": name}
    size = log_size_of(server, name) if database_exists(server, name) else None
    if size == n and not args.rebuild:
        log(f"reusing {name} (LogState.size = {n})")
        result["template"] = "reused"
        env = bench_env(tmp, with_database(server, name))
        if manage(env, "migrate", "--check", "--noinput", check=False).returncode != 0:
            log(f"{name}: migrations to apply first")
            manage(env, "migrate", "--noinput", "--verbosity", "0")
            result["template_migrated"] = True
    else:
        if size is not None:
            log(
                f"{name}: LogState.size = {size}, not {n}"
                + (" (--rebuild)" if args.rebuild else "")
            )
        building = f"{name}_build_{pid}"
        admin_sql(server, f'CREATE DATABASE "{building}"')
        created.append(building)  # dropped unless it is complete and renamed
        env = bench_env(tmp, with_database(server, building))
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        log(f"building a log of {n:,} entries in {building}")
        build = run_child(env, "build", {"entries": n}, args.build_time_cap)
        if build.get("time_capped") or build.get("error") or "build" not in build:
            result["build"] = build
            result["error"] = "the template could not be built"
            return result
        began = time.monotonic()
        with pg(server, building) as conn:
            conn.execute("VACUUM ANALYZE")
        build["build"]["vacuum_analyze_s"] = round(time.monotonic() - began, 1)
        admin_sql(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin_sql(server, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        created.remove(building)
        result["template"] = "built"
        result["build"] = build["build"] | {"stage_seconds": build["stage_seconds"]}
        env = bench_env(tmp, with_database(server, name))
    result["template_disk_bytes"] = database_size(server, name)
    result["template_disk_gb"] = round(result["template_disk_bytes"] / 1e9, 2)
    result["template_tables_bytes"] = table_sizes(server, name)
    cfg = {
        "entries": n,
        "proofs": args.proofs,
        "smaller": args.proofs_smaller,
        "consistency": args.consistency,
        "seed": args.seed,
        "verify": "verify" in args.stages,
    }
    result |= run_child(env, "proofs", cfg, args.time_cap)
    return result


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
        "integrate": stage_integrate,
        "integrator": stage_integrator,
        "build": stage_build,
        "proofs": stage_proofs,
        "sign": stage_sign,
        "audit": stage_audit,
    }[stage](config)
    return 0


class QueryCounter:
    """Counts the statements a block sends (Django's execute wrapper; DEBUG stays off)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def bench_agencies(count: int) -> list[Any]:
    from chengnuo.agencies.models import Agency

    made = []
    for i in range(count):
        agency, _ = Agency.objects.get_or_create(
            name=f"基准测试机关{i:03d}",
            defaults={"uscc": f"BENCH{i:013d}", "region": "fuyang", "level": "city"},
        )
        made.append(agency)
    return made


def record_events(agencies: list[Any], count: int, tx_size: int, tag: str) -> None:
    """`count` events in transactions of `tx_size`, round-robin over the agencies' chains."""
    from django.db import transaction

    from chengnuo.core import spine

    done = 0
    while done < count:
        with transaction.atomic():
            for i in range(min(tx_size, count - done)):
                agency = agencies[(done + i) % len(agencies)]
                spine.record(
                    None,
                    EVENT,
                    agency,
                    {"status": "draft"},
                    {"status": "submitted", "n": done + i, "run": tag},
                    message="基准测试事件",
                )
        done += min(tx_size, count - done)


# --- integrate ------------------------------------------------------------------------------


def stage_integrate(cfg: dict[str, Any]) -> None:
    from django.db import connection, connections

    from chengnuo.audit import log as tlog
    from chengnuo.audit.models import LogQueue
    from chengnuo.tlog import merkle

    events, threads, tx_size = cfg["events"], cfg["threads"], cfg["tx_size"]
    agencies = bench_agencies(threads)
    connection.close()
    emit("config", {**cfg, "chains": f"{threads} agency chains, one per thread"})

    def in_threads(work: Callable[[int, int], None]) -> float:
        """Run work(thread, share) in `threads` threads from one barrier; wall seconds."""
        shares = [events // threads + (1 if t < events % threads else 0) for t in range(threads)]
        barrier = threading.Barrier(threads + 1)
        errors: list[BaseException] = []

        def run(t: int) -> None:
            try:
                barrier.wait()
                work(t, shares[t])
            except BaseException as exc:  # reported, then re-raised below
                errors.append(exc)
            finally:
                connections.close_all()  # this thread's connection

        pool = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        for th in pool:
            th.start()
        barrier.wait()
        began = time.perf_counter()
        for th in pool:
            th.join()
        if errors:
            raise errors[0]
        return time.perf_counter() - began

    # floors: rows of the event table's shape, no chain, no hash, no log queue
    floors = integrate_floors(events, threads, tx_size, in_threads)
    emit("floor", floors)
    log(
        f"floor: {floors['copy_one_transaction']['rows_per_s']} rows/s by COPY, "
        f"{floors['threads_tx']['rows_per_s']} rows/s in {tx_size}-row transactions"
    )

    # 1. record only, then integrate on its own
    wall = in_threads(lambda t, n: record_events([agencies[t]], n, tx_size, f"a{t}"))
    queued = LogQueue.objects.count()
    began = time.perf_counter()
    integrated = tlog.integrate_all()
    integrate_s = time.perf_counter() - began
    record_only = {
        "events": events,
        "record_seconds": round(wall, 2),
        "recorded_per_s": round(events / wall, 1),
        "queued_after": queued,
        "integrate_all_seconds": round(integrate_s, 2),
        "integrated": integrated,
        "integrated_per_s": round(integrated / integrate_s, 1) if integrate_s else None,
        "integrate_batch": tlog.BATCH,
    }
    emit("record_then_integrate", record_only)
    log(
        f"record only: {record_only['recorded_per_s']} events/s; integrate_all "
        f"{record_only['integrated_per_s']} entries/s"
    )

    # 2. recording while an integrator runs continuously: a thread of this process (sharing
    # the GIL with the recording threads), then a process of its own (as run_log runs)
    for mode, tag in (("thread", "b"), ("process", "c")):
        result = record_with_integrator(mode, tag, events, agencies, tx_size, in_threads)
        emit(f"record_with_integrator_{mode}", result)
        log(
            f"with integrator {mode}: recorded {result['recorded_per_s']} events/s, integrated "
            f"{result['integrated_per_s']} entries/s ({result['integrate_passes']} passes)"
        )

    emit("direct_build_matches_integrator", check_direct_build(tlog, merkle))


def integrator_thread(stop_flag: threading.Event, t0: float, passes: list, errors: list) -> None:
    """log.integrate() in a loop until told to stop and nothing is left; (start, rows, s)."""
    from django.db import connections

    from chengnuo.audit import log as tlog

    try:
        while True:
            began = time.time()
            n = tlog.integrate()
            took = time.time() - began
            if n:
                passes.append((began - t0, n, took))
            elif stop_flag.is_set():
                return
            else:
                time.sleep(0.005)
    except BaseException as exc:  # re-raised by the caller
        errors.append(exc)
    finally:
        connections.close_all()


def stage_integrator(cfg: dict[str, Any]) -> None:
    """The integrator as a process of its own (child of the integrate stage): runs until the
    stop file exists and the queue is empty, then prints its passes."""
    stop_file = Path(cfg["stop_file"])
    emit("ready", True)
    flag = threading.Event()
    passes: list[tuple[float, int, float]] = []
    errors: list[BaseException] = []
    watcher = threading.Thread(target=lambda: (wait_for(stop_file), flag.set()), daemon=True)
    watcher.start()
    integrator_thread(flag, 0.0, passes, errors)
    if errors:
        raise errors[0]
    emit("passes", passes)


def wait_for(path: Path) -> None:
    while not path.exists():
        time.sleep(0.02)


def record_with_integrator(
    mode: str,
    tag: str,
    events: int,
    agencies: list[Any],
    tx_size: int,
    in_threads: Callable[[Callable[[int, int], None]], float],
) -> dict[str, Any]:
    from django.db import connection

    from chengnuo.audit import log as tlog
    from chengnuo.audit.models import LogQueue

    size_before = tlog.state().size
    connection.close()
    passes: list[tuple[float, int, float]] = []
    errors: list[BaseException] = []
    flag = threading.Event()
    proc = None
    stop_file = Path(tempfile.mkdtemp(prefix="chengnuo-bench-tlog-int-")) / "stop"
    if mode == "thread":
        t0 = time.time()
        worker = threading.Thread(target=integrator_thread, args=(flag, t0, passes, errors))
        worker.start()
    else:
        # in this stage's process group: a capped stage takes it down with it
        command = [sys.executable, str(Path(__file__).resolve()), "--stage", "integrator"]
        command += ["--config", json.dumps({"stop_file": str(stop_file)})]
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        proc.stdout.readline()  # ready (Django set up, before the clock starts)
        t0 = time.time()
    try:
        wall = in_threads(lambda t, n: record_events([agencies[t]], n, tx_size, f"{tag}{t}"))
        recorded_at = time.time() - t0
        if mode == "thread":
            flag.set()
            worker.join()
        else:
            stop_file.touch()
            out, _ = proc.communicate(timeout=600)
            for line in out.splitlines():
                if line.startswith(RESULT):
                    section = json.loads(line[len(RESULT) :])
                    if section["section"] == "passes":
                        passes = [(b - t0, n, took) for b, n, took in section["data"]]
            if proc.returncode != 0:
                raise RuntimeError(f"the integrator process exited with {proc.returncode}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
        shutil.rmtree(stop_file.parent, ignore_errors=True)
    if errors:
        raise errors[0]
    done_at = max((b + took for b, _n, took in passes), default=recorded_at)
    rows = [p[1] for p in passes]
    integrated = sum(rows)
    state = tlog.state()
    result = {
        "integrator": mode,
        "events": events,
        "record_seconds": round(wall, 2),
        "recorded_per_s": round(events / wall, 1),
        "integrated": integrated,
        "seconds_until_all_integrated": round(done_at, 2),
        "integrated_per_s": round(integrated / done_at, 1) if done_at else None,
        "integrate_passes": len(passes),
        "rows_per_pass": {
            "median": statistics.median(rows) if rows else None,
            "max": max(rows, default=0),
        },
        "pass_ms": dist([p[2] for p in passes], 1e3, 1),
        "integrator_busy_share": round(sum(p[2] for p in passes) / done_at, 3) if done_at else 0,
        "drain_after_recording_s": round(max(0.0, done_at - recorded_at), 2),
        "checks": {
            "log_size": state.size,
            "expected_size": size_before + events,
            "queue_empty": not LogQueue.objects.exists(),
            "root_matches_tiles": tlog.root_at(state.size).hex() == state.root_hash,
        },
        "goal_integrated_per_s": 2000,
    }
    result["goal_met"] = bool(result["integrated_per_s"] and result["integrated_per_s"] >= 2000)
    return result


def integrate_floors(
    events: int,
    threads: int,
    tx_size: int,
    in_threads: Callable[[Callable[[int, int], None]], float],
) -> dict[str, Any]:
    import datetime as dt

    from django.db import connection, transaction

    columns = [
        "chain", "seq", "occurred_at", "actor_id", "actor_label", "event", "target_type",
        "target_id", "target_label", "object_type", "object_id", "object_label", "agency_id",
        "visibility", "message", "item_code", "before", "after", "prev_hash", "hash",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_scratch_event")
        cursor.execute("CREATE TABLE bench_scratch_event (LIKE audit_auditevent INCLUDING ALL)")

    def row(t: int, seq: int) -> list[Any]:
        return [
            f"agency:{t}", seq, dt.datetime.now(dt.UTC), None, "系统", EVENT, "agencies.agency",
            str(t), "基准测试机关", "agencies.agency", str(t), "基准测试机关", t, "staff",
            "基准测试事件", "", json.dumps({"status": "draft"}),
            json.dumps({"status": "submitted", "n": seq}), os.urandom(32).hex(),
            os.urandom(32).hex(),
        ]  # fmt: skip

    names = ", ".join(f'"{c}"' for c in columns)
    one = "(" + ", ".join("%s::jsonb" if c in ("before", "after") else "%s" for c in columns) + ")"
    began = time.perf_counter()
    sql = f"COPY bench_scratch_event ({names}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.copy(sql) as copy:
        for i in range(events):
            copy.write_row(row(0, i + 1))
    copy_s = time.perf_counter() - began
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE bench_scratch_event")
    connection.close()

    def insert(t: int, n: int) -> None:
        done = 0
        while done < n:
            k = min(tx_size, n - done)
            params = [v for i in range(k) for v in row(t + 1, done + i + 1)]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO bench_scratch_event ({names}) VALUES " + ", ".join([one] * k),
                    params,
                )
            done += k

    wall = in_threads(insert)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_scratch_event")
    return {
        "what": (
            "rows of audit_auditevent's shape (a scratch table LIKE it INCLUDING ALL: the same "
            "columns and indexes) with the same content, no chain lock, no hash, no log queue"
        ),
        "copy_one_transaction": {
            "rows": events,
            "seconds": round(copy_s, 2),
            "rows_per_s": round(events / copy_s, 1),
        },
        "threads_tx": {
            "rows": events,
            "threads": threads,
            "rows_per_transaction": tx_size,
            "seconds": round(wall, 2),
            "rows_per_s": round(events / wall, 1),
        },
    }


def snapshot_tiles() -> dict[tuple[int, int], tuple[int, bytes, bytes]]:
    from chengnuo.audit.models import LogTile

    return {
        (lv, ix): (w, bytes(h), bytes(u))
        for lv, ix, w, h, u in LogTile.objects.values_list(
            "level", "index", "width", "hashes", "upper"
        )
    }


def append_batch(tlog: Any, merkle: Any, size: int, leaves: list[bytes]) -> bytes:
    """How the template gets its tiles: the log's own `_append_leaves` over a fresh Tiles,
    and the root as `integrate` computes it."""
    tiles = tlog.Tiles()
    tlog._append_leaves(tiles, size, leaves)
    return merkle.tree_hash(tlog.hasher(), tiles.node, size + len(leaves))


def check_direct_build(tlog: Any, merkle: Any) -> dict[str, Any]:
    """Rebuild the integrator's tiles in batches of BUILD_BATCH (and of 1,000, a batch size
    that leaves partial tiles behind), inside a transaction rolled back, and compare."""
    from django.db import transaction

    from chengnuo.audit.models import LogEntry, LogTile

    state = tlog.state()
    expected = snapshot_tiles()
    commitments = list(LogEntry.objects.order_by("index").values_list("commitment", flat=True))
    leaves = [tlog.leaf_hash(c) for c in commitments]
    out: dict[str, Any] = {"entries": len(leaves), "tiles": len(expected)}
    for batch in (BUILD_BATCH, 1000):
        with transaction.atomic():
            LogTile.objects.all().delete()
            root = b""
            for start in range(0, len(leaves), batch):
                root = append_batch(tlog, merkle, start, leaves[start : start + batch])
            same = snapshot_tiles() == expected
            transaction.set_rollback(True)
        out[f"batch_{batch}"] = {
            "tiles_identical": same,
            "root_identical": root.hex() == state.root_hash,
        }
    return out


# --- build (the proof template) ---------------------------------------------------------------


def stage_build(cfg: dict[str, Any]) -> None:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from chengnuo.audit import log as tlog
    from chengnuo.tlog import merkle

    n = cfg["entries"]
    h = tlog.hasher()
    stack: list[tuple[int, bytes]] = []  # an independent compact range, to check the root
    began = time.perf_counter()
    timings = {"generate": 0.0, "copy_entries": 0.0, "tiles": 0.0, "commit": 0.0}
    size = 0
    last_report = began
    while size < n:
        k = min(BUILD_BATCH, n - size)
        t = time.perf_counter()
        raw = os.urandom(32 * k)
        hexed = raw.hex()
        salts = os.urandom(16 * k).hex()
        now = timezone.now()
        stamp = now.astimezone(dt.UTC).isoformat()
        text = "".join(
            f"{size + i}\t{size + i + 1}\t{salts[32 * i : 32 * i + 32]}\t"
            f"{hexed[64 * i : 64 * i + 64]}\t{stamp}\n"
            for i in range(k)
        )
        leaves = [h.leaf(raw[32 * i : 32 * i + 32]) for i in range(k)]
        for leaf in leaves:
            stack.append((0, leaf))
            while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
                height, right = stack.pop()
                _, left = stack.pop()
                stack.append((height + 1, h.node(left, right)))
        timings["generate"] += time.perf_counter() - t
        with transaction.atomic():
            state = tlog._state_for_update()
            assert state.size == size, (state.size, size)
            t = time.perf_counter()
            with (
                connection.cursor() as cursor,
                cursor.copy(
                    "COPY audit_logentry (index, event_id, salt, commitment, integrated_at) "
                    "FROM STDIN"
                ) as copy,
            ):
                copy.write(text)
            timings["copy_entries"] += time.perf_counter() - t
            t = time.perf_counter()
            root = append_batch(tlog, merkle, size, leaves)
            timings["tiles"] += time.perf_counter() - t
            state.size = size + k
            state.root_hash = root.hex()
            state.updated_at = now
            state.save()
            t = time.perf_counter()
        timings["commit"] += time.perf_counter() - t
        size += k
        if time.perf_counter() - last_report > 15 or size == n:
            last_report = time.perf_counter()
            rate = size / (last_report - began)
            log(f"build: {size:,}/{n:,} entries, {rate:,.0f}/s, ETA {(n - size) / rate:.0f} s")
    build_s = time.perf_counter() - began
    independent = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        independent = h.node(left, independent)
    state = tlog.state()
    t = time.perf_counter()
    from_tiles = tlog.root_at(n)
    checkpoint = tlog.sign_checkpoint(force=True)
    emit(
        "build",
        {
            "entries": n,
            "method": (
                "LogEntry rows (event_id 1..N, random 32-byte commitments, random salts) by "
                "COPY; tiles by audit.log._append_leaves in batches of 65,536, LogState as "
                "integrate() writes it; one transaction per batch; then one signed checkpoint"
            ),
            "seconds": round(build_s, 1),
            "entries_per_s": round(n / build_s, 1),
            "split_s": {k: round(v, 1) for k, v in timings.items()},
            "root_hash": state.root_hash,
            "root_from_tiles_matches": from_tiles.hex() == state.root_hash,
            "root_independent_matches": independent.hex() == state.root_hash,
            "root_check_s": round(time.perf_counter() - t, 2),
            "checkpoint_size": checkpoint.size if checkpoint else None,
        },
    )


# --- proofs and their verification ------------------------------------------------------------


def stage_proofs(cfg: dict[str, Any]) -> None:
    from django.db import connection

    from chengnuo.audit import log as tlog
    from chengnuo.audit.models import LogTile
    from chengnuo.tlog import merkle

    n = cfg["entries"]
    rng = random.Random(cfg["seed"])
    state = tlog.state()
    assert state.size == n, f"the template holds {state.size} entries, not {n}"
    root = bytes.fromhex(state.root_hash)
    h = tlog.hasher()
    counter = QueryCounter()

    def timed(fn: Callable[[], Any]) -> tuple[Any, float, int]:
        before = counter.n
        began = time.perf_counter()
        value = fn()
        return value, time.perf_counter() - began, counter.n - before

    with connection.execute_wrapper(counter):
        # floors, on the same connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # connect
            select1 = []
            for _ in range(2000):
                began = time.perf_counter()
                cursor.execute("SELECT 1")
                cursor.fetchone()
                select1.append(time.perf_counter() - began)
        level0 = (n + 255) // 256
        tile_reads = []
        for _ in range(2000):
            index = rng.randrange(level0)
            began = time.perf_counter()
            LogTile.objects.filter(level=0, index=index).values_list(
                "width", "hashes", "upper"
            ).first()
            tile_reads.append(time.perf_counter() - began)
        floors = {
            "select_1_ms": dist(select1, 1e3),
            "logtile_row_by_key_ms": dist(tile_reads, 1e3),
            "logtile_row_note": (
                "one level-0 LogTile (level, index) → width, hashes, upper (16 KB, TOASTed) "
                "through the ORM, as Tiles reads it"
            ),
        }
        emit("floors", floors)
        log(
            f"floors: SELECT 1 {floors['select_1_ms']['median']} ms, tile row "
            f"{floors['logtile_row_by_key_ms']['median']} ms"
        )

        for _ in range(20):  # warm-up (the Python side; the cache is whatever it is)
            tlog.inclusion(rng.randrange(n), n)

        def inclusion_set(pairs: list[tuple[int, int]]) -> tuple[dict[str, Any], list[tuple]]:
            times, reads, trips, lengths, proofs = [], [], [], [], []
            for index, size in pairs:
                (leaf, path, tile_reads_), took, q = timed(
                    lambda i=index, s=size: tlog.inclusion(i, s)
                )
                times.append(took)
                reads.append(tile_reads_)
                trips.append(q)
                lengths.append(len(path))
                proofs.append((index, size, leaf, path))
            return {
                "n": len(pairs),
                "ms": dist(times, 1e3),
                "tile_reads_per_proof": counts(reads),
                "db_round_trips_per_proof": counts(trips),
                "path_length": {"min": min(lengths), "max": max(lengths)},
            }, proofs

        at_n = [(rng.randrange(n), n) for _ in range(cfg["proofs"])]
        inc_n, proofs_n = inclusion_set(at_n)
        emit("inclusion_at_n", inc_n)
        log(f"inclusion (i, N): median {inc_n['ms']['median']} ms, p99 {inc_n['ms']['p99']} ms")
        smaller = []
        for _ in range(cfg["smaller"]):
            size = rng.randrange(1, n)
            smaller.append((rng.randrange(size), size))
        inc_s, proofs_s = inclusion_set(smaller)
        emit("inclusion_smaller", inc_s)

        # roots of the smaller trees (for verification), timed too: what a client asks first
        roots: dict[int, bytes] = {n: root}
        root_times = []
        olds = [rng.randrange(1, n) for _ in range(cfg["consistency"])]
        for size in sorted({s for _, s in smaller} | set(olds)):
            value, took, _q = timed(lambda s=size: tlog.root_at(s))
            roots[size] = value
            root_times.append(took)
        cons_times, cons_trips, cons_len, cons = [], [], [], []
        for old in olds:
            path, took, q = timed(lambda m=old: tlog.consistency(m, n))
            cons_times.append(took)
            cons_trips.append(q)
            cons_len.append(len(path))
            cons.append((old, path))
        consistency = {
            "n": len(olds),
            "ms": dist(cons_times, 1e3),
            "db_round_trips_per_proof": counts(cons_trips),
            "path_length": {"min": min(cons_len), "max": max(cons_len)},
            "root_at_ms": dist(root_times, 1e3),
        }
        emit("consistency_to_n", consistency)
        log(f"consistency (m, N): median {consistency['ms']['median']} ms")

    emit("tiles_fetched_vs_used", tiles_fetched_vs_used(tlog, merkle, h, at_n[:200], cons[:200], n))

    # correctness before timing verification
    bad = 0
    for index, size, leaf, path in proofs_n + proofs_s:
        try:
            merkle.verify_inclusion(h, index, size, leaf, path, roots[size])
        except merkle.ProofError:
            bad += 1
    for old, path in cons:
        try:
            merkle.verify_consistency(h, old, n, roots[old], root, path)
        except merkle.ProofError:
            bad += 1
    emit("proofs_verified", {"proofs": len(proofs_n) + len(proofs_s) + len(cons), "failed": bad})
    if cfg.get("verify"):
        emit("verification", verification(merkle, h, proofs_n, cons, roots, n))


def tiles_fetched_vs_used(
    tlog: Any, merkle: Any, h: Any, pairs: list[tuple[int, int]], cons: list[tuple], n: int
) -> dict[str, Any]:
    """The rows `_needed_tiles` prefetches vs the tiles a proof actually reads (found by
    computing it again over a lazily reading Tiles), and what prefetching only those, or only
    the proof's own tile and the last tile on each level, costs."""

    def own_and_last(size: int, position: int) -> set[tuple[int, int]]:
        keys, level, count, p = set(), 0, size, position
        while count > 0:
            keys |= {(level, p // 256), (level, (count - 1) // 256)}
            p, level, count = p // 256, level + 1, count // 256
        return keys

    def used(compute: Callable[[Any], Any]) -> set[tuple[int, int]]:
        lazy = tlog.Tiles()
        compute(lazy)
        return {k for k, v in lazy.cache.items() if v is not None}

    def prefetch_s(keys: set[tuple[int, int]]) -> float:
        tiles = tlog.Tiles()
        began = time.perf_counter()
        tiles.prefetch(keys)
        return time.perf_counter() - began

    out: dict[str, Any] = {}
    for kind, items in (("inclusion", pairs), ("consistency", [(m, n) for m, _ in cons])):
        fetched, needed, subset, t_all, t_used = [], [], True, [], []
        for a, size in items:
            position = a if kind == "inclusion" else max(a - 1, 0)
            wanted = tlog._needed_tiles(size, [position])
            if kind == "inclusion":
                got = used(
                    lambda t, a=a, s=size: (merkle.inclusion_proof(h, t.node, a, s), t.node(0, a))
                )
            else:
                got = used(lambda t, a=a, s=size: merkle.consistency_proof(h, t.node, a, s))
            fetched.append(len(wanted))
            needed.append(len(got))
            subset = subset and got <= own_and_last(size, position)
            t_all.append(prefetch_s(wanted))
            t_used.append(prefetch_s(got))
        out[kind] = {
            "proofs": len(items),
            "tiles_prefetched": counts(fetched),
            "tiles_actually_used": counts(needed),
            "used_tiles_are_own_tile_and_last_tile_per_level": subset,
            "prefetch_as_now_ms": dist(t_all, 1e3),
            "prefetch_only_used_ms": dist(t_used, 1e3),
        }
    out["note"] = (
        "_needed_tiles names each position's own tile and the last tile on every level; "
        "the proofs here read exactly those"
    )
    return out


def per_call(fn: Callable[[], Any], repeat: int = 20) -> float:
    """Seconds per call of fn, the best of 3 loops of `repeat` calls."""
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for _ in range(repeat):
            fn()
        best = min(best, (time.perf_counter() - began) / repeat)
    return best


def verification(
    merkle: Any, h: Any, proofs: list[tuple], cons: list[tuple], roots: dict[int, bytes], n: int
) -> dict[str, Any]:
    inc = [
        per_call(lambda i=i, s=s, lf=lf, p=p: merkle.verify_inclusion(h, i, s, lf, p, roots[s]))
        for i, s, lf, p in proofs
    ]
    con = [
        per_call(lambda m=m, p=p: merkle.verify_consistency(h, m, n, roots[m], roots[n], p))
        for m, p in cons
    ]
    out: dict[str, Any] = {
        "log_proofs_sm3": {
            "inclusion_us": dist(inc, 1e6, 1),
            "consistency_us": dist(con, 1e6, 1),
            "note": f"the proofs measured above, tree of {n:,}; best of 3 × 20 calls each",
        }
    }
    # proofs of one in-memory tree per algorithm (equal sizes: the algorithms compared)
    size = (1 << 20) + 4321
    for algorithm in ("sm3", "sha256"):
        out[f"memory_tree_{algorithm}"] = memory_tree(merkle, algorithm, size, random.Random(7))
    sm3 = out["memory_tree_sm3"]["inclusion_us"]["median"]
    sha = out["memory_tree_sha256"]["inclusion_us"]["median"]
    out["sm3_over_sha256_inclusion"] = round(sm3 / sha, 2) if sha else None
    return out


def memory_tree(merkle: Any, algorithm: str, size: int, rng: random.Random) -> dict[str, Any]:
    hasher = merkle.Hasher(algorithm)
    began = time.perf_counter()
    levels = [[hasher.leaf(rng.randbytes(32)) for _ in range(size)]]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([hasher.node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    build_s = time.perf_counter() - began

    def node(height: int, index: int) -> bytes:
        return levels[height][index]

    root = merkle.tree_hash(hasher, node, size)
    inc_t = []
    for i in [rng.randrange(size) for _ in range(500)]:
        path = merkle.inclusion_proof(hasher, node, i, size)
        leaf = levels[0][i]
        inc_t.append(
            per_call(
                lambda i=i, p=path, lf=leaf: merkle.verify_inclusion(hasher, i, size, lf, p, root)
            )
        )
    con_t = []
    for m in [rng.randrange(1, size) for _ in range(200)]:
        path = merkle.consistency_proof(hasher, node, m, size)
        old = merkle.tree_hash(hasher, node, m)
        con_t.append(
            per_call(
                lambda m=m, p=path, r=old: merkle.verify_consistency(hasher, m, size, r, root, p)
            )
        )
    return {
        "leaves": size,
        "inclusion_us": dist(inc_t, 1e6, 1),
        "consistency_us": dist(con_t, 1e6, 1),
        "one_node_hash_us": round(per_call(lambda: hasher.node(root, root), 2000) * 1e6, 2),
        "tree_build_s": round(build_s, 1),
    }


# --- signing and cosigning ----------------------------------------------------------------------


def stage_sign(cfg: dict[str, Any]) -> None:
    from django.conf import settings

    from chengnuo.audit import log as tlog
    from chengnuo.audit.models import LogWitness, WitnessRefusal
    from chengnuo.tlog import note

    agencies = bench_agencies(4)
    record_events(agencies, 1000, 100, "seed")
    tlog.integrate_all()
    tlog.sign_checkpoint(force=True)  # warm-up
    times = []
    for _ in range(cfg["signs"]):
        began = time.perf_counter()
        tlog.sign_checkpoint(force=True)
        times.append(time.perf_counter() - began)
    state = tlog.state()
    body = note.Checkpoint(
        settings.LOG_ORIGIN,
        state.size,
        bytes.fromhex(state.root_hash),
        (f"time {int(time.time())}",),
    ).text.encode()
    per_key: dict[str, Any] = {}
    for signer in settings.LOG_SIGNERS:
        signature = signer.sign(body)
        verifier = signer.verifier
        sign_t = [per_call(lambda s=signer: s.sign(body), 1) for _ in range(cfg["signs"])]
        verify_t = [
            per_call(lambda v=verifier, sg=signature: v.verify(body, sg), 1)
            for _ in range(cfg["signs"])
        ]
        per_key[signer.kind] = {"sign_ms": dist(sign_t, 1e3), "verify_ms": dist(verify_t, 1e3)}
    result: dict[str, Any] = {
        "log_size": state.size,
        "sign_checkpoint_ms": dist(times, 1e3),
        "signer_sign_direct": per_key,
        "note": (
            "sign_checkpoint = state() + the last checkpoint read + Ed25519 and SM2 signatures "
            "+ one LogCheckpoint insert; signer_sign_direct: note.Signer.sign / Verifier.verify"
        ),
    }
    emit("signing", result)
    log(
        f"sign_checkpoint median {result['sign_checkpoint_ms']['median']} ms; "
        + ", ".join(f"{k} {v['sign_ms']['median']} ms" for k, v in per_key.items())
    )
    if not cfg.get("witness"):
        return
    first: dict[str, Any] = {}
    times, proofs, cosigned = [], [], 0
    for round_ in range(cfg["rounds"] + 1):
        record_events(agencies, 100, 100, f"w{round_}")
        tlog.integrate_all()
        checkpoint = tlog.sign_checkpoint(force=True)
        known = LogWitness.objects.first()
        old = known.size if known else 0
        if 0 < old < checkpoint.size:
            began = time.perf_counter()
            tlog.consistency(old, checkpoint.size)
            proofs.append(time.perf_counter() - began)
        began = time.perf_counter()
        got = tlog.witness(checkpoint)
        took = time.perf_counter() - began
        if round_ == 0:
            first = {"ms": round(took * 1e3, 2), "cosigned": got, "old_size": old}
            continue
        times.append(took)
        cosigned += got
    witness = {
        "first_checkpoint": first,
        "rounds": cfg["rounds"],
        "cosigned": cosigned,
        "witness_ms": dist(times, 1e3),
        "consistency_proof_ms": dist(proofs, 1e3),
        "refusals": WitnessRefusal.objects.count(),
        "refusal_reasons": list(WitnessRefusal.objects.values_list("reason", flat=True)[:3]),
        "note": (
            "log.witness(checkpoint) of successive checkpoints, 100 entries apart: the "
            "consistency proof, one HTTP POST /add-checkpoint on 127.0.0.1 (the witness checks "
            "both signatures and the proof, then cosigns), the cosignature checked and stored"
        ),
    }
    emit("witness", witness)
    log(
        f"witness median {witness['witness_ms'].get('median')} ms, "
        f"cosigned {cosigned}/{cfg['rounds']}"
    )


# --- audit_verify ------------------------------------------------------------------------------


def stage_audit(cfg: dict[str, Any]) -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from chengnuo.audit import log as tlog
    from chengnuo.audit.models import AuditEvent

    m = cfg["events"]
    agencies = bench_agencies(cfg["chains"])
    began = time.perf_counter()
    done, step = 0, 5000
    last = began
    while done < m:
        k = min(step, m - done)
        record_events(agencies, k, k, "audit")
        done += k
        if time.perf_counter() - last > 15 or done == m:
            last = time.perf_counter()
            log(f"audit: {done:,}/{m:,} events recorded, {done / (last - began):,.0f}/s")
    record_s = time.perf_counter() - began
    began = time.perf_counter()
    integrated = tlog.integrate_all(batch=20_000)
    integrate_s = time.perf_counter() - began
    checkpoint = tlog.sign_checkpoint(force=True)
    cosigned = tlog.witness(checkpoint) if cfg.get("witness") else None
    setup = {
        "events": m,
        "chains": cfg["chains"],
        "method": (
            "spine.record in transactions of 5,000 events round-robin over the chains (hashes "
            "computed by audit.services.append at commit), log.integrate_all(batch=20000), one "
            "signed checkpoint" + (", cosigned by the run's witness" if cfg.get("witness") else "")
        ),
        "record_s": round(record_s, 1),
        "recorded_per_s": round(m / record_s, 1),
        "integrate_s": round(integrate_s, 1),
        "integrated": integrated,
        "checkpoint_size": checkpoint.size if checkpoint else None,
        "cosigned_by_witnesses": cosigned,
    }
    emit("setup", setup)

    def verify(*options: str) -> dict[str, Any]:
        out, err = io.StringIO(), io.StringIO()
        timing = AuditVerifyTimer()
        began = time.perf_counter()
        ok, error = True, ""
        try:
            call_command("audit_verify", *options, stdout=out, stderr=err)
        except CommandError as exc:
            ok, error = False, str(exc)
        took = time.perf_counter() - began
        timing.restore()
        began = time.perf_counter()
        events = AuditEvent.objects.count()  # the command ends with the same count
        split = timing.split()
        split["count_after_s"] = round(time.perf_counter() - began, 2)
        split["rest_of_command"] = round(took - sum(timing.seconds.values()), 2)
        result = {
            "options": list(options),
            "ok": ok,
            "seconds": round(took, 2),
            "events_in_database": events,
            "events_per_s": round(events / took, 1) if not options else None,
            "printed": out.getvalue().strip(),
            "stderr": err.getvalue().strip()[-2000:],
            "error": error,
            "split_s": split,
        }
        if events < 10_000_000:
            result["extrapolated_10m_s"] = round(took * 10_000_000 / events, 1)
            result["extrapolated_10m_note"] = f"linear from {events:,} events (not measured)"
        return result

    log("audit_verify (full)…")
    full = verify()
    emit("full", full)
    log(f"audit_verify: {full['seconds']} s, ok={full['ok']}: {full['printed'] or full['error']}")
    record_events(agencies, 1000, 100, "more")
    tlog.integrate_all()
    checkpoint = tlog.sign_checkpoint(force=True)
    if cfg.get("witness"):
        tlog.witness(checkpoint)
    log("audit_verify --incremental…")
    incremental = verify("--incremental")
    incremental["events_added_before"] = 1000
    new_per_s = round(1000 / incremental["seconds"], 1) if incremental["seconds"] else None
    incremental["new_events_per_s"] = new_per_s
    incremental.pop("events_per_s", None)
    incremental.pop("extrapolated_10m_s", None)
    incremental.pop("extrapolated_10m_note", None)
    emit("incremental", incremental)
    log(f"audit_verify --incremental: {incremental['seconds']} s, ok={incremental['ok']}")


class AuditVerifyTimer:
    """Time the two halves of audit_verify (the chains, the log) by wrapping, in this process
    only, the functions the command calls; reports nothing if the command no longer calls
    them."""

    def __init__(self) -> None:
        from chengnuo.audit import log_verify
        from chengnuo.audit.management.commands import audit_verify as command

        self.seconds: dict[str, float] = {}
        self.patched: list[tuple[Any, str, Any]] = []
        for owner, attr, label in (
            (command, "chain_keys", "chain_keys"),
            (command, "verify_one", "chains"),
            (log_verify, "verify_log", "log"),
            (log_verify, "witnessed_checkpoint", "witness_fetch"),
        ):
            original = getattr(owner, attr, None)
            if original is None:
                continue
            self.patched.append((owner, attr, original))
            setattr(owner, attr, self._timed(original, label))

    def _timed(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            began = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - began

        return wrapper

    def restore(self) -> None:
        for owner, attr, original in self.patched:
            setattr(owner, attr, original)

    def split(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in self.seconds.items()}


if __name__ == "__main__":
    sys.exit(main())
