#!/usr/bin/env python
"""Fault injection: does the platform keep every acknowledged write, and come back, when its
processes, its database or the simulated external platforms die under load?

Runs the platform as `make run` does — under the repository's own supervisord configuration
(deploy/supervisord.conf: granian with 2 workers, db_worker, deliver_pushes, run_online_checks,
run_reactions, run_scheduler, the sandbox) — against a PRIVATE PostgreSQL cluster (initdb in a
temporary directory, 127.0.0.1 only, its own port; the machine's shared server is never touched),
with the 阜阳市 demo loaded and one applicant (bearer token) acting for a risk-D subject. A steady
load of C clients runs the case flow of `bench/case_submit.py --flow create-sign-submit`
(POST /api/v1/cases with an Idempotency-Key, GET texts + POST commitment for every item of
340100-RS-001, POST …/submit), retrying a failed request as a careful client does (the same
Idempotency-Key and body). While it runs, one fault per phase:

    web_workers     SIGKILL both granian workers (granian respawns them)
    web_master      SIGKILL granian's main process (its workers die with it; supervisord
                    starts a new server)
    task_worker     SIGKILL db_worker while signed-PDF archiving is queued (supervisord restarts
                    it; the reaction outbox keeps the work)
    loops           SIGKILL run_online_checks, deliver_pushes and run_reactions
    postgres_down   `pg_ctl stop -m fast`, --outage-seconds, `pg_ctl start`
    sandbox_down    the sandbox (data-sharing + credit platform) killed for --outage-seconds,
                    then started again on the same port

Per fault: writes acknowledged (2xx), found stored afterwards (by Idempotency-Key / case
number), lost, duplicated, responses by status, and the seconds from the end of the fault
until the first successful write. At the end, after a drain, the background work: PDFs
archived, online checks, credit pushes (and what the sandbox received), reactions.

Prints ONE JSON object on stdout; progress goes to stderr. Everything started is stopped and
the temporary directories are removed, also on errors, Ctrl-C or `kill`.

    .venv/bin/python bench/faults.py [--only FAULT[,FAULT…]] [--requests-per-phase N]
        [--concurrency C] [--outage-seconds S]

See bench/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import pwd
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # traffic never leaves this machine
CONF = "deploy/supervisord.conf"
PROGRAMS = ("web", "worker", "pushes", "checks", "reactions", "scheduler", "sandbox")
FAULTS = ("web_workers", "web_master", "task_worker", "loops", "postgres_down", "sandbox_down")
DB_ROLE = "bench"  # the private cluster's superuser (trust authentication, 127.0.0.1 only)
DB_NAME = "chengnuo"
RUN_OS_USER = "postgres"  # PostgreSQL refuses to run as root: the cluster runs as this user
MARKER = "CHENGNUO_FAULTS_RUN"  # in the environment of every process this run starts

STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[faults {time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests-per-phase",
        type=int,
        default=24,
        help="case flows started per phase (each: create, 3 × texts + sign, submit = 8 "
        "requests, 5 of them writes); a phase also goes on until the first write succeeds "
        "after its fault",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--outage-seconds",
        type=float,
        default=20.0,
        help="how long PostgreSQL / the sandbox stay down",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="FAULT[,FAULT…]",
        help="run only these faults: " + ", ".join(FAULTS),
    )
    parser.add_argument("--port", type=int, default=18741, help="the web server's port")
    parser.add_argument("--sandbox-port", type=int, default=18742, help="the sandbox's port")
    parser.add_argument("--pg-port", type=int, default=18743, help="the private PostgreSQL's port")
    parser.add_argument(
        "--drain",
        type=float,
        default=30.0,
        help="seconds, at most, for the background work to finish before it is reported",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=1.5,
        help="flows started per second, at most, over all clients (a steady load)",
    )
    parser.add_argument(
        "--retry-pause", type=float, default=0.5, help="a client's pause before retrying"
    )
    parser.add_argument("--phase-cap", type=float, default=150.0, help="seconds per phase, at most")
    args = parser.parse_args(argv)
    only = [f.strip() for f in args.only.split(",") if f.strip()]
    unknown = [f for f in only if f not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s) {', '.join(unknown)}; choose from {', '.join(FAULTS)}")
    args.faults = [f for f in FAULTS if f in only] if only else list(FAULTS)
    if args.requests_per_phase < 4 or args.concurrency < 1:
        parser.error("--requests-per-phase must be ≥ 4 and --concurrency ≥ 1")
    if args.outage_seconds <= 0 or args.drain < 0 or args.retry_pause <= 0 or args.rate <= 0:
        parser.error("--outage-seconds, --retry-pause and --rate must be > 0, --drain ≥ 0")
    ports = (args.port, args.sandbox_port, args.pg_port)
    if len(set(ports)) != 3 or not all(1024 <= p <= 65535 for p in ports):
        parser.error("the three ports must differ and lie between 1024 and 65535")
    return args


def port_free(port: int) -> bool:
    """Nothing listens on it (connections of an earlier run in TIME_WAIT do not count: the
    servers bind with SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


# --- processes ----------------------------------------------------------------------------------


def proc_table() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process that is running (zombies excluded)."""
    rows = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                after = f.read().rsplit(")", 1)[1].split()
            if after[0] in ("Z", "X"):
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError):
            continue
        rows.append((int(entry), int(after[1]), args))
    return rows


def alive(pid: int) -> bool:
    return any(p == pid for p, _, _ in proc_table())


def marked_pids(token: str) -> list[int]:
    """Processes whose environment carries this run's marker (only what this run started)."""
    needle = f"{MARKER}={token}".encode()
    found = []
    for pid, _, _ in proc_table():
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    found.append(pid)
        except OSError:
            continue
    return found


def kill_marked(token: str, timeout: float = 10.0) -> list[int]:
    """SIGTERM, then SIGKILL, each process of this run still running (by pid)."""
    pids = marked_pids(token)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.2)
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    return pids


def sigkill(pid: int) -> None:
    """The fault: SIGKILL one process, by its pid (never 0 or 1: a failed status query must
    not turn into a signal to a whole process group)."""
    if pid <= 1:
        raise RuntimeError(f"refusing to signal pid {pid}")
    os.kill(pid, signal.SIGKILL)


# --- the private PostgreSQL cluster -------------------------------------------------------------


class Cluster:
    """initdb into a temporary directory; started and stopped with pg_ctl as a non-root user;
    listening on 127.0.0.1:<port> and a socket in its own directory only."""

    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="chengnuo-faults-pg-"))
        self.data = self.dir / "data"
        self.logfile = self.dir / "postgres.log"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_OS_USER)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", RUN_OS_USER, "--"]
        self.tools = self._tools()
        self.running = False

    @staticmethod
    def _tools() -> Path:
        for candidate in (
            Path("/usr/local/bin"),
            *sorted(Path("/usr/lib/postgresql").glob("*/bin")),
        ):
            if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
                return candidate
        found = shutil.which("pg_ctl")
        if not found:
            raise RuntimeError("initdb/pg_ctl not found (/usr/local/bin, /usr/lib/postgresql)")
        return Path(found).parent

    def _run(self, *args: str, timeout: float = 120.0) -> str:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        result = subprocess.run(
            [*self.prefix, *args],
            env=env,
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def init(self) -> None:
        self._run(
            str(self.tools / "initdb"),
            "-D",
            str(self.data),
            "-U",
            DB_ROLE,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c max_connections=150"
        self._run(
            str(self.tools / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.logfile),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        self.running = True

    def stop(self) -> None:
        self._run(
            str(self.tools / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"
        )
        self.running = False

    def url(self, database: str = DB_NAME) -> str:
        return f"postgres://{DB_ROLE}@{HOST}:{self.port}/{database}"

    def destroy(self) -> None:
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except Exception as exc:  # the postmaster by its pid, only if it is ours
                log(f"pg_ctl stop failed ({exc}); killing the postmaster")
                with contextlib.suppress(Exception):
                    pid = int((self.data / "postmaster.pid").read_text().split()[0])
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if str(self.data).encode() in cmd:
                        os.kill(pid, signal.SIGQUIT)
                        time.sleep(3)
                        if alive(pid):
                            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the platform under supervisord -------------------------------------------------------------


class Platform:
    """deploy/supervisord.conf with the environment `make run` exports."""

    def __init__(self, env: dict[str, str], var: Path):
        self.env = env
        self.var = var
        self.log_path = var / "supervisord-stdout.log"
        self.proc: subprocess.Popen | None = None
        self.pids_seen: dict[str, set[int]] = defaultdict(set)

    def start(self) -> None:
        log_file = open(self.log_path, "ab")  # noqa: SIM115 (the child keeps it)
        try:
            self.proc = subprocess.Popen(
                [str(BIN / "supervisord"), "-c", CONF],
                cwd=ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log_file.close()

    def ctl(self, *args: str, timeout: float = 60.0) -> str:
        result = subprocess.run(
            [str(BIN / "supervisorctl"), "-c", CONF, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return result.stdout

    def status(self) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        with contextlib.suppress(subprocess.TimeoutExpired):
            for line in self.ctl("status", timeout=20).splitlines():
                parts = line.split()
                if len(parts) >= 2 and parts[0] in PROGRAMS:
                    pid = int(parts[3].rstrip(",")) if len(parts) > 3 and parts[2] == "pid" else 0
                    out[parts[0]] = (parts[1], pid)
                    if pid:
                        self.pids_seen[parts[0]].add(pid)
        return out

    def pid(self, name: str) -> int:
        return self.status().get(name, ("", 0))[1]

    def wait_running(
        self,
        names: tuple[str, ...] | list[str],
        timeout: float,
        not_pids: dict[str, int] | None = None,
    ) -> dict[str, float | None]:
        """Seconds until each program is RUNNING (with another pid than `not_pids`), or None."""
        started = time.monotonic()
        back: dict[str, float | None] = dict.fromkeys(names)
        while time.monotonic() - started < timeout:
            st = self.status()
            for n in names:
                if back[n] is None:
                    state, pid = st.get(n, ("", 0))
                    if state == "RUNNING" and pid and pid != (not_pids or {}).get(n):
                        back[n] = round(time.monotonic() - started, 2)
            if all(v is not None for v in back.values()):
                break
            time.sleep(0.3)
        return back

    def granian(self, port: int) -> list[tuple[int, int]]:
        """(pid, parent pid) of every granian process serving our port."""
        return [
            (pid, ppid)
            for pid, ppid, args in proc_table()
            if "granian" in args and f"--port {port}" in args
        ]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(45)
            except subprocess.TimeoutExpired:
                log("supervisord did not stop in 45 s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


# --- set-up -------------------------------------------------------------------------------------

# The create-sign-submit world of bench/case_submit.py (copied: this script stands alone): the
# matter with the most items whose plan ends in ONLINE checks against the sandbox, every item
# signable; a risk-D subject (three general dishonesty records) so every commitment is drawn at
# submission; the subject's identifier has the sandbox's bench prefix (a consistent record).
SETUP = r"""
import json, secrets
from datetime import timedelta
from django.utils import timezone
from chengnuo.accounts.models import ApiToken, User
from chengnuo.agencies.models import Agency
from chengnuo.cases.services import current_versions
from chengnuo.catalog.models import Matter
from chengnuo.catalog.selectors import matter_items_in_force
from chengnuo.core import crypto
from chengnuo.core.digest import digest_bytes
from chengnuo.core.masking import mask_identifier
from chengnuo.credit import services as credit_services
from chengnuo.credit.models import Subject
from chengnuo.sandbox.share_data import BENCH_PREFIX, bench_inconsistent
from chengnuo.verification.models import DataSource
from chengnuo.verification.services import plan_for


def signable(item):
    if not item.under_commitment or item.liability_insurance_required:
        return False
    n, c = current_versions(item)
    return n is not None and c is not None


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
applicant = User.objects.create_user(username="bench-applicant", password=secrets.token_hex(16))
credit_services.subject_link(actor=applicant, user=applicant, subject=subject, relation="self")
token = secrets.token_urlsafe(32)
ApiToken.objects.create(user=applicant, name="bench", key_digest=digest_bytes(token.encode()))
world = {
    "matter": matter.code, "items": [i.code for i in items], "online_items": online,
    "risk_level": credit_services.risk_of(subject).level, "subject": subject.pk,
    "user": applicant.pk, "token": token,
    "sources": sorted(f"{s.code}@{s.base_url}" for s in DataSource.objects.filter(active=True)),
}
print("BENCH-SETUP " + json.dumps(world, ensure_ascii=False))
"""


def manage(env: dict[str, str], *args: str) -> str:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {args[0]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    log(f"manage.py {args[0]}: {time.monotonic() - started:.1f} s")
    return result.stdout


def platform_env(
    tmp: Path, args: argparse.Namespace, database_url: str, token: str
) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CHENGNUO_TEST_CLOCK", "CHENGNUO_SQLITE_PATH", "CHENGNUO_BENCH_ENDPOINTS"):
        env.pop(name, None)
    env.update(
        {
            # what `make run` exports (Makefile RUN_ENV) …
            "CHENGNUO_ROOT": str(ROOT),
            "CHENGNUO_BIN": str(BIN),
            "CHENGNUO_VAR": str(tmp / "var"),
            "HOST": HOST,
            "PORT": str(args.port),
            "SANDBOX_PORT": str(args.sandbox_port),
            "WITNESS_PORT": str(args.sandbox_port + 1),
            "CHENGNUO_LOG_WITNESSES": (
                f"市司法局|http://{HOST}:{args.sandbox_port + 1}|{tmp}/var/witness/sfj/witness.vkey"
            ),
            "CHENGNUO_STATIC_ROOT": str(tmp / "static"),
            # … and the private database, the sandbox's URL (load_demo points the demo's data
            # sources and the credit platform at it), a media directory for the PDFs
            "DATABASE_URL": database_url,
            "CHENGNUO_SANDBOX_URL": f"http://{HOST}:{args.sandbox_port}",
            "CHENGNUO_MEDIA_ROOT": str(tmp / "media"),
            "CHENGNUO_ENV": "development",
            "CHENGNUO_DEBUG": "false",
            "CHENGNUO_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            # one applicant's token writes here at many times a person's pace: the per-client
            # rate limits (core.ratelimit, where the checkout has it) are not what is tested
            "CHENGNUO_RATE_LIMITS": "off",
            MARKER: token,
        }
    )
    return env


def setup_world(env: dict[str, str]) -> dict[str, Any]:
    out = manage(env, "shell", "-c", SETUP)
    line = next((x for x in out.splitlines() if x.startswith("BENCH-SETUP ")), None)
    if line is None:
        raise RuntimeError(f"set-up printed no world:\n{out[-2000:]}")
    return json.loads(line.removeprefix("BENCH-SETUP "))


def wait_http(url: str, timeout: float) -> float | None:
    started = time.monotonic()
    with httpx.Client(trust_env=False, timeout=2.0) as client:
        while time.monotonic() - started < timeout:
            with contextlib.suppress(httpx.HTTPError):
                if client.get(url).status_code == 200:
                    return round(time.monotonic() - started, 2)
            time.sleep(0.2)
    return None


# --- the load -----------------------------------------------------------------------------------


def fact_values(content: dict[str, Any]) -> dict[str, Any]:
    """A valid value for every fact of the commitment text (as bench/case_submit.py)."""
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


@dataclass
class Write:
    """One write the load made: a create or a sign (identified by its Idempotency-Key) or a
    submission (by case number)."""

    kind: str
    key: str
    phase: str
    case: str = ""
    item: str = ""
    attempts: int = 0
    answers: list[str] = field(default_factory=list)  # the object each 2xx answer named
    acked: bool = False
    resolved_by_read: bool = False  # submit: the retry was refused, a GET shows it submitted


class GiveUp(Exception):
    pass


# answers after which a careful client sends the same request again
RETRY_CODES = {"busy_retry", "idempotency_key_in_progress"}


class Load:
    def __init__(self, base: str, world: dict[str, Any], args: argparse.Namespace):
        self.base = base
        self.world = world
        self.args = args
        self.headers = {"Authorization": f"Bearer {world['token']}"}
        self.lock = threading.Lock()
        self.writes: list[Write] = []
        self.phase = ""
        self.events: list[dict[str, Any]] = []  # every response: phase, step, status, times
        self.samples: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.flows: dict[str, Counter[str]] = defaultdict(Counter)
        self.abort = threading.Event()
        self.next_start = 0.0  # pacing: the earliest time the next flow may start

    # one request, repeated until it gets an answer that is not "try again"
    def send(
        self,
        client: httpx.Client,
        step: str,
        method: str,
        path: str,
        body: Any,
        write: Write | None,
        deadline: float,
    ) -> tuple[int | None, Any]:
        key = write.key if write is not None and write.kind != "submit" else None
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        attempt = 0
        while True:
            attempt += 1
            if write is not None:
                write.attempts += 1
            sent = time.monotonic()
            status: int | None = None
            data: Any = None
            text = ""
            try:
                response = client.request(method, path, json=body, headers=headers)
                status = response.status_code
                text = response.text
                with contextlib.suppress(ValueError):
                    data = response.json()
            except httpx.HTTPError as exc:
                text = f"{type(exc).__name__}: {exc}"
            done = time.monotonic()
            label = str(status) if status is not None else "transport"
            with self.lock:
                phase = self.phase
                self.events.append(
                    {
                        "phase": phase,
                        "step": step,
                        "status": label,
                        "write": write is not None,
                        "sent": sent,
                        "done": done,
                    }
                )
                if status is None or status >= 300:
                    bucket = self.samples[phase][f"{step} {label}"]
                    if len(bucket) < 2:
                        bucket.append(text[:240])
            if status is not None and 200 <= status < 300:
                return status, data
            code = data.get("code") if isinstance(data, dict) else None
            again = status is None or status >= 500 or status == 429 or code in RETRY_CODES
            if step == "submit" and attempt > 1 and status == 409:
                return status, data  # maybe our first attempt went through: the caller reads
            if not again:
                return status, data
            if self.abort.is_set() or time.monotonic() + self.args.retry_pause > deadline:
                raise GiveUp(f"{step}: {label}")
            time.sleep(self.args.retry_pause)

    def new_write(self, kind: str, key: str, case: str = "", item: str = "") -> Write:
        w = Write(kind, key, self.phase, case=case, item=item)
        with self.lock:
            self.writes.append(w)
        return w

    def ack(self, w: Write, answer: str) -> None:
        with self.lock:
            w.acked = True
            w.phase = self.phase  # the phase in which the server acknowledged it
            w.answers.append(answer)

    def flow(self, client: httpx.Client) -> str:
        """One case flow; returns how it ended (complete / refused:<step> <status>)."""
        deadline = time.monotonic() + max(90.0, self.args.outage_seconds * 3)
        create = self.new_write("create", uuid.uuid4().hex)
        status, case = self.send(
            client,
            "create",
            "POST",
            "/api/v1/cases",
            {"matter_code": self.world["matter"], "subject_id": self.world["subject"]},
            create,
            deadline,
        )
        if status != 201:
            return f"refused:create {status}"
        self.ack(create, case["number"])
        number, version = case["number"], case["version"]
        create.case = number
        for code in self.world["items"]:
            base = f"/api/v1/cases/{number}/items/{code}"
            status, texts = self.send(client, "texts", "GET", f"{base}/texts", None, None, deadline)
            if status != 200:
                return f"refused:texts {status}"
            sign = self.new_write("sign", uuid.uuid4().hex, case=number, item=code)
            status, signed = self.send(
                client,
                "sign",
                "POST",
                f"{base}/commitment",
                {
                    "notification_version_id": texts["notification"]["id"],
                    "commitment_version_id": texts["commitment"]["id"],
                    "facts": fact_values(texts["commitment"]["content"]),
                    "confirmed": True,
                    "expected_version": version,
                },
                sign,
                deadline,
            )
            if status != 201:
                return f"refused:sign {status}"
            self.ack(sign, str(signed["id"]))
            version = signed.get("case_version", version)
        submit = self.new_write("submit", number, case=number)
        status, _ = self.send(
            client,
            "submit",
            "POST",
            f"/api/v1/cases/{number}/submit",
            {"expected_version": version},
            submit,
            deadline,
        )
        if status == 200:
            self.ack(submit, number)
            return "complete"
        if status == 409 and submit.attempts > 1:
            # an earlier attempt may have been committed before its answer was lost
            status, detail = self.send(
                client, "read", "GET", f"/api/v1/cases/{number}", None, None, deadline
            )
            if status == 200 and detail.get("status") != "draft":
                submit.resolved_by_read = True
                return "complete (submission confirmed by reading the case)"
        return f"refused:submit {status}"

    def run_phase(
        self, name: str, keep_going: Callable[[int], str], flows_started: list[int]
    ) -> list[threading.Thread]:
        with self.lock:
            self.phase = name

        def client_loop() -> None:
            with httpx.Client(base_url=self.base, trust_env=False, timeout=20.0) as client:
                while not self.abort.is_set():
                    with self.lock:
                        decision = keep_going(flows_started[0])
                        if decision == "stop":
                            return
                        if decision == "go":
                            flows_started[0] += 1
                    if decision == "wait":
                        time.sleep(0.2)
                        continue
                    with self.lock:
                        start = max(time.monotonic(), self.next_start)
                        self.next_start = start + 1.0 / self.args.rate
                    time.sleep(max(0.0, start - time.monotonic()))
                    try:
                        outcome = self.flow(client)
                    except GiveUp as exc:
                        outcome = f"gave up: {exc}"
                    except Exception as exc:  # an unexpected answer: count it, go on
                        outcome = f"error: {type(exc).__name__}"
                    with self.lock:
                        self.flows[name][outcome] += 1
                    if not outcome.startswith("complete"):
                        time.sleep(self.args.retry_pause)

        threads = [
            threading.Thread(target=client_loop, daemon=True, name=f"client-{k}")
            for k in range(self.args.concurrency)
        ]
        for t in threads:
            t.start()
        return threads

    def first_write_after(self, t: float) -> float | None:
        """The end of the first write request sent at or after `t` that got a 2xx answer."""
        with self.lock:
            ends = [
                e["done"]
                for e in self.events
                if e["write"] and e["sent"] >= t and e["status"].startswith("2")
            ]
        return min(ends) if ends else None

    def last_failure(self, name: str) -> float | None:
        """When the phase's last request without a 2xx answer ended."""
        with self.lock:
            ends = [
                e["done"]
                for e in self.events
                if e["phase"] == name and not e["status"].startswith("2")
            ]
        return max(ends) if ends else None

    def recovered_at(self, name: str, end: float) -> float | None:
        """The end of the first successful write sent after the fault's end and after the
        phase's last failure: from then on writes succeed again (a write that slipped through
        before the failures began — an old worker finishing its connections — does not count)."""
        last = self.last_failure(name)
        return self.first_write_after(max(end, last or end))

    def completed(self, name: str) -> int:
        with self.lock:
            return sum(n for k, n in self.flows[name].items() if k.startswith("complete"))


# --- faults -------------------------------------------------------------------------------------


@dataclass
class Context:
    args: argparse.Namespace
    platform: Platform
    cluster: Cluster
    database_url: str
    sandbox_url: str
    sandbox_snapshots: list[dict[str, Any]] = field(default_factory=list)


def sql_one(database_url: str, sql: str, params: Any = None) -> Any:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def fault_web_workers(ctx: Context) -> dict[str, Any]:
    master = ctx.platform.pid("web")
    workers = [p for p, pp in ctx.platform.granian(ctx.args.port) if pp == master]
    for pid in workers:
        sigkill(pid)
    end = time.monotonic()
    log(f"SIGKILL granian workers {workers} (master {master})")
    new: list[int] = []
    back = None
    while time.monotonic() - end < 60:
        new = [
            p for p, pp in ctx.platform.granian(ctx.args.port) if pp == master and p not in workers
        ]
        if len(new) >= len(workers):
            back = round(time.monotonic() - end, 2)
            break
        time.sleep(0.2)
    return {
        "end": end,
        "killed": {"granian_master": master, "workers": workers},
        "workers_respawned": new,
        "workers_back_s": back,
        "master_unchanged": ctx.platform.pid("web") == master,
    }


def fault_web_master(ctx: Context) -> dict[str, Any]:
    master = ctx.platform.pid("web")
    workers = [p for p, pp in ctx.platform.granian(ctx.args.port) if pp == master]
    sigkill(master)
    end = time.monotonic()
    log(f"SIGKILL granian master {master} (workers {workers})")
    gone = None
    while time.monotonic() - end < 30:
        if not any(alive(p) for p in workers):
            gone = round(time.monotonic() - end, 2)
            break
        time.sleep(0.1)
    back = ctx.platform.wait_running(["web"], 60, {"web": master})["web"]
    new_master = ctx.platform.pid("web")
    return {
        "end": end,
        "killed": {"granian_master": master, "its_workers": workers},
        "old_workers_ended_s": gone,
        "old_workers_still_alive": [p for p in workers if alive(p)],
        "new_master": new_master,
        "supervisord_restarted_web_s": back,
        "healthz_after_s": wait_http(f"http://{HOST}:{ctx.args.port}/healthz", 60),
    }


QUEUED_ARCHIVES = (
    "SELECT t.status, count(*) FROM django_tasks_database_dbtaskresult t "
    "JOIN core_reaction r ON r.id = (t.args_kwargs->'args'->>0)::bigint "
    "WHERE t.task_path LIKE '%%run_reaction' AND r.handler = 'cases.archive_signed_pdf' "
    "AND t.status IN ('READY', 'RUNNING') GROUP BY 1"
)


def queued_archives(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        try:
            rows = conn.execute(QUEUED_ARCHIVES).fetchall()
        except psycopg.Error:  # the task row's layout differs: count the outbox instead
            rows = conn.execute(
                "SELECT 'outbox_not_done', count(*) FROM core_reaction "
                "WHERE handler = 'cases.archive_signed_pdf' AND done_at IS NULL"
            ).fetchall()
    return {str(k): int(n) for k, n in rows}


def fault_task_worker(ctx: Context) -> dict[str, Any]:
    waited = time.monotonic()
    queued: dict[str, int] = {}
    while time.monotonic() - waited < 30:  # until archiving work is queued
        queued = queued_archives(ctx.database_url)
        if sum(queued.values()) >= 1:
            break
        time.sleep(0.3)
    pid = ctx.platform.pid("worker")
    sigkill(pid)
    end = time.monotonic()
    log(f"SIGKILL db_worker {pid}; archiving tasks queued then: {queued}")
    back = ctx.platform.wait_running(["worker"], 60, {"worker": pid})["worker"]
    return {
        "end": end,
        "killed": {"db_worker": pid},
        "archive_tasks_queued_at_kill": queued,
        "supervisord_restarted_worker_s": back,
    }


def fault_loops(ctx: Context) -> dict[str, Any]:
    pids = {n: ctx.platform.pid(n) for n in ("checks", "pushes", "reactions")}
    for pid in pids.values():
        sigkill(pid)
    end = time.monotonic()
    log(f"SIGKILL run_online_checks/deliver_pushes/run_reactions {pids}")
    back = ctx.platform.wait_running(list(pids), 60, pids)
    return {
        "end": end,
        "killed": {
            "run_online_checks": pids["checks"],
            "deliver_pushes": pids["pushes"],
            "run_reactions": pids["reactions"],
        },
        "supervisord_restarted_s": {
            "run_online_checks": back["checks"],
            "deliver_pushes": back["pushes"],
            "run_reactions": back["reactions"],
        },
    }


def fault_postgres_down(ctx: Context) -> dict[str, Any]:
    before = {n: pid for n, (_, pid) in ctx.platform.status().items()}
    t0 = time.monotonic()
    ctx.cluster.stop()
    stopped = time.monotonic()
    log(
        f"PostgreSQL stopped (pg_ctl stop -m fast, {stopped - t0:.1f} s); "
        f"down for {ctx.args.outage_seconds:.0f} s"
    )
    time.sleep(ctx.args.outage_seconds)
    ctx.cluster.start()
    end = time.monotonic()
    log(f"PostgreSQL started again ({end - stopped:.1f} s after the stop)")
    back = ctx.platform.wait_running(PROGRAMS, 90)
    after = ctx.platform.status()
    return {
        "end": end,
        "down_s": round(end - stopped, 1),
        "programs_running_after_s": back,
        "programs_restarted_by_supervisord": sorted(
            n for n, (_, pid) in after.items() if before.get(n) and pid != before.get(n)
        ),
    }


def sandbox_received(url: str) -> dict[str, Any] | None:
    with contextlib.suppress(httpx.HTTPError, ValueError):
        r = httpx.get(f"{url}/api/credit/records", trust_env=False, timeout=5)
        data = r.json()
        keys = [rec.get("idempotency_key") for rec in data.get("records", [])]
        return {"count": data.get("count"), "keys": keys}
    return None


def fault_sandbox_down(ctx: Context) -> dict[str, Any]:
    snapshot = sandbox_received(ctx.sandbox_url)
    if snapshot is not None:
        ctx.sandbox_snapshots.append(snapshot)
    pid = ctx.platform.pid("sandbox")
    sigkill(pid)
    killed = time.monotonic()
    # keep supervisord from starting it again for the outage (it would within ~1 s)
    ctx.platform.ctl("stop", "sandbox")
    held = time.monotonic()
    log(f"sandbox {pid} killed and held down for {ctx.args.outage_seconds:.0f} s")
    time.sleep(max(0.0, ctx.args.outage_seconds - (time.monotonic() - killed)))
    restart = time.monotonic()
    ctx.platform.ctl("start", "sandbox")
    started = time.monotonic()
    healthy = wait_http(f"{ctx.sandbox_url}/healthz", 60)
    end = time.monotonic()
    log(f"sandbox started again ({end - killed:.1f} s after the kill)")
    return {
        "end": end,
        "killed": {"sandbox": pid},
        "down_s": round(end - killed, 1),
        "supervisorctl_stop_s": round(held - killed, 1),
        "supervisorctl_start_s": round(started - restart, 1),
        "healthz_after_start_s": healthy,
        "pushes_the_sandbox_held_before_the_kill": (snapshot or {}).get("count"),
    }


FAULT_FUNCS = {
    "web_workers": fault_web_workers,
    "web_master": fault_web_master,
    "task_worker": fault_task_worker,
    "loops": fault_loops,
    "postgres_down": fault_postgres_down,
    "sandbox_down": fault_sandbox_down,
}


def run_phase(name: str, load: Load, ctx: Context) -> dict[str, Any]:
    args = ctx.args
    n = args.requests_per_phase
    state: dict[str, Any] = {"fault_done": False, "recovered": False, "at_end": None}
    started_at = time.monotonic()
    cap = started_at + args.phase_cap
    flows_started = [0]
    after_min = max(4, n // 4)  # flows started after the fault's end, at least

    def keep_going(started: int) -> str:
        """ "go" (start a flow), "wait" (not now) or "stop" (the phase's load is over)."""
        if time.monotonic() >= cap:
            return "stop"
        if not state["fault_done"]:  # before and during the fault: at most 2 N flows
            return "go" if started < 2 * n else "wait"
        if state["at_end"] is None:
            state["at_end"] = started
        after = started - state["at_end"]
        if started < n or after < after_min or not state["recovered"]:
            return "go"  # paced by --rate, bounded by --phase-cap
        return "stop"

    log(f"phase {name}: load with {args.concurrency} clients, {n} flows")
    threads = load.run_phase(name, keep_going, flows_started)
    while load.completed(name) < max(1, n // 4) and time.monotonic() < started_at + 60:
        time.sleep(0.1)
    fault_start = time.monotonic()
    info = FAULT_FUNCS[name](ctx)
    end = info.pop("end")
    state["fault_done"] = True
    while time.monotonic() < cap:
        ok = load.recovered_at(name, end)
        last = load.last_failure(name) or end
        # recovered, and no failure for 3 s since
        if ok is not None and time.monotonic() - max(last, end) >= 3:
            break
        time.sleep(0.2)
    state["recovered"] = True
    for t in threads:
        t.join(max(1.0, cap + 100 - time.monotonic()))
    with load.lock:
        load.phase = ""
    finished = time.monotonic()
    # every program RUNNING again before the next phase
    back = ctx.platform.wait_running(PROGRAMS, 60)
    healthy = wait_http(f"http://{HOST}:{args.port}/healthz", 30) is not None
    events = [e for e in load.events if e["phase"] == name]
    first_ok = load.recovered_at(name, end)
    first_any = load.first_write_after(end)
    recovered_at = first_ok if first_ok is not None else finished

    def statuses(rows: list[dict[str, Any]]) -> dict[str, int]:
        return dict(sorted(Counter(e["status"] for e in rows).items()))

    def not_ok(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {k: v for k, v in statuses(rows).items() if not k.startswith("2")}

    during = [e for e in events if fault_start <= e["done"] <= recovered_at]
    failed = [e["done"] for e in events if not e["status"].startswith("2")]
    after = [e for e in events if e["done"] > recovered_at]
    result = {
        "fault": info,
        "recovery_s": round(first_ok - end, 2) if first_ok is not None else None,
        "first_write_after_fault_s": round(first_any - end, 2) if first_any is not None else None,
        "seconds": round(finished - started_at, 1),
        "flows_started": flows_started[0],
        "flows": dict(load.flows[name]),
        "requests": len(events),
        "statuses": statuses(events),
        "statuses_by_step": {
            step: statuses([e for e in events if e["step"] == step])
            for step in ("create", "texts", "sign", "submit", "read")
            if any(e["step"] == step for e in events)
        },
        "errors_by_status": not_ok(events),
        "server_errors_5xx": sum(1 for e in events if e["status"].startswith("5")),
        "transport_errors": sum(1 for e in events if e["status"] == "transport"),
        "errors_during_fault": not_ok(during),
        # first and last failed answer, in seconds from the start of the fault
        "failures_window_s": (
            [round(min(failed) - fault_start, 1), round(max(failed) - fault_start, 1)]
            if failed
            else None
        ),
        "errors_after_recovery": not_ok(after),
        "error_samples": {k: v for k, v in load.samples[name].items()},
        "all_programs_running_after": all(v is not None for v in back.values()) and healthy,
    }
    if not result["all_programs_running_after"]:
        result["programs_not_back"] = [k for k, v in back.items() if v is None]
    log(
        f"phase {name}: recovery {result['recovery_s']} s, statuses {result['statuses']}, "
        f"flows {result['flows']}"
    )
    return result


# --- what the database holds afterwards ----------------------------------------------------------


def stored_check(database_url: str, load: Load, world: dict[str, Any]) -> dict[str, Any]:
    """Every acknowledged write looked up in the database; duplicates of any write."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        records = conn.execute(
            "SELECT scope, key, count(*), array_agg(coalesce(response->>'number', response->>'id'))"
            " FROM core_idempotencyrecord WHERE user_id = %s GROUP BY 1, 2",
            (world["user"],),
        ).fetchall()
        cases: dict[str, str] = dict(
            conn.execute(
                "SELECT number, status FROM cases_case WHERE subject_id = %s", (world["subject"],)
            ).fetchall()
        )
        commitments = {
            str(pk): (number, code, status)
            for pk, number, code, status in conn.execute(
                "SELECT m.id, c.number, i.code, m.status FROM cases_commitment m "
                "JOIN cases_case c ON c.id = m.case_id "
                "JOIN catalog_certificationitem i ON i.id = m.item_id WHERE m.subject_id = %s",
                (world["subject"],),
            ).fetchall()
        }
        per_item = conn.execute(
            "SELECT c.number, count(*) FROM cases_commitment m "
            "JOIN cases_case c ON c.id = m.case_id "
            "WHERE m.subject_id = %s GROUP BY m.case_item_id, c.number HAVING count(*) > 1",
            (world["subject"],),
        ).fetchall()
        draws: dict[str, int] = dict(
            conn.execute(
                "SELECT c.number, count(*) FROM verification_samplingdraw d "
                "JOIN cases_case c ON c.id = d.case_id WHERE c.subject_id = %s GROUP BY 1",
                (world["subject"],),
            ).fetchall()
        )
        task_dups = conn.execute(
            "SELECT c.number, count(*) FROM verification_verificationtask t "
            "JOIN cases_commitment m ON m.id = t.commitment_id "
            "JOIN cases_case c ON c.id = m.case_id "
            "WHERE m.subject_id = %s AND t.replaces_id IS NULL "
            "GROUP BY t.commitment_id, t.method, c.number HAVING count(*) > 1",
            (world["subject"],),
        ).fetchall()
    by_key = {
        (scope, key): (int(n), [a for a in answers if a]) for scope, key, n, answers in records
    }
    dup_items = {number for number, _ in per_item}
    dup_tasks = {number for number, _ in task_dups}
    named_cases = {
        a for (scope, _), (_, answers) in by_key.items() if scope == "cases.create" for a in answers
    }

    per_phase: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    lost_samples: list[dict[str, Any]] = []
    dup_samples: list[dict[str, Any]] = []
    for w in load.writes:
        if not w.acked:
            continue
        answers = set(w.answers)
        stored = duplicated = False
        if w.kind == "create":
            n, recorded = by_key.get(("cases.create", w.key), (0, []))
            stored = n >= 1 and all(a in cases for a in answers)
            duplicated = n > 1 or len(answers | set(recorded)) > 1
        elif w.kind == "sign":
            n, recorded = by_key.get(("cases.commitment_sign", w.key), (0, []))
            stored = n >= 1 and all(
                commitments.get(a, ("", "", ""))[:2] == (w.case, w.item) for a in answers
            )
            duplicated = n > 1 or len(answers | set(recorded)) > 1 or w.case in dup_items
        else:  # submit
            stored = cases.get(w.key, "draft") != "draft"
            duplicated = draws.get(w.key, 0) > 1 or w.key in dup_tasks
        c = per_phase[w.phase][w.kind]
        c["acknowledged"] += 1
        c["stored"] += int(stored)
        c["lost"] += int(not stored)
        c["duplicated"] += int(duplicated)
        # acknowledged only after the same request was sent again (same key and body)
        c["acknowledged_after_a_retry"] += int(w.attempts > 1)
        if not stored and len(lost_samples) < 10:
            lost_samples.append(
                {"phase": w.phase, "kind": w.kind, "key": w.key, "answers": w.answers}
            )
        if duplicated and len(dup_samples) < 10:
            dup_samples.append({"phase": w.phase, "kind": w.kind, "key": w.key, "case": w.case})

    phases: dict[str, dict[str, Any]] = {}
    for phase, kinds in per_phase.items():
        total: Counter[str] = Counter()
        for c in kinds.values():
            total.update(c)
        phases[phase] = {
            **{
                k: total[k]
                for k in (
                    "acknowledged",
                    "stored",
                    "lost",
                    "duplicated",
                    "acknowledged_after_a_retry",
                )
            },
            "by_kind": {kind: dict(c) for kind, c in sorted(kinds.items())},
        }
    unacked = [w for w in load.writes if not w.acked]
    unacked_stored: Counter[str] = Counter()
    for w in unacked:
        if w.kind == "create" and ("cases.create", w.key) in by_key:
            unacked_stored["create"] += 1
        elif w.kind == "sign" and ("cases.commitment_sign", w.key) in by_key:
            unacked_stored["sign"] += 1
        elif w.kind == "submit" and cases.get(w.key, "draft") != "draft":
            unacked_stored["submit"] += 1
    return {
        "phases": phases,
        "lost_samples": lost_samples,
        "duplicated_samples": dup_samples,
        "unacknowledged_writes": dict(Counter(w.kind for w in unacked)),
        # a write whose answer never came (killed worker, outage) but that was committed: fine,
        # as long as its retry got the same object back (then it is acknowledged) or none was sent
        "unacknowledged_but_stored": dict(unacked_stored),
        "submissions_confirmed_by_read": sum(1 for w in load.writes if w.resolved_by_read),
        # cases of the bench subject that no create's idempotency record names: a create that
        # ran twice, or outside the idempotency record's transaction
        "cases_without_idempotency_record": sorted(set(cases) - named_cases)[:10],
        "cases_total": len(cases),
    }


BACKGROUND_SQL = {
    "signed_commitments": (
        "SELECT CASE WHEN pdf <> '' THEN 'with_pdf' ELSE 'without_pdf' END, count(*) "
        "FROM cases_commitment WHERE subject_id = %(s)s AND status = 'signed' GROUP BY 1"
    ),
    "online_checks": (
        "SELECT o.status || coalesce('/' || nullif(o.outcome, ''), ''), count(*) "
        "FROM verification_onlinecheck o JOIN verification_verificationtask t ON t.id = o.task_id "
        "JOIN cases_commitment c ON c.id = t.commitment_id WHERE c.subject_id = %(s)s GROUP BY 1"
    ),
    "verification_tasks": (
        "SELECT t.method || '/' || t.status || '/' || coalesce(nullif(t.outcome, ''), '-'), "
        "count(*) FROM verification_verificationtask t JOIN cases_commitment c "
        "ON c.id = t.commitment_id WHERE c.subject_id = %(s)s GROUP BY 1"
    ),
    "credit_pushes": "SELECT status, count(*) FROM credit_pushmessage GROUP BY 1",
    "push_attempts_by_http_status": (
        "SELECT coalesce(status_code::text, 'no answer'), count(*) FROM credit_deliveryattempt "
        "GROUP BY 1"
    ),
    "push_attempt_errors": (
        "SELECT left(regexp_replace(error, '[0-9]+', 'N', 'g'), 160), count(*) "
        "FROM credit_deliveryattempt WHERE NOT ok GROUP BY 1"
    ),
    "reactions": (
        "SELECT CASE WHEN done_at IS NOT NULL THEN 'done' "
        "WHEN attempts > 0 AND next_attempt_at > now() AND last_error = '' THEN 'leased' "
        "WHEN last_error <> '' THEN 'failed_retrying' ELSE 'pending' END, count(*) "
        "FROM core_reaction GROUP BY 1"
    ),
    "reactions_not_done_by_handler": (
        "SELECT handler, count(*) FROM core_reaction WHERE done_at IS NULL GROUP BY 1"
    ),
    "task_queue": (
        "SELECT regexp_replace(task_path, '^chengnuo[.]', '') || ' ' || status, count(*) "
        "FROM django_tasks_database_dbtaskresult GROUP BY 1"
    ),
}


def pending(database_url: str, subject: int) -> int:
    return int(
        sql_one(
            database_url,
            "SELECT (SELECT count(*) FROM core_reaction WHERE done_at IS NULL)"
            " + (SELECT count(*) FROM credit_pushmessage WHERE status <> 'delivered')"
            " + (SELECT count(*) FROM verification_onlinecheck"
            "    WHERE status IN ('queued', 'retrying'))"
            " + (SELECT count(*) FROM cases_commitment WHERE subject_id = %s AND status = 'signed'"
            "    AND pdf = '')",
            (subject,),
        )
        or 0
    )


def background(ctx: Context, subject: int) -> dict[str, Any]:
    import psycopg

    out: dict[str, Any] = {}
    with psycopg.connect(ctx.database_url, autocommit=True) as conn:
        for key, sql in BACKGROUND_SQL.items():
            rows = conn.execute(sql, {"s": subject}).fetchall()
            out[key] = {str(k): int(n) for k, n in sorted(rows)}
        leased = conn.execute(
            "SELECT handler, attempts, round(extract(epoch FROM next_attempt_at - now()))::int "
            "FROM core_reaction WHERE done_at IS NULL AND attempts > 0 ORDER BY id LIMIT 10"
        ).fetchall()
        out["reactions_claimed_not_done"] = [
            {"handler": h, "attempts": a, "next_attempt_in_s": s} for h, a, s in leased
        ]
        # a signed commitment without its PDF must still have its archiving in the outbox
        archive = conn.execute(
            "SELECT CASE WHEN m.pdf <> '' THEN 'archived' "
            "WHEN r.id IS NULL THEN 'no_reaction_row' "
            "WHEN r.done_at IS NOT NULL THEN 'reaction_done_but_no_pdf' "
            "WHEN r.attempts > 0 AND r.next_attempt_at > now() THEN 'waiting_leased' "
            "ELSE 'waiting_due' END, count(*) FROM cases_commitment m "
            "LEFT JOIN core_reaction r ON r.handler = 'cases.archive_signed_pdf' "
            "AND (r.payload->>'commitment')::bigint = m.id "
            "WHERE m.subject_id = %s AND m.status = 'signed' GROUP BY 1",
            (subject,),
        ).fetchall()
        out["pdf_archiving"] = {str(k): int(n) for k, n in sorted(archive)}
        retry_row = conn.execute(
            "SELECT min(o.attempts), max(o.attempts), "
            "round(min(extract(epoch FROM o.next_attempt_at - now())))::int, "
            "round(max(extract(epoch FROM o.next_attempt_at - now())))::int "
            "FROM verification_onlinecheck o JOIN verification_verificationtask t "
            "ON t.id = o.task_id JOIN cases_commitment c ON c.id = t.commitment_id "
            "WHERE c.subject_id = %s AND o.status = 'retrying'",
            (subject,),
        ).fetchone()
        out["online_checks_retrying"] = (
            {
                "attempts_min_max": [retry_row[0], retry_row[1]],
                "next_attempt_in_s_min_max": [retry_row[2], retry_row[3]],
            }
            if retry_row and retry_row[0] is not None
            else None
        )
        out["source_breakers"] = {
            code: {"consecutive_failures": int(f), "open_for_s": o}
            for code, f, o in conn.execute(
                "SELECT code, consecutive_failures, "
                "round(extract(epoch FROM open_until - now()))::int FROM verification_datasource "
                "WHERE active ORDER BY 1"
            ).fetchall()
        }
        durations = conn.execute(
            "SELECT regexp_replace(task_path, '^chengnuo[.]', ''), count(*), "
            "round(avg(extract(epoch FROM finished_at - started_at))::numeric, 2) "
            "FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL' GROUP BY 1"
        ).fetchall()
        out["task_queue_mean_run_s"] = {str(k): float(s) for k, _, s in sorted(durations)}
        out["task_rows_left_running"] = int(
            sql_one(
                ctx.database_url,
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'",
            )
            or 0
        )
        delivered_keys = [
            k
            for (k,) in conn.execute(
                "SELECT idempotency_key FROM credit_pushmessage WHERE status = 'delivered'"
            ).fetchall()
        ]
        repeated = sql_one(
            ctx.database_url,
            "SELECT count(*) FROM (SELECT message_id FROM credit_deliveryattempt WHERE ok "
            "GROUP BY 1 HAVING count(*) > 1) x",
        )
    c = out["online_checks"]
    out["online_checks_summary"] = {
        "done": sum(n for k, n in c.items() if k.startswith("done")),
        "pending": sum(n for k, n in c.items() if k.startswith(("queued", "retrying"))),
        "failed": sum(n for k, n in c.items() if k.startswith("failed")),
    }
    p = out["credit_pushes"]
    received = sandbox_received(ctx.sandbox_url)
    seen_before = set()
    for snap in ctx.sandbox_snapshots:
        seen_before.update(snap["keys"])
    now_keys = set((received or {}).get("keys") or [])
    out["credit_pushes_summary"] = {
        "delivered": p.get("delivered", 0),
        "pending": p.get("pending", 0),
        "failed_retrying": p.get("failed", 0),
        # the sandbox answers 200 {"duplicate": true} to a push whose Idempotency-Key it holds
        # already (201 to a new one) and stores it once; it counts no duplicates itself
        "duplicate_deliveries_the_sandbox_recognised": out["push_attempts_by_http_status"].get(
            "200", 0
        ),
        "messages_delivered_more_than_once": int(repeated or 0),
        # the sandbox keeps what it received in memory: a restart (sandbox_down) forgets it
        "sandbox_holds_now": (received or {}).get("count"),
        "sandbox_held_before_its_restart": [s["count"] for s in ctx.sandbox_snapshots],
        "delivered_but_in_no_sandbox_memory": len(set(delivered_keys) - now_keys - seen_before),
    }
    r = out["reactions"]
    out["reactions_summary"] = {
        "done": r.get("done", 0),
        "pending": sum(n for k, n in r.items() if k != "done"),
    }
    return out


# --- logs ---------------------------------------------------------------------------------------

EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?\w*(?:Error|Exception|Deadlock\w*|Violation)\b.*")


def log_findings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    text = path.read_text(errors="replace")
    exceptions: Counter[str] = Counter()
    for line in text.splitlines():
        if m := EXCEPTION_LINE.match(line):
            exceptions[re.sub(r"(?<![A-Za-z_])\d+", "N", m.group(0))[:200]] += 1
    return {
        "tracebacks": text.count("Traceback (most recent call last)"),
        "deadlocks_logged": text.count("psycopg.errors.DeadlockDetected"),
        "exceptions": dict(exceptions.most_common(10)),
    }


def checkout() -> dict[str, Any]:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return result.stdout.rstrip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": [x[3:] for x in git("status", "--porcelain").splitlines() if x][:30],
    }


# --- main ---------------------------------------------------------------------------------------


def on_term(*_: Any) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    sys.exit(143)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    busy = [p for p in (args.port, args.sandbox_port, args.pg_port) if not port_free(p)]
    if busy:
        log(f"port(s) {busy} on {HOST} in use; choose others (--port, --sandbox-port, --pg-port)")
        return 2
    for tool in ("supervisord", "supervisorctl", "granian"):
        if not (BIN / tool).exists():
            log(f"{BIN / tool} is missing: run with the project's .venv/bin/python")
            return 2
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    load_at_start = round(os.getloadavg()[0], 2)
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-faults-"))
    token = tmp.name
    cluster: Cluster | None = None
    plat: Platform | None = None
    load: Load | None = None
    try:
        cluster = Cluster(args.pg_port)
        cluster.init()
        cluster.start()
        log(f"private PostgreSQL on {HOST}:{args.pg_port} ({cluster.data}, run as {RUN_OS_USER})")
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        database_url = cluster.url()
        (tmp / "var").mkdir()
        (tmp / "static").mkdir()
        env = platform_env(tmp, args, database_url, token)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")  # starts its own sandbox on SANDBOX_PORT for the demo's checks
        world = setup_world(env)
        log(f"world: matter {world['matter']}, items {world['items']}, risk {world['risk_level']}")
        plat = Platform(env, tmp / "var")
        plat.start()
        back = plat.wait_running(PROGRAMS, 120)
        if any(v is None for v in back.values()):
            raise RuntimeError(f"supervisord did not start every program: {plat.ctl('status')}")
        base = f"http://{HOST}:{args.port}"
        if wait_http(f"{base}/healthz", 60) is None:
            raise RuntimeError("the web server does not answer /healthz")
        log(f"supervisord: every program RUNNING; web on {base}")
        sandbox_url = f"http://{HOST}:{args.sandbox_port}"
        ctx = Context(args, plat, cluster, database_url, sandbox_url)
        load = Load(base, world, args)

        phases: dict[str, dict[str, Any]] = {}
        for name in args.faults:
            phases[name] = run_phase(name, load, ctx)

        log(f"drain: up to {args.drain:.0f} s for the background work")
        deadline = time.monotonic() + args.drain
        left = pending(database_url, world["subject"])
        while left and time.monotonic() < deadline:
            time.sleep(2)
            left = pending(database_url, world["subject"])
        drained_s = round(args.drain - max(0.0, deadline - time.monotonic()), 1)
        final_status = plat.status()
        stored = stored_check(database_url, load, world)
        work = background(ctx, world["subject"])
        work["pending_after_drain"] = left
        work["drain_s"] = drained_s
        for name, result in phases.items():
            counts = stored["phases"].get(
                name, {"acknowledged": 0, "stored": 0, "lost": 0, "duplicated": 0}
            )
            phases[name] = {**counts, **result}
        totals = {
            k: sum(p.get(k, 0) for p in phases.values())
            for k in ("acknowledged", "stored", "lost", "duplicated", "server_errors_5xx")
        }
        processes = {
            n: {"state": final_status.get(n, ("?", 0))[0], "pids_seen": len(plat.pids_seen[n])}
            for n in PROGRAMS
        }
        plat.stop()
        report = {
            "machine": {
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "loadavg_1m_at_start": load_at_start,
                "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
            },
            "checkout": checkout(),
            "config": {
                "faults": args.faults,
                "requests_per_phase": args.requests_per_phase,
                "concurrency": args.concurrency,
                "outage_seconds": args.outage_seconds,
                "retry_pause_s": args.retry_pause,
                "drain_s": args.drain,
                "supervision": f"supervisord -c {CONF} (the processes of make run)",
                "web": f"granian wsgi, 2 workers, {HOST}:{args.port}",
                "database": (
                    f"private PostgreSQL cluster {HOST}:{args.pg_port} (initdb in a temporary "
                    f"directory, run as {RUN_OS_USER}), demo data"
                ),
                "sandbox": sandbox_url,
                "flow": (
                    "POST /api/v1/cases + "
                    f"{len(world['items'])} × (GET …/texts + POST …/commitment) + POST …/submit"
                ),
                "world": {k: v for k, v in world.items() if k != "token"},
            },
            "faults": phases,
            "totals": totals,
            "writes": {k: v for k, v in stored.items() if k != "phases"},
            "background": work,
            "processes_at_end": processes,
            "logs": log_findings(plat.log_path),
            "verdict": {
                "no_write_lost": totals["lost"] == 0,
                "no_write_duplicated": totals["duplicated"] == 0
                and not stored["cases_without_idempotency_record"],
                "every_fault_recovered": all(p["recovery_s"] is not None for p in phases.values()),
                "every_program_running_at_end": all(
                    v["state"] == "RUNNING" for v in processes.values()
                ),
                "background_work_drained": left == 0,
            },
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        if load is not None:
            load.abort.set()
        if plat is not None:
            with contextlib.suppress(Exception):
                plat.stop()
        leftover = kill_marked(token)
        if leftover:
            log(f"stopped {len(leftover)} process(es) left by supervisord: {leftover}")
        if cluster is not None:
            cluster.destroy()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # everything was stopped and removed in main's `finally`
        log("interrupted; everything started was stopped")
        sys.exit(130)
