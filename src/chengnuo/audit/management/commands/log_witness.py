"""`manage.py log_witness --name NAME --dir DIR [--port P]`: run a witness of the verifiable log
as its own process, with its own key and its own storage (ADR 0012). It never opens the
platform's database: what it remembers lives in DIR (``state.json``), next to its signing key
(``witness.skey``, readable only by its owner, created on first start) and its verifier key
(``witness.vkey``, which the platform and the public are given).

The log's verifier keys, origin and hash default to this platform's settings; a witness run by
another agency passes them with ``--log-vkey`` (repeatable, a vkey or a file of vkeys),
``--origin`` and ``--hash``. ``--print-vkey`` prints the witness's verifier key and exits."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chengnuo.tlog import note
from chengnuo.tlog import witness as tlog_witness


def _read_vkeys(values: list[str]) -> list[note.Verifier]:
    found = []
    for value in values:
        path = Path(value)
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else [value]
        found += [note.parse_vkey(line) for line in lines if line.strip()]
    return found


def load_signer(directory: Path, name: str) -> note.Signer:
    """The witness's key from DIR, created (0600, never overwritten) on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    skey = directory / "witness.skey"
    if skey.exists():
        signer = note.parse_skey(skey.read_text(encoding="utf-8"))
        if signer.name != name:
            raise CommandError(f"{skey} belongs to witness {signer.name}, not {name}")
    else:
        signer = note.generate(name, "cosignature/v1")
        fd = os.open(skey, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(signer.skey + "\n")
    vkey = directory / "witness.vkey"
    tmp = vkey.with_suffix(".vkey.tmp")
    tmp.write_text(signer.verifier.vkey + "\n", encoding="utf-8")
    os.replace(tmp, vkey)
    return signer


class Command(BaseCommand):
    help = "Run a witness that cosigns the verifiable log's checkpoints (tlog-witness)."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="the witness's key name")
        parser.add_argument("--dir", required=True, help="the witness's own storage")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=18781)
        parser.add_argument(
            "--log-vkey", action="append", default=[], help="the log's verifier key(s)"
        )
        parser.add_argument("--origin", default=None, help="the log's origin")
        parser.add_argument("--hash", default=None, choices=["sm3", "sha256"])
        parser.add_argument("--print-vkey", action="store_true")

    def handle(self, *args, **options):
        try:
            note._check_name(options["name"])
        except note.NoteError as exc:
            raise CommandError(str(exc)) from exc
        signer = load_signer(Path(options["dir"]), options["name"])
        if options["print_vkey"]:
            self.stdout.write(signer.verifier.vkey)
            return
        try:
            verifiers = _read_vkeys(options["log_vkey"] or settings.LOG_VERIFIER_KEYS)
        except (OSError, note.NoteError) as exc:
            raise CommandError(f"the log's verifier keys: {exc}") from exc
        if not verifiers:
            raise CommandError("no verifier key of the log")
        log = tlog_witness.Log(
            options["origin"] or settings.LOG_ORIGIN,
            tuple(verifiers),
            options["hash"] or settings.LOG_HASH,
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        witness = tlog_witness.Witness(signer, Path(options["dir"]), [log])
        self.stdout.write(
            f"witness {signer.name} of {log.origin} on {options['host']}:{options['port']}"
        )
        self.stdout.flush()
        tlog_witness.serve(witness, options["host"], options["port"])
