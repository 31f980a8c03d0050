"""`manage.py sandbox --port N`: the sandbox credit platform (see chengnuo.sandbox)."""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the sandbox credit sharing platform 信用阜阳 on 127.0.0.1 (development, tests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8010)

    def handle(self, *args, **options):
        from chengnuo.sandbox.server import serve

        if options["verbosity"] > 1:
            logging.getLogger("chengnuo.sandbox").setLevel(logging.INFO)
        serve(options["port"])
