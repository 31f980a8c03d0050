#!/usr/bin/env python
"""End-to-end case creation + commitment signing over the API, against its own floor.

Creates a throw-away PostgreSQL database (`bench_cases_<pid>` on DATABASE_URL's server, default
postgres://root@127.0.0.1:5432), loads the 阜阳市 demo, adds one applicant account linked to its
own subject with a bearer token, serves the project with granian (WSGI, as in production) on
127.0.0.1 with CHENGNUO_BENCH_ENDPOINTS=true, and loads two targets in turn:

    insert       POST /api/v1/bench/insert       the floor: token auth + one row inserted in a
                                                 transaction, on the same server in the same run
    case_flow    POST /api/v1/cases (Idempotency-Key) + GET …/items/{code}/texts
                 + POST …/items/{code}/commitment (Idempotency-Key): one case created and one
                 commitment signed online by the applicant — one "flow" = 3 requests

Each target gets a warm-up, then a bounded load (N operations, C concurrent keep-alive clients,
a hard time cap). Prints ONE JSON object on stdout; progress goes to stderr. The server is always
stopped, the database dropped and the temporary directory removed. The worker is not started:
the PDF archiving the signing enqueues stays in the database queue.

    .venv/bin/python bench/case_submit.py [--requests N] [--concurrency C] [--port P]

See bench/README.md for how to read the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
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
    stop_server,
    summarise,
    wait_healthy,
)

DEFAULT_SERVER = "postgres://root@127.0.0.1:5432/postgres"

SETUP = r"""
import json, secrets
from stdnum.cn import ric
from chengnuo.accounts.models import ApiToken, User
from chengnuo.cases.services import current_versions
from chengnuo.catalog.constants import ItemStatus
from chengnuo.catalog.selectors import matter_items_in_force
from chengnuo.catalog.models import Matter
from chengnuo.core.digest import digest_bytes
from chengnuo.credit import policies as credit_policies, services as credit_services

chosen = None
for matter in Matter.objects.order_by("code"):
    for item in matter_items_in_force(matter):
        if not item.under_commitment or item.liability_insurance_required:
            continue
        n, c = current_versions(item)
        if n is not None and c is not None:
            chosen = (matter, item)
            break
    if chosen:
        break
assert chosen, "no demo matter with a published commitment text"
matter, item = chosen
clerk = next(u for u in User.objects.order_by("id") if credit_policies.can_register_subject(u))
first17 = "34120219900101" + "777"
subject = credit_services.subject_register(
    actor=clerk, kind="person", name="压测申请人", id_type="resident_id",
    id_value=first17 + ric.calc_check_digit(first17 + "0"),
)
applicant = User.objects.create_user(username="bench-applicant", password=secrets.token_hex(16))
credit_services.subject_link(actor=applicant, user=applicant, subject=subject, relation="self")
token = secrets.token_urlsafe(32)
ApiToken.objects.create(user=applicant, name="bench", key_digest=digest_bytes(token.encode()))
print("BENCH-SETUP " + json.dumps({
    "matter": matter.code, "item": item.code, "subject": subject.pk, "token": token,
}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="operations per target")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients")
    parser.add_argument("--port", type=int, default=18732, help="port on 127.0.0.1")
    parser.add_argument("--warmup", type=int, default=40, help="warm-up operations per target")
    parser.add_argument("--time-cap", type=float, default=90.0, help="seconds per target, at most")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument(
        "--server",
        default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER,
        help="a PostgreSQL URL; only its server is used (a fresh database is created there)",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0 or args.time_cap <= 0:
        parser.error("--requests and --concurrency must be ≥ 1, --warmup ≥ 0, --time-cap > 0")
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
    env.update(
        {
            "DATABASE_URL": database_url,
            "CHENGNUO_BENCH_ENDPOINTS": "true",
            "CHENGNUO_STATIC_ROOT": str(tmp / "static"),
            "CHENGNUO_MEDIA_ROOT": str(tmp / "media"),
            "CHENGNUO_ENV": "development",
            "CHENGNUO_DEBUG": "false",
            "CHENGNUO_LOG_LEVEL": "ERROR",
            "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def setup_world(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH-SETUP ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"setup failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return json.loads(line.removeprefix("BENCH-SETUP "))


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


class Ops:
    def __init__(self, world: dict[str, Any]):
        self.world = world
        self.headers = {"Authorization": f"Bearer {world['token']}"}

    def insert(self, client: httpx.Client) -> bool:
        response = client.post("/api/v1/bench/insert", headers=self.headers)
        return response.status_code == 201

    def case_flow(self, client: httpx.Client) -> bool:
        w = self.world
        created = client.post(
            "/api/v1/cases",
            json={"matter_code": w["matter"], "subject_id": w["subject"]},
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        if created.status_code != 201:
            log(f"create: {created.status_code} {created.text[:300]}")
            return False
        case = created.json()
        base = f"/api/v1/cases/{case['number']}/items/{w['item']}"
        texts = client.get(f"{base}/texts", headers=self.headers)
        if texts.status_code != 200:
            log(f"texts: {texts.status_code} {texts.text[:300]}")
            return False
        t = texts.json()
        signed = client.post(
            f"{base}/commitment",
            json={
                "notification_version_id": t["notification"]["id"],
                "commitment_version_id": t["commitment"]["id"],
                "facts": fact_values(t["commitment"]["content"]),
                "confirmed": True,
                "expected_version": case["version"],
            },
            headers={**self.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        if signed.status_code != 201:
            log(f"sign: {signed.status_code} {signed.text[:300]}")
            return False
        return True


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not port_free(args.port):
        log(f"port {args.port} on {HOST} is in use; choose another with --port")
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    name = f"bench_cases_{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-cases-"))
    proc: subprocess.Popen | None = None
    server_log = open(tmp / "granian.log", "wb")  # noqa: SIM115 (closed in finally)
    created_db = False
    try:
        admin_sql(args.server, f'CREATE DATABASE "{name}"')
        created_db = True
        env = bench_env(tmp, with_database(args.server, name))
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        world = setup_world(env)
        log(f"world: matter {world['matter']}, item {world['item']}")
        base = f"http://{HOST}:{args.port}"
        proc = start_server(env, tmp, args.port, args.workers, server_log)
        (tmp / "static").mkdir(exist_ok=True)
        wait_healthy(base, proc, tmp)
        log(f"granian up on {base} ({args.workers} workers)")

        ops = Ops(world)
        targets: dict[str, dict[str, Any]] = {}
        for target, op in (("insert", ops.insert), ("case_flow", ops.case_flow)):
            kwargs = {"concurrency": args.concurrency, "cap": args.time_cap}
            load_op(base, op, total=args.warmup, **kwargs)
            run = load_op(base, op, total=args.requests, **kwargs)
            result = summarise(run)
            if target == "case_flow":
                result["requests_per_op"] = 3
            targets[target] = result
            log(
                f"{target}: {result['rps']} op/s, p50 {result['p50_ms']} ms, "
                f"p95 {result['p95_ms']} ms, errors {result['errors']}"
            )

        floor, flow = targets["insert"], targets["case_flow"]
        report = {
            "machine": {
                "cpu_count": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
            },
            "config": {
                "requests": args.requests,
                "concurrency": args.concurrency,
                "warmup": args.warmup,
                "time_cap_s": args.time_cap,
                "server": (
                    f"granian wsgi, {args.workers} workers, 8 blocking threads, "
                    f"backpressure 64, {HOST}:{args.port}"
                ),
                "database": f"PostgreSQL, temporary database {name}, demo data",
                "targets": {
                    "insert": "POST /api/v1/bench/insert",
                    "case_flow": "POST /api/v1/cases + GET …/texts + POST …/commitment",
                },
            },
            "targets": targets,
            "throughput_vs_floor": round(flow["rps"] / floor["rps"], 3) if floor["rps"] else None,
            "goal": {
                "case_flow_p95_below_100_ms": bool(flow["p95_ms"] and flow["p95_ms"] < 100),
                "throughput_at_least_40_percent_of_floor": bool(
                    floor["rps"] and flow["rps"] / floor["rps"] >= 0.4
                ),
            },
        }
        if floor["errors"] or flow["errors"]:
            server_log.flush()
            tail = (tmp / "granian.log").read_text(errors="replace")[-6000:]
            log(f"errors; the server's log ends with:\n{tail}")
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        if proc is not None:
            stop_server(proc)
        server_log.close()
        if created_db:
            with contextlib.suppress(Exception):
                admin_sql(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
