#!/usr/bin/env python
"""Online verification of N commitments (default 10,000) against the sandbox data-sharing
platform, by the worker path, against its own floor (R-4.5).

Creates a temporary directory with a fresh SQLite database (`DATABASE_URL` is removed from the
environment), migrates and loads the 阜阳市 demo, starts the sandbox (`python -m
chengnuo.sandbox`, its own process) on a free port on 127.0.0.1, registers the social insurance
source and a verification plan for one demo item (contribution months ≥ 12), and inserts N
commitments of N distinct bench subjects (identifiers starting with the sandbox's bench prefix:
~95 % consistent, ~5 % not) with one verification task and one queued online check each —
bulk ORM inserts copied from a real signed demo commitment (setup, not measured).

Then, in this order:

    floor    W processes each send their share of N bare signed GETs (the same URLs) with one
             keep-alive client: the sandbox's own throughput from W sequential callers
    workers  W processes of `manage.py run_online_checks --loop --until-empty` (the worker
             path: claim with a lease, signed GET outside any transaction, snapshot + SM3
             digest + comparison + audit event + task conclusion in one transaction)

Prints ONE JSON object on stdout (progress on stderr): checks, wall seconds, checks per second,
the share of the workers' wall time spent waiting on HTTP (sum of `http_seconds` / (W × wall)),
outcomes, and the floor. Bounded by --time-cap (default 600 s): workers still running then are
stopped and the JSON says `"time_capped": true`. Everything is removed at the end.

    .venv/bin/python bench/verify_batch.py [--count N] [--workers W] [--time-cap S]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_read import HOST, bench_env, log, manage  # noqa: E402

APP_KEY = "chengnuo-demo"
SECRET = "sandbox-secret"

SETUP = r"""
import json, time
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from chengnuo.agencies.models import Agency
from chengnuo.cases.constants import CommitmentStatus
from chengnuo.cases.models import Case, CaseItem, Commitment
from chengnuo.core.crypto import encrypt
from chengnuo.credit.models import Subject
from chengnuo.sandbox.share_data import BENCH_PREFIX
from chengnuo.verification.models import DataSource, OnlineCheck, VerificationPlan, VerificationTask

COUNT = int("%(count)s")
BASE = "%(base)s"
started = time.monotonic()
template = (
    Commitment.objects.filter(status=CommitmentStatus.SIGNED)
    .select_related("case", "case_item", "item")
    .order_by("id")
    .first()
)
assert template is not None, "the demo has no signed commitment"
item = template.item
rsj = Agency.objects.get(name="阜阳市人力资源和社会保障局")
# the demo registers the source too (pointing at make run's sandbox): point it at this run's
source, _created = DataSource.objects.update_or_create(
    code="social_insurance", defaults=dict(
        name="社会保险缴费信息（沙箱）", providing_agency=rsj,
        base_url=BASE, app_key="%(app_key)s", secret_cipher=encrypt("%(secret)s"),
        field_mapping={}, timeout_seconds=5, rate_limit_per_second=100000, max_attempts=5,
        breaker_threshold=50, breaker_cooldown_seconds=30, consecutive_failures=0,
        open_until=None, active=True,
    ),
)
VerificationPlan.objects.update_or_create(item=item, defaults=dict(
    methods=["online"],
    comparisons=[{"label": "缴费月数", "source": "social_insurance", "field": "months",
                  "op": "gte", "value": 12}],
    fallback="assistance", assistance_agency=rsj,
))
now = timezone.now()
numbers = [f"{BENCH_PREFIX}{n:014d}" for n in range(COUNT)]
def clone(obj, **fields):
    new = type(obj)()
    for f in obj._meta.concrete_fields:
        if not f.primary_key:
            setattr(new, f.attname, getattr(obj, f.attname))
    for k, v in fields.items():
        setattr(new, k, v)
    return new
with transaction.atomic():
    subjects = Subject.objects.bulk_create(
        [Subject(kind="person", name=f"测试{n[-6:]}", id_type="resident_id",
                 id_cipher=encrypt(n), id_lookup=f"bench:{n}", id_masked=n[:4] + "*" * 10 + n[-4:])
         for n in numbers], batch_size=1000)
    cases = Case.objects.bulk_create(
        [clone(template.case, number=f"BENCH-{i:07d}", subject_id=s.pk)
         for i, s in enumerate(subjects)], batch_size=1000)
    lines = CaseItem.objects.bulk_create(
        [clone(template.case_item, case_id=c.pk) for c in cases], batch_size=1000)
    commitments = Commitment.objects.bulk_create(
        [clone(template, case_id=c.pk, case_item_id=l.pk, subject_id=c.subject_id)
         for c, l in zip(cases, lines)], batch_size=1000)
    tasks = VerificationTask.objects.bulk_create(
        [VerificationTask(commitment_id=c.pk, agency_id=template.case.agency_id, method="online",
                          status="in_progress", due_date=timezone.localdate() + timedelta(days=30))
         for c in commitments], batch_size=1000)
    OnlineCheck.objects.bulk_create(
        [OnlineCheck(task_id=t.pk, source=source, next_attempt_at=now) for t in tasks],
        batch_size=1000)
print(json.dumps({"item": item.code, "checks": OnlineCheck.objects.count(),
                  "setup_seconds": round(time.monotonic() - started, 1)}))
"""

REPORT = r"""
import json
from django.db.models import Count, Sum
from chengnuo.audit.models import AuditEvent
from chengnuo.credit.models import CreditRecord
from chengnuo.verification.models import OnlineCheck, VerificationTask
rows = OnlineCheck.objects.values("status", "outcome").annotate(n=Count("id"))
print(json.dumps({
    "by_status_outcome": {f"{r['status']}/{r['outcome'] or '-'}": r["n"] for r in rows},
    "http_seconds": OnlineCheck.objects.aggregate(s=Sum("http_seconds"))["s"] or 0,
    "attempts": OnlineCheck.objects.aggregate(s=Sum("attempts"))["s"] or 0,
    "tasks_done": VerificationTask.objects.filter(replaces__isnull=True, status="done").count(),
    "fallback_tasks": VerificationTask.objects.filter(replaces__isnull=False).count(),
    "kept_credit_records": CreditRecord.objects.filter(
        verification_ref__startswith="commitment:"
    ).count(),
    "audit_events_check_done": AuditEvent.objects.filter(
        event="verification.online_check_done"
    ).count(),
}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="commitments to verify")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--time-cap", type=float, default=600, help="seconds for the workers")
    parser.add_argument("--floor-worker", nargs=3, metavar=("URL", "START", "COUNT"))
    return parser.parse_args(argv)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def shell(env: dict[str, str], code: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py shell failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def floor_worker(base: str, start: int, count: int) -> None:
    """Bare signed GETs, sequential, one keep-alive client (runs in its own process)."""
    import httpx

    from chengnuo.sandbox.server import signature
    from chengnuo.sandbox.share_data import BENCH_PREFIX

    errors = 0
    seconds = 0.0
    with httpx.Client(trust_env=False, timeout=5) as client:
        for n in range(start, start + count):
            ts = str(int(time.time()))
            headers = {
                "X-App-Key": APP_KEY,
                "X-Timestamp": ts,
                "X-Signature": signature(SECRET, ts, "", b""),
            }
            number = f"{BENCH_PREFIX}{n:014d}"
            began = time.perf_counter()
            response = client.get(
                f"{base}/api/share/social_insurance/resident_id/{number}", headers=headers
            )
            seconds += time.perf_counter() - began
            if response.status_code != 200:
                errors += 1
    print(json.dumps({"errors": errors, "http_seconds": seconds}))


def start_sandbox(env: dict[str, str], port: int, tmp: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "chengnuo.sandbox", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=open(tmp / "sandbox.log", "wb"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import httpx

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return proc
        time.sleep(0.1)
    raise RuntimeError("the sandbox did not start")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def run_floor(env: dict[str, str], base: str, count: int, workers: int) -> dict[str, Any]:
    share = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
    started = time.monotonic()
    procs = []
    offset = 0
    for n in share:
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--floor-worker", base, str(offset), str(n)],
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
        offset += n
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    wall = time.monotonic() - started
    return {
        "requests": count,
        "seconds": round(wall, 2),
        "requests_per_second": round(count / wall, 1),
        "errors": sum(o["errors"] for o in outs),
        "mean_ms": round(1000 * sum(o["http_seconds"] for o in outs) / count, 2),
    }


def run_workers(env: dict[str, str], workers: int, cap: float, tmp: Path) -> dict[str, Any]:
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "run_online_checks",
                "--loop",
                "--until-empty",
                "--interval",
                "0.5",
                "--limit",
                "200",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(tmp / f"worker{i}.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for i in range(workers)
    ]
    capped = False
    try:
        while any(p.poll() is None for p in procs):
            if time.monotonic() - started > cap:
                capped = True
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            stop(p)
    wall = time.monotonic() - started
    failed = [p.returncode for p in procs if p.returncode not in (0, None) and not capped]
    if failed:
        log((tmp / "worker0.log").read_text(errors="replace")[-3000:])
        raise RuntimeError(f"worker exited with {failed}")
    return {"seconds": wall, "time_capped": capped}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.floor_worker:
        floor_worker(args.floor_worker[0], int(args.floor_worker[1]), int(args.floor_worker[2]))
        return 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-verify-"))
    sandbox: subprocess.Popen | None = None
    try:
        env = bench_env(tmp)
        env["CHENGNUO_SANDBOX_APP_KEY"] = APP_KEY
        env["CHENGNUO_SANDBOX_SECRET"] = SECRET
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        port = free_port()
        base = f"http://{HOST}:{port}"
        sandbox = start_sandbox(env, port, tmp)
        log(f"sandbox up on {base}")
        setup = shell(
            env,
            SETUP % {"count": args.count, "base": base, "app_key": APP_KEY, "secret": SECRET},
        )
        log(f"setup: {setup}")
        floor = run_floor(env, base, args.count, args.workers)
        log(f"floor: {floor}")
        run = run_workers(env, args.workers, args.time_cap, tmp)
        stats = shell(env, REPORT)
        finished = sum(
            n for key, n in stats["by_status_outcome"].items() if key.split("/")[0] == "done"
        )
        wall = run["seconds"]
        report = {
            "machine": {
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "database": "sqlite (WAL, temporary file)",
                "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
            },
            "count": args.count,
            "workers": args.workers,
            "checks_done": finished,
            "seconds": round(wall, 2),
            "checks_per_second": round(finished / wall, 1) if wall else None,
            "http_share_of_worker_time": round(stats["http_seconds"] / (args.workers * wall), 3),
            "mean_http_ms": round(1000 * stats["http_seconds"] / max(1, stats["attempts"]), 2),
            "time_capped": run["time_capped"],
            "outcomes": stats["by_status_outcome"],
            "tasks_concluded": stats["tasks_done"],
            "fallback_tasks": stats["fallback_tasks"],
            "kept_credit_records": stats["kept_credit_records"],
            "audit_events_check_done": stats["audit_events_check_done"],
            "floor_bare_signed_gets": floor,
            "floor_ratio": round(floor["requests_per_second"] / (finished / wall), 1)
            if finished
            else None,
            "setup": setup,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        if sandbox is not None:
            stop(sandbox)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
