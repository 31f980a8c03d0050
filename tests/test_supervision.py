"""Every long-running process of `make run` is supervised (deploy/supervisord.conf): killed, it
comes back and carries on; both web workers killed, granian respawns them; granian's main
process killed, its workers go with it and a new server takes the port; SIGTERM stops
everything, so nothing keeps serving. Runs the real processes on a temporary SQLite database."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from chengnuo.core import schedule

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROGRAMS = (
    "web",
    "worker",
    "pushes",
    "outboxes",
    "checks",
    "reactions",
    "scheduler",
    "log",
    "witness",
    "sandbox",
)

pytestmark = pytest.mark.skipif(
    shutil.which("supervisord", path=str(BIN)) is None, reason="supervisor is installed by uv"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int) -> bool:
    """Running, not ended: a zombie (ended, not yet reaped — in a PID namespace whose first
    process does not reap orphans, it stays one) counts as ended."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait(predicate, timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


class Platform:
    def __init__(self, tmp: Path):
        self.port, self.sandbox_port, self.witness_port = _free_port(), _free_port(), _free_port()
        self.var = tmp / "var"
        self.var.mkdir()
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            CHENGNUO_SQLITE_PATH=str(tmp / "db.sqlite3"),
            CHENGNUO_STATIC_ROOT=str(tmp / "static"),
            CHENGNUO_MEDIA_ROOT=str(tmp / "media"),
            CHENGNUO_ENV="development",
            CHENGNUO_LOG_LEVEL="ERROR",
            DJANGO_SETTINGS_MODULE="chengnuo.config.settings",
            PYTHONPATH=str(ROOT / "src"),
            CHENGNUO_ROOT=str(ROOT),
            CHENGNUO_BIN=str(BIN),
            CHENGNUO_VAR=str(self.var),
            HOST="127.0.0.1",
            PORT=str(self.port),
            SANDBOX_PORT=str(self.sandbox_port),
            WITNESS_PORT=str(self.witness_port),
            CHENGNUO_LOG_WITNESSES=(
                f"市司法局|http://127.0.0.1:{self.witness_port}|{self.var}/witness/sfj/witness.vkey"
            ),
            CHENGNUO_LOG_CHECKPOINT_SECONDS="1",
            # a run left by the killed scheduler is taken up again within seconds, not minutes
            CHENGNUO_SCHEDULER_LEASE_SECONDS="6",
        )
        env.pop("CHENGNUO_TEST_CLOCK", None)
        self.env = env
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        (tmp / "static").mkdir()
        self.proc = subprocess.Popen(
            [str(BIN / "supervisord"), "-c", "deploy/supervisord.conf"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [str(BIN / "supervisorctl"), "-c", "deploy/supervisord.conf", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout

    def status(self) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        for line in self.ctl("status").splitlines():
            parts = line.split()
            if len(parts) >= 2:
                pid = int(parts[3].rstrip(",")) if len(parts) > 3 and parts[2] == "pid" else 0
                out[parts[0]] = (parts[1], pid)
        return out

    def running(self, *names: str) -> bool:
        st = self.status()
        return all(st.get(n, ("", 0))[0] == "RUNNING" for n in names)

    def healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=2).text == "ok"
        except httpx.HTTPError:
            return False

    def granian(self) -> list[tuple[int, int]]:
        """(pid, parent pid) of every granian process on our port."""
        out = subprocess.run(
            ["ps", "-ww", "-eo", "pid=,ppid=,args="], capture_output=True, text=True
        )
        rows = []
        for line in out.stdout.splitlines():
            pid, ppid, args = line.split(None, 2)
            if "granian" in args and f"--port {self.port}" in args:
                rows.append((int(pid), int(ppid)))
        return rows

    def daily_runs(self) -> list[tuple[str, str]]:
        with sqlite3.connect(self.env["CHENGNUO_SQLITE_PATH"]) as db:
            return sorted(db.execute("SELECT job, status FROM core_scheduledrun").fetchall())

    def jobs_due(self) -> list[tuple[str, str]]:
        """The jobs due by the clock the platform's processes run on: the real one (this test
        process may run at CHENGNUO_TEST_CLOCK, tests/conftest.py)."""
        real = subprocess.run(
            [sys.executable, "-c", "import time; print(time.time())"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        when = dt.datetime.fromtimestamp(float(real.stdout), ZoneInfo("Asia/Shanghai"))
        return sorted((j.key, "done") for j in schedule.jobs() if j.at <= when.time())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                # supervisord stops the programs one priority after another, each given its
                # stopwaitsecs: on a loaded machine that takes a while
                self.proc.wait(120)
            except subprocess.TimeoutExpired:  # pragma: no cover
                os.killpg(self.proc.pid, signal.SIGKILL)


@pytest.fixture
def platform(tmp_path):
    p = Platform(tmp_path)
    try:
        _wait(lambda: p.running(*PROGRAMS) and p.healthy(), 90, "every process RUNNING")
        yield p
    finally:
        p.stop()
        for pid, _ in p.granian():  # pragma: no cover - only if the test failed
            os.kill(pid, signal.SIGKILL)


def test_each_process_killed_comes_back_and_sigterm_stops_them_all(platform):
    for name in PROGRAMS:
        old = platform.status()[name][1]
        os.kill(old, signal.SIGKILL)
        _wait(
            lambda n=name, o=old: platform.status()[n][1] not in (0, o) and platform.running(n),
            60,
            f"{name} to come back",
        )
    _wait(platform.healthy, 30, "the web server to answer")
    # both web workers killed: granian's main process starts new ones
    master = platform.status()["web"][1]
    _wait(
        lambda: len([pid for pid, ppid in platform.granian() if ppid == master]) == 2,
        30,
        f"two workers of {master}: {platform.granian()}",
    )
    workers = [pid for pid, ppid in platform.granian() if ppid == master]
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    _wait(
        lambda: len([p for p, pp in platform.granian() if pp == master and p not in workers]) == 2,
        30,
        "granian to respawn its workers",
    )
    _wait(platform.healthy, 30, "the web server to answer after its workers died")
    # granian's main process killed outright: its workers end with it, a new server serves
    os.kill(master, signal.SIGKILL)
    _wait(lambda: platform.running("web") and platform.status()["web"][1] != master, 60, "web")
    _wait(platform.healthy, 30, "the new web server")
    parents = {ppid for _, ppid in platform.granian()}
    assert master not in parents  # no orphaned worker of the killed server left serving

    # the scheduler, killed and restarted, ran each daily job due today once
    _wait(lambda: platform.daily_runs() == platform.jobs_due(), 120, "the daily jobs")

    # SIGTERM (Ctrl-C, a supervisor, a script) stops every process and frees the port
    pids = [pid for _, pid in platform.status().values()]
    pids += [pid for pid, _ in platform.granian()]
    platform.stop()
    assert platform.proc.returncode is not None

    def gone() -> bool:
        return not any(_alive(pid) for pid in pids) and not platform.granian()

    def left() -> list[str]:
        rows = []
        for pid in pids:
            if _alive(pid):
                with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
                    command = f.read().replace(b"\0", b" ").decode(errors="replace")
                    rows.append(f"{pid}: {command[:120]}")
        return rows + [f"granian {row}" for row in platform.granian()]

    try:
        _wait(gone, 60, "every process to end")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still running: {left()}") from None
    assert not platform.healthy()


def test_the_log_is_checkpointed_and_cosigned_by_the_witness_process(platform):
    """`make run` starts the Justice Bureau's witness with its own key and storage: the log's
    checkpoints get its cosignature, and audit_verify checks the database against it."""

    def cosigned() -> dict | None:
        try:
            r = httpx.get(f"http://127.0.0.1:{platform.port}/api/v1/log/checkpoint", timeout=5)
        except httpx.HTTPError:
            return None
        data = r.json() if r.status_code == 200 else {}
        return data if data.get("witnessed") else None

    _wait(lambda: cosigned() is not None, 90, "a witnessed checkpoint")
    checkpoint = cosigned()
    assert [c["witness"] for c in checkpoint["cosignatures"]] == ["市司法局"]
    witness_dir = platform.var / "witness" / "sfj"
    assert (witness_dir / "witness.skey").stat().st_mode & 0o077 == 0
    state = httpx.get(f"http://127.0.0.1:{platform.witness_port}/checkpoint", timeout=5).text
    assert checkpoint["root_hash"] and state.splitlines()[1] == str(checkpoint["size"])
    verified = subprocess.run(
        [sys.executable, "manage.py", "audit_verify"],
        cwd=ROOT,
        env=platform.env,
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr
    assert "witnessed by 市司法局" in verified.stdout
