"""`python -m chengnuo.sandbox --port 8010`: the sandbox credit and data-sharing platforms."""

from __future__ import annotations

import argparse
import logging

from .server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m chengnuo.sandbox",
        description=(
            "Sandbox credit sharing platform 信用阜阳 and data-sharing platform "
            "(binds 127.0.0.1 only)."
        ),
    )
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    serve(args.port)


if __name__ == "__main__":
    main()
