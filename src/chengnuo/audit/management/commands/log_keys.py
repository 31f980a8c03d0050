"""`manage.py log_keys --dir DIR [--name ORIGIN]`: create the verifiable log's two signing keys
(Ed25519 and SM2, C2SP signed-note skeys) as files readable only by their owner, and print
their verifier keys (vkeys) for the witnesses and the public (ADR 0012). An existing key file
is never overwritten. Point CHENGNUO_LOG_SIGNING_KEYS at the two .skey files."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from chengnuo.tlog import note


class Command(BaseCommand):
    help = "Create the log's Ed25519 and SM2 signing keys; print their verifier keys."

    def add_arguments(self, parser):
        parser.add_argument("--dir", required=True, help="directory for the key files")
        parser.add_argument("--name", default=None, help="key name (default: the log's origin)")

    def handle(self, *args, **options):
        directory = Path(options["dir"])
        directory.mkdir(parents=True, exist_ok=True)
        name = options["name"] or settings.LOG_ORIGIN
        for kind in ("ed25519", "sm2"):
            path = directory / f"log-{kind}.skey"
            if path.exists():
                signer = note.parse_skey(path.read_text(encoding="utf-8"))
                self.stdout.write(f"{path} exists (kept)")
            else:
                signer = note.generate(name, kind)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(signer.skey + "\n")
                self.stdout.write(f"{path} created")
            vkey_path = directory / f"log-{kind}.vkey"
            vkey_path.write_text(signer.verifier.vkey + "\n", encoding="utf-8")
            self.stdout.write(signer.verifier.vkey)
