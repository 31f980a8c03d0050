#!/usr/bin/env python
"""A burst of complaints on the public form (R-8.1): 1,000 submissions from 16 clients at once,
none lost, and every receipt answers.

Creates a throw-away PostgreSQL database (`bench_complaints_<pid>` on --server), migrates it,
loads the 阜阳市 demo, and serves the platform with granian (WSGI, as in production) on
127.0.0.1. Then:

    floor      GET /healthz from the same clients in the same run (the server's own floor)
    burst      each of --clients threads (default 16) with its own cookie jar sends its share of
               --submissions (default 1,000): GET /complaints/new/ (the CSRF token) and POST the
               form (kind 要求提供已实行告知承诺的证明, a published agency, matter and item of the
               demo, a text, a contact: its own phone number for every 5th, anonymous
               otherwise). An answer 201 carries the receipt code and the secret; anything
               else is counted by status. A 409 `busy_retry` (ADR 0010) is sent again, as the
               page tells people to.
    follow     every receipt (code + secret) is looked up at POST /complaints/receipt/ by the
               same clients: it must answer 200 with the code and the status 待受理.
    count      the database must hold exactly one complaint per receipt, and no more.

What is switched off, and why: the CAPTCHA (`CHENGNUO_COMPLAINTS_CAPTCHA=false`: a machine
cannot read it, which is its point) and the per-address rate limit (`CHENGNUO_RATE_LIMITS=off`:
all 16 clients are 127.0.0.1, and the limit would answer 429 long before 1,000); both are
tested in tests/test_complaints_intake.py and tests/test_rate_limits.py. The per-contact limit
stays on: each phone number is used at most once.

JSON on stdout: counts (sent, receipts, lost, by status, retries), p50/p95/p99 of a submission
and of a lookup, submissions per second, the floor's p50/p95, the database count.

    .venv/bin/python bench/complaints_burst.py
    .venv/bin/python bench/complaints_burst.py --submissions 200 --clients 8   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from case_submit import (  # noqa: E402
    admin_sql,
    bench_env,
    free_port,
    manage_output,
    stop_group,
    with_database,
)
from catalog_read import start_server, wait_healthy  # noqa: E402

HOST = "127.0.0.1"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RECEIPT = re.compile(r"受理编号</dt><dd><strong>([A-Z0-9]+)</strong>")
SECRET = re.compile(r"查询码</dt><dd><strong>([A-Za-z0-9]+)</strong>")
TEXT = (
    "窗口工作人员要求提供已实行告知承诺制的证明材料，"
    "与公布的告知承诺制办理要求不符，请核查。第{n}件。"
)

CONCERNS = """
import json
from chengnuo.catalog.models import CertificationItem
item = (
    CertificationItem.objects.filter(matters__isnull=False)
    .exclude(disclosure_scope="")
    .order_by("code")
    .first()
) or CertificationItem.objects.filter(matters__isnull=False).order_by("code").first()
matter = item.matters.order_by("code").first()
found = {"agency": matter.agency_id, "matter": matter.pk, "item": item.pk}
print("BENCH-CONCERNS " + json.dumps(found))
"""


def log(message: str) -> None:
    print(f"[complaints_burst {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def spread(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), "p50_ms": pct(values, 0.5), "p95_ms": pct(values, 0.95),
            "p99_ms": pct(values, 0.99)}  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL server URL")
    p.add_argument("--submissions", type=int, default=1000)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument("--floor-requests", type=int, default=2000)
    p.add_argument("--time-cap", type=float, default=900, help="seconds for the burst")
    return p.parse_args(argv)


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.submit: list[float] = []
        self.follow: list[float] = []
        self.receipts: list[tuple[str, str]] = []
        self.statuses: dict[str, int] = {}
        self.follow_bad: list[str] = []
        self.retries = 0

    def status(self, key: str) -> None:
        with self.lock:
            self.statuses[key] = self.statuses.get(key, 0) + 1


def submit_one(client: httpx.Client, base: str, n: int, concerns: dict[str, int], r: Results,
               deadline: float) -> None:  # fmt: skip
    data = {
        "kind": "proof_demanded",
        "agency": str(concerns["agency"]),
        "matter": str(concerns["matter"]),
        "item": str(concerns["item"]),
        "text": TEXT.format(n=n),
    }
    if n % 5 == 0:
        data.update(name="测试市民", phone=f"139{n:08d}")
    else:
        data["anonymous"] = "on"
    while time.monotonic() < deadline:
        page = client.get(f"{base}/complaints/new/")
        token = CSRF.search(page.text)
        if page.status_code != 200 or not token:
            r.status(f"form_{page.status_code}")
            return
        began = time.perf_counter()
        answer = client.post(
            f"{base}/complaints/new/", data={**data, "csrfmiddlewaretoken": token.group(1)}
        )
        took = time.perf_counter() - began
        if answer.status_code == 409:
            with r.lock:
                r.retries += 1
            continue
        r.status(str(answer.status_code))
        code, secret = RECEIPT.search(answer.text), SECRET.search(answer.text)
        if answer.status_code == 201 and code and secret:
            with r.lock:
                r.submit.append(took)
                r.receipts.append((code.group(1), secret.group(1)))
        elif answer.status_code == 201:
            r.status("201_without_receipt")
        return


def follow_one(client: httpx.Client, base: str, code: str, secret: str, r: Results) -> None:
    page = client.get(f"{base}/complaints/receipt/")
    token = CSRF.search(page.text)
    began = time.perf_counter()
    answer = client.post(
        f"{base}/complaints/receipt/",
        data={
            "code": code,
            "secret": secret,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
    )
    took = time.perf_counter() - began
    ok = answer.status_code == 200 and code in answer.text and "待受理" in answer.text
    with r.lock:
        r.follow.append(took)
        if not ok:
            r.follow_bad.append(f"{code}: HTTP {answer.status_code}")


def run_clients(clients: int, jobs: list[Any], work: Any) -> None:
    """`clients` threads, each with its own cookie jar, taking jobs in turn."""
    index = {"next": 0}
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(timeout=60) as client:
            while True:
                with lock:
                    i = index["next"]
                    index["next"] += 1
                if i >= len(jobs):
                    return
                try:
                    work(client, jobs[i])
                except httpx.HTTPError as exc:
                    log(f"client error: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    name = f"bench_complaints_{os.getpid()}"
    database_url = with_database(args.server, name)
    tmp = Path(tempfile.mkdtemp(prefix="complaints-burst-"))
    env = bench_env(tmp, database_url)
    env.pop("CHENGNUO_BENCH_ENDPOINTS", None)
    env.update({"CHENGNUO_COMPLAINTS_CAPTCHA": "false", "CHENGNUO_RATE_LIMITS": "off"})
    report: dict[str, Any] = {"config": vars(args), "machine": {"cpus": os.cpu_count()}}
    procs: list[subprocess.Popen] = []
    admin_sql(args.server, f'CREATE DATABASE "{name}"')
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        t = time.perf_counter()
        manage_output(env, "migrate", "--no-input", "-v", "0")
        manage_output(env, "load_demo")
        out = manage_output(env, "shell", "-c", CONCERNS)
        concerns = json.loads(
            next(x for x in out.splitlines() if x.startswith("BENCH-CONCERNS ")).split(" ", 1)[1]
        )
        log(f"world ready in {time.perf_counter() - t:.1f} s; concerns {concerns}")
        port = free_port()
        base = f"http://{HOST}:{port}"
        server_log = open(tmp / "granian.log", "wb")  # noqa: SIM115 (closed at exit)
        (tmp / "static").mkdir(exist_ok=True)
        procs.append(start_server(env, tmp, port, args.workers, server_log))
        wait_healthy(base, procs[-1], tmp)
        log(f"granian up on {base} ({args.workers} workers)")

        floor: list[float] = []
        floor_lock = threading.Lock()

        def healthz(client: httpx.Client, _: int) -> None:
            began = time.perf_counter()
            client.get(f"{base}/healthz")
            with floor_lock:
                floor.append(time.perf_counter() - began)

        run_clients(args.clients, list(range(args.floor_requests)), healthz)
        report["floor_healthz"] = spread(floor)

        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            demo = {row[0] for row in conn.execute("SELECT number FROM complaints_complaint")}
        r = Results()
        deadline = time.monotonic() + args.time_cap
        began = time.perf_counter()
        run_clients(
            args.clients,
            list(range(1, args.submissions + 1)),
            lambda client, n: submit_one(client, base, n, concerns, r, deadline),
        )
        burst_seconds = time.perf_counter() - began
        run_clients(
            args.clients,
            list(r.receipts),
            lambda client, rc: follow_one(client, base, rc[0], rc[1], r),
        )
        with psycopg.connect(database_url, autocommit=True) as conn:
            every = {row[0] for row in conn.execute("SELECT number FROM complaints_complaint")}
        numbers = every - demo  # what the burst stored
        stored = len(numbers)
        codes = {code for code, _ in r.receipts}
        report.update(
            {
                "sent": args.submissions,
                "receipts": len(r.receipts),
                "distinct_receipts": len(codes),
                "lost": args.submissions - len(codes & numbers),
                "stored": stored,
                "demo_complaints_before": len(demo),
                "stored_without_receipt": len(numbers - codes),
                "by_status": dict(sorted(r.statuses.items())),
                "retries_after_409": r.retries,
                "burst_seconds": round(burst_seconds, 2),
                "submissions_per_second": round(len(r.receipts) / burst_seconds, 1),
                "submit": spread(r.submit),
                "receipt_lookups": len(r.follow),
                "receipts_not_answering": len(r.follow_bad),
                "receipts_not_answering_examples": r.follow_bad[:5],
                "lookup": spread(r.follow),
            }
        )
        report["ok"] = (
            report["lost"] == 0
            and stored == args.submissions
            and report["receipts_not_answering"] == 0
            and len(r.follow) == len(r.receipts)
        )
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0 if report["ok"] else 1
    finally:
        stop_group(procs)
        for _ in range(50):
            try:
                admin_sql(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except Exception:
                time.sleep(0.2)


if __name__ == "__main__":
    raise SystemExit(main())
