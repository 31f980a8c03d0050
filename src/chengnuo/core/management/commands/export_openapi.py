"""Write the committed OpenAPI schema of /api/v1 (R-9.2): docs/openapi.json.

`manage.py export_openapi` regenerates the file; `manage.py export_openapi --check` exits
non-zero when the committed file differs from what the code generates (CI and tests use it).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string


def schema_path() -> Path:
    return Path(settings.PROJECT_DIR) / "docs" / "openapi.json"


def render_schema() -> str:
    """The schema as committed: sorted keys, two-space indent, Chinese kept, one final newline."""
    api = import_string(settings.CHENGNUO_API)
    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


class Command(BaseCommand):
    help = "Write the OpenAPI schema of /api/v1 to docs/openapi.json (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit non-zero if docs/openapi.json differs from the generated schema.",
        )

    def handle(self, *args, check: bool = False, **options):
        path = schema_path()
        text = render_schema()
        if check:
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if current != text:
                raise CommandError(
                    f"{path} is stale or missing: run `python manage.py export_openapi` "
                    "and commit the result."
                )
            self.stdout.write(f"{path} is up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"wrote {path}"))
