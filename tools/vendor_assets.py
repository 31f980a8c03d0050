"""Vendor the front-end assets that no Python package brings (DESIGN.md: no CDN): Apache
ECharts from the npm registry, pinned by version and by the registry's sha512 integrity,
extracted into a git-ignored static directory. Run by `make setup`; does nothing when the file
is already there. Without it the dashboard still works (tables), and says so.

    python tools/vendor_assets.py [--force]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = [
    {
        "name": "echarts",
        "version": "5.6.0",
        "url": "https://registry.npmjs.org/echarts/-/echarts-5.6.0.tgz",
        "integrity": (
            "sha512-oTbVTsXfKuEhxftHqL5xprgLoc0k7uScAwtryCgWF6hPYFLRw"
            "OUHiFmHGCBKP5NPFNkDVopOieyUqYGH8Fa3kA=="
        ),
        "member": "package/dist/echarts.min.js",
        "target": ROOT / "src/chengnuo/oversight/static/oversight/vendor/echarts.min.js",
        "license": "package/LICENSE",
    },
]


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def vendor(asset: dict, *, force: bool = False) -> str:
    target: Path = asset["target"]
    if target.exists() and not force:
        return f"{asset['name']} {asset['version']}: present"
    with urllib.request.urlopen(asset["url"], timeout=60) as response:
        data = response.read()
    got = integrity_of(data)
    if got != asset["integrity"]:
        raise SystemExit(f"{asset['name']}: integrity mismatch ({got} != {asset['integrity']})")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, out in ((asset["member"], target), (asset["license"], None)):
            extracted = tar.extractfile(member)
            if extracted is None:
                raise SystemExit(f"{asset['name']}: {member} missing from the package")
            path = out or target.parent / f"{asset['name']}.LICENSE"
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(extracted.read())
            tmp.replace(path)
    return f"{asset['name']} {asset['version']}: vendored into {target.relative_to(ROOT)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="download again even if present")
    args = parser.parse_args(argv)
    for asset in ASSETS:
        try:
            print(vendor(asset, force=args.force), file=sys.stderr)
        except OSError as exc:  # offline: the pages work without the charts
            print(f"{asset['name']}: not vendored ({exc}); charts stay off", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
