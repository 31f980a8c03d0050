"""Signed notes, checkpoints and cosignatures (C2SP signed-note, tlog-checkpoint,
tlog-cosignature). Pure Python; no Django.

Keys are written as the signed-note *vkey* (verifier) and *skey* (signer) strings:

    vkey  <name>+<key id, 8 hex>+<base64(type ‖ public key)>
    skey  PRIVATE+KEY+<name>+<key id>+<base64(type ‖ private key)>

Signature types: 0x01 Ed25519 (signed-note), 0x04 timestamped Ed25519 cosignature
(tlog-cosignature ``cosignature/v1``), and SM2 with SM3 (GB/T 32918, user ID
``1234567812345678``) under 0xff followed by the identifier ``gbt32918-sm2-sm3`` (the range
signed-note reserves for types it has not assigned); its public key is the 64-byte x ‖ y.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import struct
import time
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = b"\x01"
COSIGNATURE_V1 = b"\x04"
SM2 = b"\xffgbt32918-sm2-sm3"
TYPES = {"ed25519": ED25519, "cosignature/v1": COSIGNATURE_V1, "sm2": SM2}

MAX_SIGNATURES = 16
MAX_NOTE_BYTES = 1 << 16


class NoteError(ValueError):
    """A malformed note or key, or a signature that does not verify."""


def key_id(name: str, type_and_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + type_and_key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() or ord(c) < 0x20 for c in name):
        raise NoteError(f"invalid key name {name!r}")


def _b64decode(text: str) -> bytes:
    """Strict base64: one spelling per value (Python accepts padding past a full group)."""
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise binascii.Error("non-canonical base64")
    return raw


# --- SM2 (gmssl is pure Python; its signing randomness is replaced by `secrets`) -----------


def _sm2():
    from gmssl import sm2

    return sm2


def _sm2_n() -> int:
    return int(_sm2().default_ecc_table["n"], 16)


def _sm2_crypt(private_hex: str | None, public: bytes):
    sm2 = _sm2()
    crypt = sm2.CryptSM2(private_key=private_hex, public_key="")
    crypt.public_key = public.hex()  # its constructor strips characters "0"/"4", not a prefix
    return crypt


def sm2_public_key(private: bytes) -> bytes:
    sm2 = _sm2()
    crypt = sm2.CryptSM2(private_key=private.hex(), public_key="")
    return bytes.fromhex(crypt._kg(int.from_bytes(private, "big"), sm2.default_ecc_table["g"]))


def sm2_sign(private: bytes, public: bytes, message: bytes) -> bytes:
    crypt = _sm2_crypt(private.hex(), public)
    n = _sm2_n()
    while True:
        k = secrets.randbelow(n - 1) + 1
        signature = crypt.sign_with_sm3(message, f"{k:064x}")
        if signature:
            return bytes.fromhex(signature)


def sm2_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    if len(signature) != 64 or len(public) != 64:
        return False
    n = _sm2_n()
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    if not (0 < r < n and 0 < s < n):
        return False
    try:
        return bool(_sm2_crypt(None, public).verify_with_sm3(signature.hex(), message))
    except (ValueError, TypeError, ZeroDivisionError, binascii.Error):
        return False


# --- signers and verifiers ---------------------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    name: str
    kind: str  # "ed25519" | "sm2" | "cosignature/v1"
    public: bytes

    @property
    def type_and_key(self) -> bytes:
        return TYPES[self.kind] + self.public

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.type_and_key)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(self.type_and_key).decode()}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """For cosignature/v1, `signature` is timestamp (8 bytes) ‖ Ed25519 signature and
        `message` the checkpoint body; the timestamp line is added here."""
        if self.kind == "sm2":
            return sm2_verify(self.public, message, signature)
        if self.kind == "cosignature/v1":
            if len(signature) != 72:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            message, signature = cosigned_message(message, timestamp), signature[8:]
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    kind: str
    private: bytes
    public: bytes = field(default=b"")

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.kind not in TYPES:
            raise NoteError(f"unknown key type {self.kind!r}")
        if self.kind == "sm2" and not 1 <= int.from_bytes(self.private, "big") <= _sm2_n() - 2:
            raise NoteError("SM2 private key out of range")
        if not self.public:
            object.__setattr__(self, "public", _public_of(self.kind, self.private))

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.kind, self.public)

    @property
    def skey(self) -> str:
        blob = base64.b64encode(TYPES[self.kind] + self.private).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id.hex()}+{blob}"

    def sign(self, message: bytes, *, timestamp: int | None = None) -> bytes:
        if self.kind == "sm2":
            return sm2_sign(self.private, self.public, message)
        key = Ed25519PrivateKey.from_private_bytes(self.private)
        if self.kind == "cosignature/v1":
            when = int(time.time()) if timestamp is None else timestamp
            return struct.pack(">Q", when) + key.sign(cosigned_message(message, when))
        return key.sign(message)


def _public_of(kind: str, private: bytes) -> bytes:
    if kind == "sm2":
        return sm2_public_key(private)
    return (
        Ed25519PrivateKey.from_private_bytes(private)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def generate(name: str, kind: str) -> Signer:
    if kind == "sm2":
        private = (secrets.randbelow(_sm2_n() - 2) + 1).to_bytes(32, "big")
    else:
        private = secrets.token_bytes(32)
    return Signer(name, kind, private)


def _split_type(blob: bytes) -> tuple[str, bytes]:
    for kind, prefix in TYPES.items():
        if blob.startswith(prefix) and (kind != "ed25519" or len(blob) == 33):
            return kind, blob[len(prefix) :]
    raise NoteError("unknown key type")


def parse_vkey(vkey: str) -> Verifier:
    try:
        name, hex_id, blob = vkey.strip().split("+", 2)
        kind, public = _split_type(_b64decode(blob))
    except (ValueError, binascii.Error) as exc:
        raise NoteError(f"malformed verifier key: {exc}") from exc
    _check_name(name)
    verifier = Verifier(name, kind, public)
    expected = 64 if kind == "sm2" else 32
    if len(public) != expected or verifier.id.hex() != hex_id.lower():
        raise NoteError("verifier key does not match its key ID")
    return verifier


def parse_skey(skey: str) -> Signer:
    try:
        private_, key_, name, hex_id, blob = skey.strip().split("+", 4)
        kind, private = _split_type(_b64decode(blob))
    except (ValueError, binascii.Error) as exc:
        raise NoteError(f"malformed signer key: {exc}") from exc
    if (private_, key_) != ("PRIVATE", "KEY") or len(private) != 32:
        raise NoteError("malformed signer key")
    signer = Signer(name, kind, private)
    if signer.verifier.id.hex() != hex_id.lower():
        raise NoteError("signer key does not match its key ID")
    return signer


# --- notes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        return f"— {self.name} {base64.b64encode(self.id + self.signature).decode()}\n"


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[Signature, ...]

    def __str__(self) -> str:
        return self.text + "\n" + "".join(s.line for s in self.signatures)


def cosigned_message(body: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body


def sign_note(text: str, signers: list[Signer], *, timestamp: int | None = None) -> Note:
    if not text.endswith("\n"):
        raise NoteError("note text must end in a newline")
    signatures = tuple(
        Signature(s.name, s.verifier.id, s.sign(text.encode(), timestamp=timestamp))
        for s in signers
    )
    return Note(text, signatures)


def parse_note(data: str | bytes) -> Note:
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError("note too large")
    try:
        message = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("note is not UTF-8") from exc
    if any(ord(c) < 0x20 and c != "\n" for c in message):
        raise NoteError("note contains control characters")
    cut = message.rfind("\n\n")
    if cut < 0 or not message.endswith("\n"):
        raise NoteError("note has no signature block")
    text, block = message[: cut + 1], message[cut + 2 :]
    signatures = []
    for line in block[:-1].split("\n"):
        if not line.startswith("— "):
            raise NoteError("malformed signature line")
        try:
            name, blob = line[2:].split(" ")
            raw_sig = _b64decode(blob)
        except (ValueError, binascii.Error) as exc:
            raise NoteError("malformed signature line") from exc
        if len(raw_sig) < 5 or not name:
            raise NoteError("malformed signature line")
        _check_name(name)
        signatures.append(Signature(name, raw_sig[:4], raw_sig[4:]))
    if not signatures or len(signatures) > MAX_SIGNATURES:
        raise NoteError("a note needs 1 to 16 signatures")
    return Note(text, tuple(signatures))


def verified_by(note: Note, verifiers: list[Verifier]) -> list[Verifier]:
    """The known keys that signed the note. A signature by a known key that fails makes the
    whole note invalid; signatures by unknown keys are ignored (signed-note)."""
    known = {(v.name, v.id): v for v in verifiers}
    good: list[Verifier] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.id))
        if verifier is None:
            continue
        if not verifier.verify(note.text.encode(), sig.signature):
            raise NoteError(f"signature by {sig.name} does not verify")
        if verifier not in good:  # a key signing twice still counts once (quorums)
            good.append(verifier)
    return good


def cosignature_time(note: Note, verifier: Verifier) -> int | None:
    for sig in note.signatures:
        if (sig.name, sig.id) == (verifier.name, verifier.id) and len(sig.signature) == 72:
            return int(struct.unpack(">Q", sig.signature[:8])[0])
    return None


# --- checkpoints (C2SP tlog-checkpoint) ----------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )

    @property
    def timestamp(self) -> int | None:
        """This platform's checkpoints carry the time they were signed as ``time <unix>``."""
        for line in self.extensions:
            if line.startswith("time ") and _decimal(line[5:]):
                return int(line[5:])
        return None


def _decimal(text: str) -> bool:
    """ASCII decimal without leading zeros (str.isdigit also takes superscripts and the
    digits of other scripts)."""
    return text.isascii() and text.isdigit() and (text == "0" or not text.startswith("0"))


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash, each on its line")
    origin, size, root, *extensions = lines[:-1]
    if not origin or not _decimal(size):
        raise NoteError("malformed checkpoint origin or size")
    try:
        root_hash = _b64decode(root)
    except binascii.Error as exc:
        raise NoteError("malformed checkpoint root hash") from exc
    if len(root_hash) != 32 or any(not line for line in extensions):
        raise NoteError("malformed checkpoint root hash or extension line")
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))


def open_checkpoint(data: str | bytes, log: list[Verifier]) -> tuple[Note, Checkpoint]:
    """Parse a signed checkpoint and check that the log's keys signed it (all known log keys
    must verify, at least one must be present)."""
    note = parse_note(data)
    if not verified_by(note, log):
        raise NoteError("the checkpoint is not signed by the log's key")
    return note, parse_checkpoint(note.text)
