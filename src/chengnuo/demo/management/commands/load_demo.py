from django.core.management.base import BaseCommand

from chengnuo.demo import data
from chengnuo.demo.loader import load


class Command(BaseCommand):
    help = "Load the 阜阳市 demo data (idempotent: safe to run again)."

    def handle(self, *args, **options):
        counts = load(stdout=self.stdout)
        # the demo's events in the verifiable log at once, with a signed checkpoint (run_log
        # keeps it current and gets it witnessed)
        from chengnuo.audit import log

        counts["log_entries"] = log.integrate_all()
        log.sign_checkpoint(force=True)
        self.stdout.write(
            self.style.SUCCESS(
                "demo data ready: " + ", ".join(f"{k}={v}" for k, v in counts.items())
            )
        )
        self.stdout.write(f"\n演示账号（密码均为 {data.DEMO_PASSWORD}）：")
        for username, display, roles in data.USERS:
            self.stdout.write(f"  {username:<18} {display}  [{', '.join(r for r, _ in roles)}]")
