"""`manage.py run_log [--loop SECONDS]`: the verifiable log's integrator (ADR 0012) — enter the
queued events into the Merkle log, sign a checkpoint when one is due and have the witnesses
cosign it. With --loop it keeps running; a pass that fails is logged and retried, and
supervisord/systemd restart the process if it dies."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand

from chengnuo.audit import log

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Integrate queued events into the verifiable log, sign and witness checkpoints."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="seconds between passes")
        parser.add_argument(
            "--sign", action="store_true", help="sign a checkpoint now even if none is due"
        )

    def handle(self, *args, **options):
        interval = options["loop"]
        if options["sign"]:
            log.integrate_all()
            checkpoint = log.sign_checkpoint(force=True)
            if checkpoint is not None:
                log.witness(checkpoint)
        while True:
            try:
                done = log.run_once()
                if not interval:
                    s = log.state()
                    self.stdout.write(
                        f"log size {s.size}: {done['integrated']} entered, "
                        f"{done['signed']} checkpoint signed, {done['cosigned']} cosignature(s)"
                    )
            except Exception:  # a failed pass (database restarting) is logged, not fatal
                logger.exception("run_log pass failed")
                if not interval:
                    raise
            if not interval:
                return
            time.sleep(interval)
