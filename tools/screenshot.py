#!/usr/bin/env python
"""Take docs/screenshot.png: the public catalog search page with the 阜阳市 demo data.

Same throw-away set-up as bench/catalog_read.py (temporary SQLite database, demo data,
collectstatic, granian on 127.0.0.1), then headless chromium at 1280x900.

    .venv/bin/python tools/screenshot.py [--path /catalog/] [--out docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from catalog_read import (  # noqa: E402
    HOST,
    bench_env,
    log,
    manage,
    port_free,
    start_server,
    stop_server,
    wait_healthy,
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def browser_env(tmp: Path) -> dict[str, str]:
    """Chromium sees the platform's CJK faces (from the Python font package) even on a
    machine without CJK system fonts."""
    sys.path.insert(0, str(ROOT / "src"))
    from chengnuo.documents.fonts import fontconfig_file

    return {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(tmp / "fontconfig"))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", default="/catalog/", help="page to photograph")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    parser.add_argument("--port", type=int, default=18732)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    if not port_free(args.port):
        log(f"port {args.port} is in use; choose another with --port")
        return 2

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="chengnuo-shot-"))
    server_log = open(tmp / "granian.log", "wb")  # noqa: SIM115 (closed in finally)
    proc = None
    try:
        env = bench_env(tmp)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        base = f"http://{HOST}:{args.port}"
        proc = start_server(env, tmp, args.port, 1, server_log)
        wait_healthy(base, proc, tmp)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=args.chromium,
                headless=True,
                args=CHROMIUM_ARGS,
                env=browser_env(tmp),
            )
            context = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="zh-CN", device_scale_factor=1
            )
            page = context.new_page()
            page.goto(base + args.path, wait_until="networkidle")
            page.evaluate("document.fonts.ready")
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=False)
            browser.close()
        log(f"saved {out}")
        return 0
    finally:
        if proc is not None:
            stop_server(proc)
        server_log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
