#!/usr/bin/env python
"""Photograph the platform's pages as its users see them, with the 阜阳市 demo data.

Same throw-away set-up as bench/catalog_read.py (temporary SQLite database, demo data,
collectstatic, granian on 127.0.0.1), then headless chromium. Chromium sees the platform's CJK
faces (from the Python font package) even on a machine without CJK system fonts.

    .venv/bin/python tools/screenshot.py                         # docs/screenshot.png
    .venv/bin/python tools/screenshot.py --out /tmp/shots \\
        --shot catalog=/catalog/ --shot lookup=clerk@/credit/lookup/ \\
        --shot inspection=rsj_inspector@/verification/inspections/:phone

A shot is NAME=[USER@]PATH[>>SELECTOR][:phone][:full]: the user logs in first (demo
password); `>>SELECTOR` then opens the first link matching it (a case from a list); `phone`
uses a 390×844 viewport, `full` takes the whole page. With --out DIR each shot is DIR/NAME.png.
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
DEMO_PASSWORD = "Fuyang@2026demo"


def browser_env(tmp: Path) -> dict[str, str]:
    sys.path.insert(0, str(ROOT / "src"))
    from chengnuo.documents.fonts import fontconfig_file

    return {**os.environ, "FONTCONFIG_FILE": str(fontconfig_file(tmp / "fontconfig"))}


def parse_shot(spec: str) -> dict:
    name, _, rest = spec.partition("=")
    flags = rest.split(":")
    target, options = flags[0], set(flags[1:])
    user, _, path = target.rpartition("@")
    return {
        "name": name,
        "user": user,
        "path": path,
        "phone": "phone" in options,
        "full": "full" in options,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shot", action="append", default=[], help="NAME=[USER@]PATH[:phone]")
    parser.add_argument("--out", default="", help="directory for NAME.png (default: docs/)")
    parser.add_argument("--port", type=int, default=18732)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    shots = [parse_shot(s) for s in args.shot] or [
        {"name": "screenshot", "user": "", "path": "/catalog/", "phone": False, "full": False}
    ]
    out_dir = Path(args.out) if args.out else ROOT / "docs"
    out_dir.mkdir(parents=True, exist_ok=True)
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
            for shot in shots:
                viewport = (
                    {"width": 390, "height": 844}
                    if shot["phone"]
                    else {"width": 1280, "height": 900}
                )
                context = browser.new_context(
                    viewport=viewport, locale="zh-CN", device_scale_factor=1
                )
                page = context.new_page()
                if shot["user"]:
                    page.goto(base + "/accounts/login/")
                    page.fill("input[name=username]", shot["user"])
                    page.fill("input[name=password]", DEMO_PASSWORD)
                    page.click("main form button[type=submit]")
                    page.wait_for_load_state("networkidle")
                path, _, follow = shot["path"].partition(">>")
                page.goto(base + path, wait_until="networkidle")
                if follow:  # then open the first link matching a CSS selector
                    page.locator(follow).first.click()
                    page.wait_for_load_state("networkidle")
                page.evaluate("document.fonts.ready")
                out = out_dir / f"{shot['name']}.png"
                page.screenshot(path=str(out), full_page=shot["full"])
                log(f"saved {out}")
                context.close()
            browser.close()
        return 0
    finally:
        if proc is not None:
            stop_server(proc)
        server_log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
