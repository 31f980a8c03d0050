#!/usr/bin/env python
"""Read performance of the published catalog (R-7.1), against its own floor.

Sets up a throw-away SQLite database with the 阜阳市 demo data, serves the project with granian
(WSGI, as in production) on 127.0.0.1, and loads three targets in turn:

    healthz         GET /healthz                              the floor: Django with no work
    catalog_search  GET /catalog/?q=证明                       the public search page (HTML)
    catalog_json    GET /api/v1/catalog/items?limit=50         the JSON catalog

Each target gets a warm-up, then a bounded load (N requests, C concurrent keep-alive clients,
a hard time cap). Prints ONE JSON object on stdout; progress goes to stderr. The server is
always stopped and the temporary directory always removed.

    .venv/bin/python bench/catalog_read.py [--requests N] [--concurrency C] [--port P]

See bench/README.md for how to read the numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # traffic never leaves this machine

TARGETS: dict[str, tuple[str, dict[str, str], str]] = {
    # name: (path, query, a text every good response contains)
    "healthz": ("/healthz", {}, "ok"),
    "catalog_search": ("/catalog/", {"q": "证明"}, "证明事项"),
    "catalog_json": ("/api/v1/catalog/items", {"limit": "50"}, '"code"'),
}


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per target")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--port", type=int, default=18731, help="port on 127.0.0.1")
    parser.add_argument("--warmup", type=int, default=100, help="warm-up requests per target")
    parser.add_argument("--time-cap", type=float, default=60.0, help="seconds per target, at most")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0 or args.time_cap <= 0:
        parser.error("--requests and --concurrency must be ≥ 1, --warmup ≥ 0, --time-cap > 0")
    if not 1024 <= args.port <= 65535:
        parser.error("--port must be between 1024 and 65535")
    return args


# --- set-up -----------------------------------------------------------------------------------


def bench_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # always the temporary SQLite database
    env.update(
        {
            "CHENGNUO_SQLITE_PATH": str(tmp / "bench.sqlite3"),
            "CHENGNUO_STATIC_ROOT": str(tmp / "static"),
            "CHENGNUO_MEDIA_ROOT": str(tmp / "media"),
            "CHENGNUO_ENV": "development",
            "CHENGNUO_DEBUG": "false",
            "CHENGNUO_LOG_LEVEL": "ERROR",
            # one address sends the whole load: the rate limits are not what is measured
            "CHENGNUO_RATE_LIMITS": "off",
            "DJANGO_SETTINGS_MODULE": "chengnuo.config.settings",
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
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
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-4000:]}")
    log(f"manage.py {args[0]}: {time.perf_counter() - started:.1f} s")


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def start_server(
    env: dict[str, str], tmp: Path, port: int, workers: int, server_log: Any
) -> subprocess.Popen:
    granian = Path(sys.executable).parent / "granian"
    command = [
        str(granian) if granian.exists() else "granian",
        "--interface",
        "wsgi",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        "8",
        "--backpressure",
        "64",
        "--static-path-route",
        "/static",
        "--static-path-mount",
        str(tmp / "static"),
        "chengnuo.config.wsgi:application",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: we stop exactly what we started
    )


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_healthy(base: str, proc: subprocess.Popen, tmp: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, trust_env=False, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                output = (tmp / "granian.log").read_text(errors="replace")[-4000:]
                raise RuntimeError(f"granian exited with {proc.returncode}:\n{output}")
            try:
                if client.get("/healthz").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise RuntimeError(f"server not healthy after {timeout:.0f} s")


# --- load -------------------------------------------------------------------------------------


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    sent: int = 0
    wall: float = 0.0
    capped: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_op(
    base: str, op: Callable[[httpx.Client], bool], *, total: int, concurrency: int, cap: float
) -> Run:
    """`total` calls of `op` (one or more requests; True when it succeeded) over `concurrency`
    threads, each with its own keep-alive client, within `cap` seconds."""
    run = Run()
    deadline = time.monotonic() + cap

    def worker() -> None:
        local: list[float] = []
        errors = 0
        with httpx.Client(base_url=base, trust_env=False, timeout=30.0) as client:
            while True:
                with run.lock:
                    if run.sent >= total:
                        break
                    if time.monotonic() >= deadline:
                        run.capped = True
                        break
                    run.sent += 1
                started = time.perf_counter()
                try:
                    ok = op(client)
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - started
                if ok:
                    local.append(elapsed)
                else:
                    errors += 1
        with run.lock:
            run.latencies.extend(local)
            run.errors += errors

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(cap + 60)
    run.wall = time.perf_counter() - started
    return run


def load(
    base: str,
    path: str,
    params: dict[str, str],
    expect: str,
    *,
    total: int,
    concurrency: int,
    cap: float,
) -> Run:
    """GET `path` `total` times; a good response is 200 and contains `expect`."""

    def get(client: httpx.Client) -> bool:
        response = client.get(path, params=params)
        return response.status_code == 200 and expect in response.text

    return load_op(base, get, total=total, concurrency=concurrency, cap=cap)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def summarise(run: Run) -> dict[str, Any]:
    values = sorted(run.latencies)
    done = len(values) + run.errors
    return {
        "requests": done,
        "errors": run.errors,
        "seconds": round(run.wall, 3),
        "rps": round(len(values) / run.wall, 1) if run.wall else 0.0,
        "p50_ms": round(percentile(values, 50) * 1000, 2) if values else None,
        "p95_ms": round(percentile(values, 95) * 1000, 2) if values else None,
        "p99_ms": round(percentile(values, 99) * 1000, 2) if values else None,
        "mean_ms": round(statistics.fmean(values) * 1000, 2) if values else None,
        "time_capped": run.capped,
    }


def probe(base: str, path: str, params: dict[str, str]) -> dict[str, Any]:
    """One request to describe the response (size, and the item count of the JSON)."""
    with httpx.Client(base_url=base, trust_env=False, timeout=30.0) as client:
        response = client.get(path, params=params)
    info: dict[str, Any] = {"status": response.status_code, "bytes": len(response.content)}
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            info["items"] = len(body.get("items", []))
            info["count"] = body.get("count")
    return info


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not port_free(args.port):
        log(f"port {args.port} on {HOST} is in use; choose another with --port")
        return 2
    # A plain `kill` of this script still stops the server and removes the directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-bench-"))
    proc: subprocess.Popen | None = None
    server_log = open(tmp / "granian.log", "wb")  # noqa: SIM115 (closed in finally)
    try:
        env = bench_env(tmp)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        base = f"http://{HOST}:{args.port}"
        proc = start_server(env, tmp, args.port, args.workers, server_log)
        wait_healthy(base, proc, tmp)
        log(f"granian up on {base} ({args.workers} workers)")

        targets: dict[str, dict[str, Any]] = {}
        for name, (path, params, expect) in TARGETS.items():
            shape = probe(base, path, params)
            if shape["status"] != 200:
                raise RuntimeError(f"{name}: {path} answered {shape['status']}")
            load(
                base,
                path,
                params,
                expect,
                total=args.warmup,
                concurrency=args.concurrency,
                cap=args.time_cap,
            )
            result = summarise(
                load(
                    base,
                    path,
                    params,
                    expect,
                    total=args.requests,
                    concurrency=args.concurrency,
                    cap=args.time_cap,
                )
            )
            result["response"] = shape
            targets[name] = result
            log(
                f"{name}: {result['rps']} req/s, p50 {result['p50_ms']} ms, "
                f"p95 {result['p95_ms']} ms, errors {result['errors']}"
            )

        floor = targets["healthz"]["rps"]
        ratios = {
            name: round(floor / targets[name]["rps"], 2) if targets[name]["rps"] else None
            for name in ("catalog_search", "catalog_json")
        }
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
                "database": "SQLite (WAL), temporary, demo data",
                "targets": {
                    name: path
                    + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
                    for name, (path, params, _) in TARGETS.items()
                },
            },
            "targets": targets,
            "ratio_vs_floor": ratios,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    finally:
        if proc is not None:
            stop_server(proc)
        server_log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
