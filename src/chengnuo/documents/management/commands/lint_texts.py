"""`manage.py lint_texts`: run the text linter (R-3.2) over every latest published notification
and commitment. Prints one line per finding; exits 1 when any finding is blocking."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from chengnuo.documents.selectors import public_latest_versions
from chengnuo.documents.services import content_texts


class Command(BaseCommand):
    help = "Lint every latest published notification/commitment text (R-3.2); exit 1 on blocking."

    def handle(self, *args, **options):
        from chengnuo.documents.linter import lint

        versions = public_latest_versions(in_force_only=False)
        checked = blocking = warnings = 0
        for version in versions.iterator():
            checked += 1
            code = version.content.get("item", {}).get("code", version.item.code)
            for field, text in content_texts(version.content):
                for f in lint(text):
                    if f.severity == "blocking":
                        blocking += 1
                    else:
                        warnings += 1
                    self.stdout.write(
                        f"{code}/{version.kind}/v{version.number}:{field}:{f.line}:{f.column}: "
                        f"{f.severity} [{f.rule_id}] “{f.phrase}” {f.reason}；建议：{f.suggestion}"
                    )
        summary = (
            f"checked {checked} published version(s): {blocking} blocking, {warnings} warning(s)"
        )
        if blocking:
            self.stdout.write(summary)
            raise CommandError(f"{blocking} blocking finding(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
