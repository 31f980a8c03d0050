#!/usr/bin/env python3
"""Check the platform's transparency log offline: checkpoints, cosignatures, inclusion and
consistency proofs, and the receipts given to committers.

Needs only Python 3.11+ with the `cryptography` and `gmssl` packages: no Django, no database,
no network. Everything is read from files (or standard input, ``-``) and from the public keys
given on the command line, so nothing the platform says has to be trusted.

    python tools/logverify.py checkpoint CHECKPOINT --log-key KEY [--log-key KEY ...]
        [--witness-key KEY ...] [--quorum N] [--origin ORIGIN]
    python tools/logverify.py inclusion --checkpoint CHECKPOINT --log-key KEY ...
        --index I [--leaf-hash HEX] --proof PROOF.json
    python tools/logverify.py consistency --old CHECKPOINT --new CHECKPOINT --log-key KEY ...
        --proof PROOF.json
    python tools/logverify.py receipt RECEIPT.json --log-key KEY ... [--witness-key KEY ...]

KEY is a verifier key (``name+keyid+base64``) or a file holding one per line. A checkpoint is
the signed note (with the witnesses' cosignature lines), or the JSON of
``GET /api/v1/log/checkpoint``. The proofs are the JSON of ``GET /api/v1/log/proofs/…``.
``--hash sm3|sha256`` names the log's hash (default: the receipt's, otherwise SM3).

Exit status: 0 everything checked holds; 1 a check failed (a signature, a cosignature, a
proof); 2 the command line or an input is wrong or unreadable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

_SRC = Path(__file__).resolve().parent.parent / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

from chengnuo.tlog import merkle, note  # noqa: E402  (after the path is set)

RECEIPT_FORMAT = "chengnuo-log-receipt/v1"
MAX_INPUT_BYTES = 1 << 20
MAX_PATH = 64
MAX_INT = (1 << 63) - 1
LOG_KINDS = ("ed25519", "sm2")
WITNESS_KINDS = ("cosignature/v1",)
KIND_LABELS = {"ed25519": "Ed25519", "sm2": "SM2", "cosignature/v1": "cosignature/v1"}
HASH_LABELS = {"sm3": "SM3", "sha256": "SHA-256"}

_VKEY = re.compile(r"[^\s+]+\+[0-9a-fA-F]{8}\+[A-Za-z0-9+/]+={0,2}")
_HEX_HASH = re.compile(r"[0-9a-fA-F]{64}")
_TIME_LINE = re.compile(r"time ([0-9]{1,19})")


class Unreadable(Exception):
    """The command line or an input is wrong: exit status 2."""


class Failed(Exception):
    """A check does not hold: exit status 1."""


# --- reading inputs ----------------------------------------------------------------------------


def _show(value: Any, limit: int = 60) -> str:
    """A value from an input, quoted and shortened, safe to put in a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read(path: str, what: str) -> bytes:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise Unreadable(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_INPUT_BYTES:
        raise Unreadable(f"the {what} {path} is larger than {MAX_INPUT_BYTES} bytes")
    return data


def _name(path: str) -> str:
    return "standard input" if path == "-" else path


def _one_stdin(*paths: str) -> None:
    if sum(1 for p in paths if p == "-") > 1:
        raise Unreadable("only one input can be read from standard input ('-')")


def _json(data: bytes, what: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in items:
            if key in found:
                raise ValueError(f"the field {_show(key)} appears twice")
            found[key] = value
        return found

    def constant(name: str) -> NoReturn:
        raise ValueError(f"{name} is not a JSON number")

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"the {what} is not UTF-8 text") from exc
    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except (ValueError, RecursionError) as exc:
        raise Unreadable(f"the {what} is not valid JSON: {exc}") from exc


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unreadable(f"the {what} is not a JSON object")
    return value


def _field(obj: dict[str, Any], key: str, what: str) -> Any:
    if key not in obj:
        raise Unreadable(f'the {what} has no "{key}" field')
    return obj[key]


def _int(obj: dict[str, Any], key: str, what: str) -> int:
    value = _field(obj, key, what)
    if type(value) is not int or not 0 <= value <= MAX_INT:
        raise Unreadable(f'"{key}" in the {what} is not a non-negative integer: {_show(value)}')
    return value


def _hash(value: Any, where: str) -> bytes:
    if not isinstance(value, str) or not _HEX_HASH.fullmatch(value):
        raise Unreadable(f"{where} is not a 32-byte hash in hex (64 hex digits): {_show(value)}")
    return bytes.fromhex(value)


def _hash_field(obj: dict[str, Any], key: str, what: str) -> bytes:
    return _hash(_field(obj, key, what), f'"{key}" in the {what}')


def _path(obj: dict[str, Any], what: str) -> list[bytes]:
    value = _field(obj, "path", what)
    if not isinstance(value, list):
        raise Unreadable(f'"path" in the {what} is not a list of hashes')
    if len(value) > MAX_PATH:
        raise Unreadable(f'"path" in the {what} has {len(value)} hashes; at most {MAX_PATH}')
    return [_hash(item, f'hash {i} of "path" in the {what}') for i, item in enumerate(value)]


def _natural(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) > MAX_INT:
        raise argparse.ArgumentTypeError(f"not a non-negative integer: {_show(text)}")
    return int(text)


# --- keys --------------------------------------------------------------------------------------


def describe(key: note.Verifier) -> str:
    return f"{key.name} {key.id.hex()} ({KIND_LABELS.get(key.kind, key.kind)})"


def _parse_key(text: str, where: str) -> note.Verifier:
    if text.startswith("PRIVATE+KEY+"):
        raise Unreadable(f"{where} is a private signing key; give the public verifier key")
    try:
        return note.parse_vkey(text)
    except note.NoteError as exc:
        raise Unreadable(f"{where} is not a valid verifier key: {exc}") from exc


def load_keys(values: Sequence[str], option: str, kinds: Sequence[str]) -> list[note.Verifier]:
    keys: list[note.Verifier] = []
    for value in values:
        text = value.strip()
        if text.startswith("PRIVATE+KEY+"):
            raise Unreadable(f"{option} was given a private signing key; give the verifier key")
        if _VKEY.fullmatch(text):
            entries = [(text, f"the {option} {text.split('+', 1)[0]}")]
        else:
            try:
                with open(value, "rb") as f:
                    raw = f.read(MAX_INPUT_BYTES + 1)
                content = raw.decode("utf-8-sig")
            except FileNotFoundError as exc:
                raise Unreadable(
                    f"{option} {_show(value)} is neither a verifier key (name+keyid+base64) "
                    "nor an existing file"
                ) from exc
            except (OSError, UnicodeDecodeError) as exc:
                raise Unreadable(f"cannot read the key file {value} given to {option}") from exc
            entries = [
                (line.strip(), f"line {n} of the key file {value}")
                for n, line in enumerate(content.splitlines(), 1)
                if line.strip() and not line.strip().startswith("#")
            ]
            if not entries:
                raise Unreadable(f"the key file {value} given to {option} holds no key")
        for key_text, where in entries:
            key = _parse_key(key_text, where)
            if key.kind not in kinds:
                allowed = " or ".join(KIND_LABELS[k] for k in kinds)
                raise Unreadable(
                    f"{where} is a {KIND_LABELS.get(key.kind, key.kind)} key; "
                    f"{option} takes {allowed} keys"
                )
            if all((k.name, k.id) != (key.name, key.id) for k in keys):
                keys.append(key)
    return keys


@dataclass
class Keys:
    log: list[note.Verifier]
    witnesses: list[note.Verifier]
    quorum: int
    origin: str | None


def load_key_options(args: argparse.Namespace) -> Keys:
    log_keys = load_keys(args.log_key, "--log-key", LOG_KINDS)
    witnesses = load_keys(args.witness_key or [], "--witness-key", WITNESS_KINDS)
    quorum = len(witnesses) if args.quorum is None else args.quorum
    if quorum > len(witnesses):
        raise Unreadable(
            f"--quorum {quorum} is more than the {len(witnesses)} witness key(s) given"
        )
    return Keys(log_keys, witnesses, quorum, args.origin)


def hasher_for(args: argparse.Namespace, default: str = "sm3") -> merkle.Hasher:
    return merkle.Hasher(getattr(args, "hash", None) or default)


# --- checkpoints -------------------------------------------------------------------------------


@dataclass
class Loaded:
    what: str
    signed: note.Note
    checkpoint: note.Checkpoint


def load_checkpoint(data: bytes, what: str) -> Loaded:
    """Parse a signed checkpoint (or the API's JSON holding one); a malformed one is
    Unreadable. Nothing is verified here."""
    if data.lstrip()[:1] == b"{":
        obj = _object(_json(data, what), what)
        text = obj.get("note", obj.get("checkpoint"))
        if not isinstance(text, str):
            raise Unreadable(f'the {what} is JSON without a "note" field holding the checkpoint')
        data = text.encode("utf-8")
    if b"\r" in data:
        raise Unreadable(
            f"the {what} contains carriage returns (Windows line ends?); "
            "a checkpoint uses LF line ends only"
        )
    try:
        signed = note.parse_note(data)
    except note.NoteError as exc:
        raise Unreadable(f"the {what} is not a signed note: {exc}") from exc
    try:
        checkpoint = note.parse_checkpoint(signed.text)
    except ValueError as exc:
        raise Unreadable(f"the {what} is not a checkpoint: {exc}") from exc
    if checkpoint.text != signed.text:
        raise Unreadable(f"the {what} is not written in the checkpoint's canonical form")
    return Loaded(what, signed, checkpoint)


def checkpoint_time(checkpoint: note.Checkpoint) -> int | None:
    for line in checkpoint.extensions:
        found = _TIME_LINE.fullmatch(line)
        if found:
            return int(found.group(1))
    return None


def when(timestamp: int | None) -> str:
    if timestamp is None:
        return "not given"
    try:
        moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return f"{timestamp} (Unix time)"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({timestamp})"


def check_checkpoint(loaded: Loaded, keys: Keys) -> list[note.Verifier]:
    """Check the log's signatures and the witnesses' cosignatures and print what holds;
    returns the witnesses that cosigned."""
    signed, checkpoint, what = loaded.signed, loaded.checkpoint, loaded.what
    signers: list[note.Verifier] = []
    for key in keys.log:
        try:
            if note.verified_by(signed, [key]):
                signers.append(key)
        except note.NoteError as exc:
            raise Failed(
                f"the {what} carries a signature by the log key {describe(key)} that does not "
                "verify: the checkpoint was altered or the signature forged"
            ) from exc
    if not signers:
        raise Failed(f"the {what} is not signed by any of the log keys given")
    for kind in LOG_KINDS:
        if any(k.kind == kind for k in keys.log) and all(s.kind != kind for s in signers):
            raise Failed(f"the {what} has no valid signature by the log's {KIND_LABELS[kind]} key")
    if keys.origin is not None and checkpoint.origin != keys.origin:
        raise Failed(
            f"the {what} is of the log {_show(checkpoint.origin)}, not {_show(keys.origin)}"
        )
    cosigned: list[tuple[note.Verifier, int | None]] = []
    for key in keys.witnesses:
        try:
            if note.verified_by(signed, [key]):
                cosigned.append((key, note.cosignature_time(signed, key)))
        except note.NoteError as exc:
            raise Failed(
                f"the {what} carries a cosignature by the witness {describe(key)} that does "
                "not verify"
            ) from exc

    print(f"{what}:")
    print(f"  origin          {checkpoint.origin}")
    print(f"  size            {checkpoint.size}")
    print(f"  root hash       {checkpoint.root_hash.hex()}")
    print(f"  time            {when(checkpoint_time(checkpoint))}")
    for line in checkpoint.extensions:
        if not _TIME_LINE.fullmatch(line):
            print(f"  extension       {line}")
    for key in signers:
        print(f"  log signature   {describe(key)}: valid")
    done = {(k.name, k.id): t for k, t in cosigned}
    for key in keys.witnesses:
        if (key.name, key.id) in done:
            print(f"  witness         {describe(key)}: cosigned at {when(done[key.name, key.id])}")
        else:
            print(f"  witness         {describe(key)}: no cosignature")
    if keys.witnesses:
        print(
            f"  witnesses       {len(cosigned)} of {len(keys.witnesses)} cosigned, "
            f"{keys.quorum} required"
        )
    if len(cosigned) < keys.quorum:
        raise Failed(
            f"only {len(cosigned)} of the {len(keys.witnesses)} witnesses given cosigned the "
            f"{what}; {keys.quorum} required"
        )
    return [k for k, _ in cosigned]


def _signed_summary(cosigned: list[note.Verifier], keys: Keys) -> str:
    if not keys.witnesses:
        return "signed by the log (no witness keys given, cosignatures not checked)"
    return f"signed by the log and cosigned by {len(cosigned)} of {len(keys.witnesses)} witnesses"


# --- subcommands -------------------------------------------------------------------------------


def cmd_checkpoint(args: argparse.Namespace) -> None:
    keys = load_key_options(args)
    loaded = load_checkpoint(_read(args.file, "checkpoint"), f"checkpoint {_name(args.file)}")
    cosigned = check_checkpoint(loaded, keys)
    print(f"OK: the checkpoint is {_signed_summary(cosigned, keys)}")


@dataclass
class Inclusion:
    index: int
    size: int
    leaf_hash: bytes
    path: list[bytes]


def load_inclusion(obj: Any, what: str) -> Inclusion:
    obj = _object(obj, what)
    return Inclusion(
        _int(obj, "index", what),
        _int(obj, "size", what),
        _hash_field(obj, "leaf_hash", what),
        _path(obj, what),
    )


def check_inclusion(
    h: merkle.Hasher, proof: Inclusion, index: int, leaf_hash: bytes, loaded: Loaded
) -> None:
    checkpoint = loaded.checkpoint
    if proof.index != index:
        raise Failed(f"the inclusion proof is for entry {proof.index}, not entry {index}")
    if proof.leaf_hash != leaf_hash:
        raise Failed(
            f"the inclusion proof is for the leaf hash {proof.leaf_hash.hex()}, "
            f"not {leaf_hash.hex()}"
        )
    if proof.size != checkpoint.size:
        raise Failed(
            f"the inclusion proof is for a tree of size {proof.size}, but the {loaded.what} "
            f"has size {checkpoint.size}"
        )
    try:
        merkle.verify_inclusion(h, index, proof.size, leaf_hash, proof.path, checkpoint.root_hash)
    except merkle.ProofError as exc:
        raise Failed(
            f"the inclusion proof does not hold ({HASH_LABELS[h.algorithm]}): {exc}"
        ) from exc
    print("inclusion proof:")
    print(f"  entry index     {index}")
    print(f"  leaf hash       {leaf_hash.hex()}")
    print(f"  tree size       {proof.size}")
    print(f"  proof           {len(proof.path)} hash(es), {HASH_LABELS[h.algorithm]}: valid")


def cmd_inclusion(args: argparse.Namespace) -> None:
    _one_stdin(args.checkpoint, args.proof)
    keys = load_key_options(args)
    leaf_arg = None if args.leaf_hash is None else _hash(args.leaf_hash.strip(), "--leaf-hash")
    loaded = load_checkpoint(
        _read(args.checkpoint, "checkpoint"), f"checkpoint {_name(args.checkpoint)}"
    )
    proof_what = f"inclusion proof {_name(args.proof)}"
    proof = load_inclusion(_json(_read(args.proof, "inclusion proof"), proof_what), proof_what)
    h = hasher_for(args)
    cosigned = check_checkpoint(loaded, keys)
    leaf = proof.leaf_hash if leaf_arg is None else leaf_arg
    check_inclusion(h, proof, args.index, leaf, loaded)
    print(
        f"OK: entry {args.index} (leaf hash {leaf.hex()}) is in the log "
        f"{loaded.checkpoint.origin} of size {loaded.checkpoint.size}, "
        f"{_signed_summary(cosigned, keys)}"
    )


def cmd_consistency(args: argparse.Namespace) -> None:
    _one_stdin(args.old, args.new, args.proof)
    keys = load_key_options(args)
    old = load_checkpoint(_read(args.old, "old checkpoint"), f"old checkpoint {_name(args.old)}")
    new = load_checkpoint(_read(args.new, "new checkpoint"), f"new checkpoint {_name(args.new)}")
    what = f"consistency proof {_name(args.proof)}"
    obj = _object(_json(_read(args.proof, "consistency proof"), what), what)
    first, second, path = _int(obj, "from", what), _int(obj, "to", what), _path(obj, what)
    h = hasher_for(args)
    old_cosigned = check_checkpoint(old, keys)
    new_cosigned = check_checkpoint(new, keys)
    a, b = old.checkpoint, new.checkpoint
    if a.origin != b.origin:
        raise Failed(
            f"the checkpoints are of different logs: {_show(a.origin)} and {_show(b.origin)}"
        )
    for loaded in (old, new):
        if loaded.checkpoint.size == 0 and loaded.checkpoint.root_hash != h.empty():
            raise Failed(
                f"the {loaded.what} is of the empty tree but its root hash is not that of the "
                f"empty tree ({HASH_LABELS[h.algorithm]})"
            )
    if (first, second) != (a.size, b.size):
        raise Failed(
            f"the consistency proof is from size {first} to size {second}, but the "
            f"checkpoints have sizes {a.size} and {b.size}"
        )
    try:
        merkle.verify_consistency(h, a.size, b.size, a.root_hash, b.root_hash, path)
    except merkle.ProofError as exc:
        raise Failed(
            f"the consistency proof does not hold ({HASH_LABELS[h.algorithm]}): {exc}"
        ) from exc
    print("consistency proof:")
    print(f"  from size       {a.size}")
    print(f"  to size         {b.size}")
    print(f"  proof           {len(path)} hash(es), {HASH_LABELS[h.algorithm]}: valid")
    print(
        f"OK: the log {b.origin} at size {b.size} extends its state at size {a.size} "
        f"(old checkpoint {_signed_summary(old_cosigned, keys)}; "
        f"new checkpoint {_signed_summary(new_cosigned, keys)})"
    )


def cmd_receipt(args: argparse.Namespace) -> None:
    keys = load_key_options(args)
    what = f"receipt {_name(args.file)}"
    receipt = _object(_json(_read(args.file, "receipt"), what), what)
    kind = _field(receipt, "format", what)
    if kind != RECEIPT_FORMAT:
        raise Unreadable(f"the {what} is not a {RECEIPT_FORMAT} receipt (format {_show(kind)})")
    algorithm = receipt.get("hash_algorithm")
    if algorithm is not None and algorithm not in merkle.ALGORITHMS:
        raise Unreadable(f"the {what} names an unknown hash algorithm {_show(algorithm)}")
    origin = _field(receipt, "origin", what)
    if not isinstance(origin, str):
        raise Unreadable(f'"origin" in the {what} is not a string')
    index = _int(receipt, "index", what)
    leaf = _hash_field(receipt, "leaf_hash", what)
    text = _field(receipt, "checkpoint", what)
    if not isinstance(text, str):
        raise Unreadable(f'"checkpoint" in the {what} is not the text of a signed checkpoint')
    loaded = load_checkpoint(text.encode("utf-8"), f"checkpoint in the {what}")
    proof = load_inclusion(_field(receipt, "inclusion", what), f'"inclusion" of the {what}')
    chosen = getattr(args, "hash", None)
    h = hasher_for(args, algorithm or "sm3")
    if chosen and algorithm and chosen != algorithm:
        print(f"note: checking with --hash {chosen}; the receipt names {algorithm}")
    print(f"receipt {_name(args.file)}: entry {index} of the log {origin}")
    cosigned = check_checkpoint(loaded, keys)
    if loaded.checkpoint.origin != origin:
        raise Failed(
            f"the receipt names the log {_show(origin)}, but its checkpoint is of the log "
            f"{_show(loaded.checkpoint.origin)}"
        )
    check_inclusion(h, proof, index, leaf, loaded)
    print(
        f"OK: entry {index} (leaf hash {leaf.hex()}) is in the log {origin} of size "
        f"{loaded.checkpoint.size}, {_signed_summary(cosigned, keys)}"
    )


# --- command line ------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


EPILOG = (
    "Exit status: 0 all checks hold, 1 a check failed, 2 wrong command line or unreadable "
    "input. KEY is a verifier key (name+keyid+base64) or a file with one key per line."
)


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--hash",
        choices=merkle.ALGORITHMS,
        default=argparse.SUPPRESS,
        help="the log's Merkle tree hash (default: the receipt's, otherwise sm3)",
    )
    keys = _Parser(add_help=False)
    keys.add_argument(
        "--log-key",
        action="append",
        required=True,
        metavar="KEY",
        help="a public key of the log (Ed25519 or SM2); repeat for each. When both kinds are "
        "given, the checkpoint must carry a valid signature of each kind",
    )
    keys.add_argument(
        "--witness-key",
        action="append",
        metavar="KEY",
        help="a witness's public key (cosignature/v1); repeat for each",
    )
    keys.add_argument(
        "--quorum",
        type=_natural,
        metavar="N",
        help="how many of the witnesses given must have cosigned (default: all of them)",
    )
    keys.add_argument(
        "--origin", metavar="ORIGIN", help="the log the checkpoint must be of (its first line)"
    )

    parser = _Parser(
        prog="logverify.py",
        description="Check the platform's transparency log offline: checkpoints, witness "
        "cosignatures, inclusion and consistency proofs, receipts.",
        epilog=EPILOG,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], None], text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text, epilog=EPILOG, parents=[common, keys])
        p.set_defaults(func=func)
        return p

    p = add("checkpoint", cmd_checkpoint, "Check a checkpoint's signatures and cosignatures.")
    p.add_argument("file", metavar="CHECKPOINT", help="the signed checkpoint file, or - for stdin")

    p = add(
        "inclusion",
        cmd_inclusion,
        "Check that an entry is in the tree of a checkpoint (proof: the JSON of "
        "GET /api/v1/log/proofs/inclusion?index=I&size=N).",
    )
    p.add_argument("--checkpoint", required=True, metavar="CHECKPOINT", help="file, or -")
    p.add_argument("--index", required=True, type=_natural, metavar="I", help="entry index")
    p.add_argument(
        "--leaf-hash", metavar="HEX", help="the entry's leaf hash (default: the proof's)"
    )
    p.add_argument("--proof", required=True, metavar="PROOF", help="JSON file, or -")

    p = add(
        "consistency",
        cmd_consistency,
        "Check that the log of a newer checkpoint extends that of an older one (proof: the "
        "JSON of GET /api/v1/log/proofs/consistency?from=M&to=N).",
    )
    p.add_argument("--old", required=True, metavar="CHECKPOINT", help="older checkpoint, or -")
    p.add_argument("--new", required=True, metavar="CHECKPOINT", help="newer checkpoint, or -")
    p.add_argument("--proof", required=True, metavar="PROOF", help="JSON file, or -")

    p = add(
        "receipt",
        cmd_receipt,
        f"Check a receipt ({RECEIPT_FORMAT}): its checkpoint's signatures, the witnesses' "
        "cosignatures when witness keys are given, and the inclusion of the entry.",
    )
    p.add_argument("file", metavar="RECEIPT", help="the receipt JSON file, or -")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except Unreadable as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Failed as exc:
        sys.stdout.flush()
        print(f"FAILED: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # an auditor gets a message, never a traceback
        print(f"error: could not check the input: {_one_line(exc)}", file=sys.stderr)
        return 2
    return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
