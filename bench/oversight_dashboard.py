#!/usr/bin/env python
"""The Justice Bureau's rollout at a glance (/oversight/) over ≥ 1,000,000 cases, and what keeping
its counters costs the case flow.

Creates a throw-away PostgreSQL database (`bench_oversight_<pid>` on DATABASE_URL's server),
migrates it and loads the 阜阳市 demo, then generates --cases cases (default 1,000,000) with
PostgreSQL COPY, spread over the demo's agencies and the last 12 months (10 % under review, 75 %
approved, 10 % rejected, 5 % terminated; every second one by commitment is not modelled: the
generated cases carry no commitment rows), and computes their counters with
`manage.py oversight_rebuild` (timed). It then serves the project with granian (WSGI, as in
production) and loads, with --concurrency clients (default 4), signed in as the city Justice
Bureau's reviewer:

    overview     GET /oversight/                               every agency, the year
    agency       GET /oversight/agency/<busiest>/              its months
    cases        GET /oversight/agency/<busiest>/cases/?measure=submitted   first page

Per target: requests, errors, p50/p95/p99. The case flow is `bench/case_submit.py
--flow create-sign-submit` run twice in this same run, on its own fresh database each time:
with the counters' event handlers (the platform as shipped) and without them
(`bench/oversight_no_counters_settings.py`, OVERSIGHT_COUNTERS = False) — the baseline; the
order alternates with --rounds and the medians are compared (`flow_cost_percent`).

Prints ONE JSON object on stdout; progress goes to stderr. The server is stopped and the
database dropped at the end, also on errors.

    .venv/bin/python bench/oversight_dashboard.py [--cases N] [--requests N] [--concurrency C]
        [--flow-requests N] [--rounds R] [--skip-flow]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import case_submit
from case_submit import DEFAULT_SERVER, admin_sql, bench_env, manage_output, with_database
from catalog_read import (
    HOST,
    ROOT,
    log,
    port_free,
    start_server,
    stop_server,
    summarise,
    wait_healthy,
)

GENERATE = r"""
import datetime as dt, json, os, random
from django.db import connection
from django.utils import timezone
from chengnuo.agencies.models import Agency
from chengnuo.cases.models import Case
from chengnuo.catalog.models import Matter
from chengnuo.credit.models import Subject

n = int(os.environ["BENCH_CASES"])
rng = random.Random(20260101)
matters = list(Matter.objects.values_list("pk", "agency_id"))
subject = Subject.objects.values_list("pk", flat=True).first()
from chengnuo.accounts.models import User
from django.db.models import Count
user = User.objects.values_list("pk", flat=True).first()
now = timezone.now()
fields = [f for f in Case._meta.concrete_fields if f.name != "id"]
cols = [f.column for f in fields]
statuses = ["submitted"] * 10 + ["approved"] * 75 + ["rejected"] * 10 + ["terminated"] * 5
raw = connection.connection
with raw.cursor() as cur:
    with cur.copy(f"COPY {Case._meta.db_table} ({', '.join(cols)}) FROM STDIN") as copy:
        for i in range(n):
            matter, agency = matters[i % len(matters)]
            submitted = now - dt.timedelta(seconds=rng.randrange(365 * 86400))
            status = statuses[i % len(statuses)]
            decided = submitted + dt.timedelta(days=3) if status != "submitted" else None
            if decided is not None and decided > now:
                decided = now
            values = {
                "number": f"BN{i:010d}", "matter": matter, "agency": agency, "subject": subject,
                "started_by": user,
                "channel": "online", "status": status, "risk_level": "A", "risk_score": 0,
                "submitted_at": submitted, "due_date": (submitted + dt.timedelta(days=28)).date(),
                "decided_at": decided, "version": 2, "created_at": submitted,
                "updated_at": decided or submitted,
            }
            row = []
            for f in fields:
                if f.name in values:
                    row.append(values[f.name])
                elif f.null:
                    row.append(None)
                elif f.has_default():
                    row.append(f.get_default())
                else:
                    row.append("")
            copy.write_row(row)
raw.commit()
with connection.cursor() as cur:
    cur.execute(f"ANALYZE {Case._meta.db_table}")
busiest = (
    Case.objects.values("agency_id").order_by().annotate(n=Count("id")).order_by("-n").first()
)
print("BENCH-GEN " + json.dumps({"agency": busiest["agency_id"], "cases": Case.objects.count()}))
"""

SESSION = r"""
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from chengnuo.accounts.models import User
user = User.objects.get(username="sfj_reviewer")
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
cookie = settings.SESSION_COOKIE_NAME
print("BENCH-SESSION " + json.dumps({"key": store.session_key, "cookie": cookie}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases generated")
    parser.add_argument("--requests", type=int, default=200, help="requests per page target")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument("--port", type=int, default=18741, help="port on 127.0.0.1")
    parser.add_argument("--time-cap", type=float, default=120.0, help="seconds per target")
    parser.add_argument("--flow-requests", type=int, default=120, help="case flows per run")
    parser.add_argument("--rounds", type=int, default=2, help="with/without runs each")
    parser.add_argument("--skip-flow", action="store_true", help="measure the pages only")
    parser.add_argument("--server", default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    args = parser.parse_args(argv)
    if args.cases < 1 or args.requests < 1 or args.concurrency < 1 or args.rounds < 1:
        parser.error("--cases, --requests, --concurrency and --rounds must be ≥ 1")
    return args


def shell(env: dict[str, str], code: str, prefix: str, **extra: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        cwd=ROOT,
        env={**env, **extra},
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith(prefix + " ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"shell failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return json.loads(line.removeprefix(prefix + " "))


def pages(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    name = f"bench_oversight_{os.getpid()}"
    admin_sql(args.server, f'CREATE DATABASE "{name}"')
    proc = None
    server_log = open(tmp / "granian.log", "wb")  # noqa: SIM115 (closed in finally)
    try:
        env = bench_env(tmp, with_database(args.server, name))
        started = time.perf_counter()
        manage_output(env, "migrate", "--noinput")
        manage_output(env, "load_demo")
        manage_output(env, "collectstatic", "--noinput", "--verbosity", "0")
        log(f"demo loaded: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        gen = shell(env, GENERATE, "BENCH-GEN", BENCH_CASES=str(args.cases))
        generate_s = time.perf_counter() - started
        log(f"{gen['cases']} cases generated: {generate_s:.1f} s")
        started = time.perf_counter()
        manage_output(env, "oversight_rebuild")
        rebuild_s = time.perf_counter() - started
        log(f"counters rebuilt: {rebuild_s:.1f} s")
        session = shell(env, SESSION, "BENCH-SESSION")
        proc = start_server(env, tmp, args.port, args.workers, server_log)
        base = f"http://{HOST}:{args.port}"
        wait_healthy(base, proc, tmp)
        agency = gen["agency"]
        targets = {
            "overview": ("/oversight/", {}, "推进情况总览"),
            "agency": (f"/oversight/agency/{agency}/", {}, "按月份"),
            "cases": (
                f"/oversight/agency/{agency}/cases/",
                {"measure": "submitted"},
                "办件编号",
            ),
        }
        out: dict[str, Any] = {}
        cookies = {session["cookie"]: session["key"]}
        for key, (path, params, expect) in targets.items():
            with httpx.Client(base_url=base, cookies=cookies, trust_env=False) as c:
                warm = c.get(path, params=params)
                if warm.status_code != 200 or expect not in warm.text:
                    raise RuntimeError(f"{path}: {warm.status_code} {warm.text[:300]}")
            run = _load_with_cookies(base, path, params, expect, cookies, args)
            out[key] = summarise(run)
            log(f"{key}: {out[key]}")
        return {
            "cases": gen["cases"],
            "generate_seconds": round(generate_s, 1),
            "rebuild_seconds": round(rebuild_s, 1),
            "targets": out,
        }
    finally:
        if proc is not None:
            stop_server(proc)
        server_log.close()
        with contextlib.suppress(Exception):
            case_submit.wait_disconnected(args.server, name)
        admin_sql(args.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _load_with_cookies(base, path, params, expect, cookies, args):
    import catalog_read

    def op(client: httpx.Client) -> bool:
        client.cookies.update(cookies)
        response = client.get(path, params=params)
        return response.status_code == 200 and expect in response.text

    return catalog_read.load_op(
        base, op, total=args.requests, concurrency=args.concurrency, cap=args.time_cap
    )


def flow_run(args: argparse.Namespace, *, counters: bool) -> dict[str, Any]:
    """bench/case_submit.py in-process, its environment pointed at the settings wanted."""
    original = case_submit.bench_env

    def env_for(tmp: Path, database_url: str) -> dict[str, str]:
        env = original(tmp, database_url)
        if not counters:
            env["DJANGO_SETTINGS_MODULE"] = "oversight_no_counters_settings"
            env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(Path(__file__).parent)])
        return env

    case_submit.bench_env = env_for
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            code = case_submit.main(
                [
                    "--flow",
                    "create-sign-submit",
                    "--requests",
                    str(args.flow_requests),
                    "--server",
                    args.server,
                    "--stats-settle",
                    "0",
                ]
            )
    finally:
        case_submit.bench_env = original
    if code != 0:
        raise RuntimeError(f"case_submit.py exited {code}")
    text = buffer.getvalue()
    return json.loads(text[text.index("{") :])


def _flows_per_second(result: dict[str, Any]) -> float:
    target = result.get("targets", {}).get("case_flow") or result.get("case_flow") or {}
    return float(target.get("flows_per_second") or target.get("rps") or 0.0)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not port_free(args.port):
        log(f"port {args.port} on {HOST} is in use; choose another with --port")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-oversight-"))
    started = time.perf_counter()
    result: dict[str, Any] = {"benchmark": "oversight_dashboard", "concurrency": args.concurrency}
    result["pages"] = pages(args, tmp)
    if not args.skip_flow:
        runs: dict[str, list[float]] = {"with_counters": [], "without_counters": []}
        raw: dict[str, list[Any]] = {"with_counters": [], "without_counters": []}
        for r in range(args.rounds):
            order = (True, False) if r % 2 == 0 else (False, True)
            for counters in order:
                key = "with_counters" if counters else "without_counters"
                log(f"case flow round {r + 1}: {key} …")
                got = flow_run(args, counters=counters)
                flow = got.get("targets", {}).get("case_flow", {})
                raw[key].append(
                    {k: flow.get(k) for k in ("rps", "p50_ms", "p95_ms", "errors", "deadlocks")}
                )
                runs[key].append(_flows_per_second(got))
        with_c = statistics.median(runs["with_counters"])
        without = statistics.median(runs["without_counters"])
        result["case_flow"] = {
            "flows_per_second": {k: v for k, v in runs.items()},
            "median_with_counters": with_c,
            "median_without_counters": without,
            "flow_cost_percent": round(100 * (without - with_c) / without, 1) if without else None,
            "runs": raw,
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
