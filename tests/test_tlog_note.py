"""chengnuo.tlog.note against C2SP signed-note, tlog-checkpoint and tlog-cosignature, the
reference vectors of golang.org/x/mod/sumdb/note, and SM2 (GB/T 32918) as OpenSSL implements
it. Pure functions: no database."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import struct
import subprocess
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from chengnuo.tlog import note
from chengnuo.tlog.note import NoteError

# --- golang.org/x/mod/sumdb/note note_test.go ---------------------------------------------

PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdn"
    "gotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox"
    "33WWd1RvMc+QQ=\n"
)

# --- the example of C2SP tlog-cosignature ------------------------------------------------

C2SP_CHECKPOINT = (
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
C2SP_COSIGNED = (
    C2SP_CHECKPOINT
    + "\n"
    + "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zh"
    "cyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    + "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX"
    "3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)

SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)
SM2_P = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF", 16)
SM2_A = SM2_P - 3
SM2_B = int("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93", 16)
SM2_G = bytes.fromhex(
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0"
)
SM2_DISTID = "1234567812345678"

ORIGIN = "log.example.gov.cn/test"
# fixed keys: parametrized test ids are built from them and must be the same in every worker
ED = note.Signer(ORIGIN, "ed25519", hashlib.sha256(b"test ed25519").digest())
SM = note.Signer(ORIGIN, "sm2", hashlib.sha256(b"test sm2").digest())
WITNESS = note.Signer(
    "witness.example.gov.cn/w1", "cosignature/v1", hashlib.sha256(b"test witness").digest()
)
OTHER = note.Signer("other.example.com", "ed25519", hashlib.sha256(b"test other").digest())
ROOT = hashlib.new("sm3", b"root").digest()


def _vkey(name: str, type_and_key: bytes) -> str:
    """A vkey with the right key ID for whatever name and key material it is given."""
    key_id = note.key_id(name, type_and_key).hex()
    return f"{name}+{key_id}+{base64.b64encode(type_and_key).decode()}"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _on_curve(public: bytes) -> bool:
    x, y = int.from_bytes(public[:32], "big"), int.from_bytes(public[32:], "big")
    return (y * y - (x * x * x + SM2_A * x + SM2_B)) % SM2_P == 0


def _flip_byte(data: bytes, i: int = 10) -> bytes:
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


# --- keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["ed25519", "cosignature/v1", "sm2"])
def test_generated_keys_round_trip(kind):
    signer = ED if kind == "ed25519" else SM if kind == "sm2" else WITNESS
    assert signer.kind == kind
    assert len(signer.private) == 32
    assert len(signer.public) == (64 if kind == "sm2" else 32)

    parsed = note.parse_skey(signer.skey)
    assert parsed == signer
    assert parsed.verifier == signer.verifier
    assert note.parse_vkey(signer.verifier.vkey) == signer.verifier

    type_byte = {"ed25519": b"\x01", "cosignature/v1": b"\x04", "sm2": b"\xffgbt32918-sm2-sm3"}
    blob = type_byte[kind] + signer.public
    key_id = hashlib.sha256(signer.name.encode() + b"\n" + blob).digest()[:4]
    assert signer.verifier.id == key_id
    assert signer.verifier.vkey == f"{signer.name}+{key_id.hex()}+{_b64(blob)}"
    assert signer.skey == (
        f"PRIVATE+KEY+{signer.name}+{key_id.hex()}+{_b64(type_byte[kind] + signer.private)}"
    )

    message = b"a message\n"
    signature = signer.sign(message)
    assert signer.verifier.verify(message, signature)
    assert not signer.verifier.verify(message + b"!", signature)
    assert not signer.verifier.verify(message, _flip_byte(signature, len(signature) - 5))
    assert not signer.verifier.verify(message, signature[:-1])
    assert not OTHER.verifier.verify(message, signature)


def test_generate_gives_fresh_keys_and_checks_the_name():
    assert note.generate("a", "ed25519").private != note.generate("a", "ed25519").private
    for name in ("", "a b", "a+b", "a\nb", "a\tb", "a\x01b"):
        with pytest.raises(NoteError):
            note.generate(name, "ed25519")
    with pytest.raises(NoteError):
        note.Signer("a", "rsa", bytes(32))
    with pytest.raises(NoteError):
        note.Signer("a b", "ed25519", bytes(32))


def test_the_same_key_has_a_different_id_per_signature_type():
    ed = note.Signer("k", "ed25519", WITNESS.private)
    assert ed.public == WITNESS.public
    assert ed.verifier.id != note.Signer("k", "cosignature/v1", WITNESS.private).verifier.id


def test_sm2_public_keys_are_curve_points():
    assert note.sm2_public_key((1).to_bytes(32, "big")) == SM2_G
    assert _on_curve(SM2_G)
    assert _on_curve(SM.public)
    assert 0 < int.from_bytes(SM.private, "big") < SM2_N - 1


def test_go_reference_keys():
    peter = note.parse_vkey(PETER_VKEY)
    assert (peter.name, peter.kind, peter.id.hex()) == ("PeterNeumann", "ed25519", "c74f20a3")
    assert peter.vkey == PETER_VKEY
    signer = note.parse_skey(PETER_SKEY)
    assert signer.verifier == peter
    assert signer.skey == PETER_SKEY
    enoch = note.parse_vkey(ENOCH_VKEY)
    assert (enoch.name, enoch.id.hex()) == ("EnochRoot", "af0cfe78")


@pytest.mark.parametrize(
    ("vkey", "kind", "key_id"),
    [
        # transparency-dev/formats note_cosigv1_test.go
        (
            "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",
            "cosignature/v1",
            "da77ade7",
        ),
        ("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", "ed25519", "7997405c"),
    ],
)
def test_published_vkeys(vkey, kind, key_id):
    verifier = note.parse_vkey(vkey)
    assert (verifier.kind, verifier.id.hex(), verifier.vkey) == (kind, key_id, vkey)


@pytest.mark.parametrize("key", [PETER_VKEY, ENOCH_VKEY])
def test_go_vkey_manglings_are_rejected(key):
    # Go's TestNewVerifier: every proper substring and every single-byte increment fails
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(NoteError):
                    note.parse_vkey(key[i:j])
    for i in range(len(key)):
        with pytest.raises(NoteError):
            note.parse_vkey(key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])


def test_go_skey_manglings_are_rejected():
    # Go's TestNewSigner
    key = PETER_SKEY
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(NoteError):
                    note.parse_skey(key[i:j])
    for i in range(len(key)):
        with pytest.raises(NoteError):
            note.parse_skey(key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])


PETER_BLOB = base64.b64decode(PETER_VKEY.split("+", 2)[2])


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a3+",
        "PeterNeumann+c74f20a3+!!!!",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # bad padding
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW",  # URL alphabet
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4 izWy10TW",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong key ID
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann++ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        # Go: wrong length key, and unknown algorithm, each with an adjusted key hash
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        # names that are not names (each with its own right key ID)
        _vkey("Peter Neumann", PETER_BLOB),
        _vkey("Peter\tNeumann", PETER_BLOB),
        _vkey("Peter\x01Neumann", PETER_BLOB),
        _vkey("", PETER_BLOB),
        _vkey("Peter+Neumann", PETER_BLOB),
        # keys of the wrong length for their type
        _vkey("k", b"\x01" + bytes(31)),
        _vkey("k", b"\x01" + bytes(33)),
        _vkey("k", b"\x04" + bytes(31)),
        _vkey("k", b"\x04" + bytes(33)),
        _vkey("k", note.SM2 + SM.public[:32]),
        _vkey("k", note.SM2 + b"\x04" + SM.public),
        _vkey("k", note.SM2 + SM.public[:-1]),
        # types it does not know
        _vkey("k", b"\x02" + bytes(32)),
        _vkey("k", b"\xffgbt32918-sm2-sha256" + SM.public),
        _vkey("k", b"\xff" + SM.public),
        _vkey("k", b""),
    ],
)
def test_malformed_vkeys_are_rejected(vkey):
    with pytest.raises(NoteError):
        note.parse_vkey(vkey)


PETER_SEED_BLOB = base64.b64decode(PETER_SKEY.split("+", 4)[4])


@pytest.mark.parametrize(
    "skey",
    [
        "",
        PETER_VKEY,
        PETER_SKEY.replace("PRIVATE+KEY", "private+key"),
        PETER_SKEY.replace("PRIVATE+KEY", "PRIVATE+KEYS"),
        PETER_SKEY.replace("PRIVATE+KEY+", ""),
        PETER_SKEY.replace("c74f20a3", "c74f20a4"),
        PETER_SKEY.replace("PeterNeumann", "Peter Neumann"),
        PETER_SKEY.replace("PeterNeumann", ""),
        PETER_SKEY[:-1],
        PETER_SKEY + "A",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+!!!!",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+" + _b64(PETER_SEED_BLOB[:-1]),
        "PRIVATE+KEY+PeterNeumann+c74f20a3+" + _b64(PETER_SEED_BLOB + b"\x00"),
        "PRIVATE+KEY+PeterNeumann+c74f20a3+" + _b64(b"\x02" + PETER_SEED_BLOB[1:]),
        f"PRIVATE+KEY+k+{SM.verifier.id.hex()}+" + _b64(note.SM2 + SM.private[:31]),
        f"PRIVATE+KEY+k+{SM.verifier.id.hex()}+" + _b64(note.SM2 + SM.private + b"\x00"),
        SM.skey.replace(SM.verifier.id.hex(), ED.verifier.id.hex()),
    ],
)
def test_malformed_skeys_are_rejected(skey):
    with pytest.raises(NoteError):
        note.parse_skey(skey)


@pytest.mark.parametrize("name", ["a\u3000b", "a\u00a0b", "a\u2003b", "a\x85b"])
def test_key_names_with_unicode_whitespace_are_rejected(name):
    with pytest.raises(NoteError):
        note.Signer(name, "ed25519", bytes(32))


def _sm2_skey(d: int) -> str:
    blob = _b64(note.SM2 + d.to_bytes(32, "big"))
    try:
        key_id = note.Signer("k", "sm2", d.to_bytes(32, "big")).verifier.id.hex()
    except Exception:  # no public key to derive an ID from
        key_id = "00000000"
    return f"PRIVATE+KEY+k+{key_id}+{blob}"


@pytest.mark.parametrize("d", [0, SM2_N - 1, SM2_N], ids=["0", "n-1", "n"])
def test_sm2_private_keys_out_of_range_are_rejected(d):
    with pytest.raises(NoteError):
        note.parse_skey(_sm2_skey(d))


# --- signed notes ----------------------------------------------------------------------------


def test_go_signed_note_vector():
    signer = note.parse_skey(PETER_SKEY)
    signed = note.sign_note(GO_TEXT, [signer])
    assert str(signed) == GO_TEXT + "\n" + PETER_SIG  # Ed25519 is deterministic

    peter, enoch = note.parse_vkey(PETER_VKEY), note.parse_vkey(ENOCH_VKEY)
    both = note.parse_note(GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG)
    assert both.text == GO_TEXT
    assert [(s.name, s.id.hex()) for s in both.signatures] == [
        ("PeterNeumann", "c74f20a3"),
        ("EnochRoot", "af0cfe78"),
    ]
    assert str(both) == GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert note.verified_by(both, [peter]) == [peter]
    assert note.verified_by(both, [enoch, peter]) == [peter, enoch]
    assert note.verified_by(both, []) == []
    assert note.verified_by(both, [ED.verifier]) == []


def test_go_invalid_signature_by_a_known_key():
    raw = (GO_TEXT + "\n").encode() + PETER_SIG.encode()[:60] + b"ABCD" + PETER_SIG.encode()[60:]
    parsed = note.parse_note(raw)
    with pytest.raises(NoteError):
        note.verified_by(parsed, [note.parse_vkey(PETER_VKEY)])
    assert note.verified_by(parsed, [note.parse_vkey(ENOCH_VKEY)]) == []


@pytest.mark.parametrize(
    "message",
    [
        # Go's TestOpen badMsgs
        GO_TEXT.encode(),
        (GO_TEXT + "\n").encode(),
        (GO_TEXT + "\n" + PETER_SIG[:-1]).encode(),
        ("\x01" + GO_TEXT + "\n" + PETER_SIG).encode(),
        b"\xff" + (GO_TEXT + "\n" + PETER_SIG).encode(),
        (GO_TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name")).encode(),
        (GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n").encode(),
    ],
)
def test_go_malformed_notes_are_rejected(message):
    with pytest.raises(NoteError):
        note.parse_note(message)


def test_sign_and_parse_with_ed25519_and_sm2():
    text = "阜阳市 承诺制\nsecond line\n\nafter a blank line\n"
    signed = note.sign_note(text, [ED, SM])
    encoded = str(signed)
    assert encoded.startswith(text + "\n— " + ORIGIN + " ")
    assert encoded.count("\n— ") == 2
    for data in (encoded, encoded.encode()):
        parsed = note.parse_note(data)
        assert parsed == signed
        assert parsed.text == text
        assert str(parsed) == encoded
    assert [len(s.signature) for s in signed.signatures] == [64, 64]
    assert note.verified_by(signed, [ED.verifier, SM.verifier]) == [ED.verifier, SM.verifier]
    assert note.verified_by(signed, [SM.verifier, ED.verifier]) == [ED.verifier, SM.verifier]
    assert note.verified_by(signed, [SM.verifier]) == [SM.verifier]
    assert note.verified_by(signed, [OTHER.verifier]) == []


def test_sign_note_needs_a_final_newline():
    for text in ("", "no newline", "two\nlines"):
        with pytest.raises(NoteError):
            note.sign_note(text, [ED])


def test_a_tampered_text_fails_for_every_known_key():
    signed = note.parse_note(str(note.sign_note("size 10\n", [ED, SM])))
    tampered = note.parse_note(str(signed).replace("size 10", "size 11"))
    for verifier in (ED.verifier, SM.verifier):
        with pytest.raises(NoteError):
            note.verified_by(tampered, [verifier])
    assert note.verified_by(tampered, [OTHER.verifier]) == []


@pytest.mark.parametrize("which", [0, 1])
def test_a_tampered_signature_by_a_known_key_fails(which):
    signed = note.sign_note("hello\n", [ED, SM])
    good, bad = signed.signatures[1 - which], signed.signatures[which]
    for changed in (_flip_byte(bad.signature), bad.signature[:-1], bad.signature + b"\x00"):
        sigs = [good, note.Signature(bad.name, bad.id, changed)]
        tampered = note.parse_note(str(note.Note(signed.text, tuple(sigs))))
        known = (ED, SM)[which].verifier
        with pytest.raises(NoteError):
            note.verified_by(tampered, [known])
        with pytest.raises(NoteError):
            note.verified_by(tampered, [ED.verifier, SM.verifier])
        # the other key alone still verifies its own signature
        assert note.verified_by(tampered, [(ED, SM)[1 - which].verifier]) == [
            (ED, SM)[1 - which].verifier
        ]


def test_signatures_by_unknown_keys_are_ignored():
    same_name = note.generate(ORIGIN, "ed25519")  # the log's name, another key
    signed = note.sign_note("hello\n", [same_name, ED, OTHER])
    garbage = note.Signature("unknown.example", b"\x01\x02\x03\x04", os.urandom(64))
    with_garbage = note.Note(signed.text, (*signed.signatures, garbage))
    parsed = note.parse_note(str(with_garbage))
    assert note.verified_by(parsed, [ED.verifier]) == [ED.verifier]
    assert note.verified_by(parsed, [SM.verifier, WITNESS.verifier]) == []
    # a known key under another name is not the same key
    renamed = note.Verifier("renamed", "ed25519", ED.public)
    assert note.verified_by(parsed, [renamed]) == []


SIG_LINE = note.sign_note("x\n", [ED]).signatures[0].line


@pytest.mark.parametrize(
    "message",
    [
        "hello\n",  # no blank line
        "hello\n\n",  # no signatures
        "hello",
        "",
        "\n" + SIG_LINE,  # no text before the blank line
        "hello\n\n" + SIG_LINE[:-1],  # no final newline
        "hello\n\n" + SIG_LINE + "\n",
        "hello\n\n" + SIG_LINE * 17,  # more than 16 signatures
        "hel\x01lo\n\n" + SIG_LINE,  # control characters
        "hel\x00lo\n\n" + SIG_LINE,
        "hel\tlo\n\n" + SIG_LINE,
        "hello\r\n\n" + SIG_LINE,
        "hello\n\n" + SIG_LINE.replace("\n", "\r\n"),
        "hello\n\n" + SIG_LINE.replace("— ", "- "),  # signature lines without "— "
        "hello\n\n" + SIG_LINE.replace("— ", "—"),
        "hello\n\n" + SIG_LINE.replace("— ", "– "),
        "hello\n\n" + SIG_LINE.replace("— ", "-- "),
        "hello\n\n" + SIG_LINE.replace("— ", ""),
        "hello\n\n" + SIG_LINE.replace("— ", " — "),
        "hello\n\n" + SIG_LINE + "not a signature\n",
        "hello\n\n— name\n",
        "hello\n\n— name \n",
        "hello\n\n— name  " + SIG_LINE.split(" ")[-1],
        "hello\n\n—  " + SIG_LINE.split(" ")[-1],  # empty name
        "hello\n\n" + SIG_LINE[:-1] + " extra\n",
        "hello\n\n— name AAAA\n",  # 3 bytes: shorter than a key ID and a signature
        "hello\n\n— name AAAAAA==\n",
        "hello\n\n— name !!!!!!!!\n",
        "hello\n\n— name QUJDREVGR0g\n",  # base64 without its padding
    ],
)
def test_malformed_notes_are_rejected(message):
    with pytest.raises(NoteError):
        note.parse_note(message)


@pytest.mark.parametrize(
    "message",
    [
        b"\xff" + ("hello\n\n" + SIG_LINE).encode(),
        b"hel\xc3\x28lo\n\n" + SIG_LINE.encode(),  # invalid continuation byte
        b"hel\xc0\xaflo\n\n" + SIG_LINE.encode(),  # overlong encoding
        b"hel\xed\xa0\x80lo\n\n" + SIG_LINE.encode(),  # an encoded surrogate
        ("hello\n\n" + SIG_LINE).encode()[:-3] + b"\x80\n",
    ],
)
def test_notes_that_are_not_utf8_are_rejected(message):
    with pytest.raises(NoteError):
        note.parse_note(message)


def test_the_size_and_signature_limits():
    assert note.MAX_NOTE_BYTES == 65536 and note.MAX_SIGNATURES == 16
    tail = "\n\n" + SIG_LINE
    filler = note.MAX_NOTE_BYTES - len(tail.encode())
    exactly = "a" * filler + tail
    assert len(exactly.encode()) == 65536
    assert note.parse_note(exactly).text == "a" * filler + "\n"
    with pytest.raises(NoteError):
        note.parse_note("a" + exactly)
    with pytest.raises(NoteError):
        note.parse_note(("a" + exactly).encode())
    # multi-byte characters count in bytes
    with pytest.raises(NoteError):
        note.parse_note("阜" * (filler // 3 + 1) + tail)

    sixteen = note.parse_note("hello\n\n" + SIG_LINE * 16)
    assert len(sixteen.signatures) == 16


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_signature_lines_end_only_in_newline(separator):
    with pytest.raises(NoteError):
        note.parse_note("hello\n\n" + SIG_LINE[:-1] + separator + SIG_LINE)


def test_signature_line_names_must_be_key_names():
    blob = SIG_LINE.split(" ")[-1]
    with pytest.raises(NoteError):
        note.parse_note("hello\n\n— a+b " + blob)


def test_a_repeated_signature_counts_once():
    # Go's Open ignores duplicate signatures; a key signing twice is one signer for a quorum
    peter, enoch = note.parse_vkey(PETER_VKEY), note.parse_vkey(ENOCH_VKEY)
    repeated = note.parse_note(GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG + PETER_SIG + ENOCH_SIG)
    assert note.verified_by(repeated, [peter]) == [peter]
    assert note.verified_by(repeated, [peter, enoch]) == [peter, enoch]


@pytest.mark.parametrize("where", ["vkey", "sm2 vkey", "skey", "note"])
def test_base64_with_excess_padding_is_rejected(where):
    with pytest.raises(NoteError):
        if where == "vkey":
            note.parse_vkey(PETER_VKEY + "==")
        elif where == "sm2 vkey":
            note.parse_vkey(SM.verifier.vkey + "=")
        elif where == "skey":
            note.parse_skey(PETER_SKEY + "==")
        else:  # a signature of 68 bytes, after the 4-byte key ID
            note.parse_note("hello\n\n— name " + base64.b64encode(bytes(72)).decode() + "==\n")


# --- cosignature/v1 -------------------------------------------------------------------------


def test_cosignature_v1_format():
    body = note.Checkpoint(ORIGIN, 42, ROOT).text
    when = 1796000000
    signed = note.sign_note(body, [WITNESS], timestamp=when)
    (sig,) = signed.signatures
    assert (sig.name, sig.id) == (WITNESS.name, WITNESS.verifier.id)
    assert len(sig.signature) == 72
    assert sig.signature[:8] == struct.pack(">Q", when) == bytes.fromhex("000000006b0cc900")
    message = b"cosignature/v1\ntime 1796000000\n" + body.encode()
    assert note.cosigned_message(body.encode(), when) == message
    Ed25519PublicKey.from_public_bytes(WITNESS.public).verify(sig.signature[8:], message)

    parsed = note.parse_note(str(signed))
    assert note.verified_by(parsed, [WITNESS.verifier]) == [WITNESS.verifier]
    assert note.cosignature_time(parsed, WITNESS.verifier) == when
    assert note.cosignature_time(parsed, ED.verifier) is None


def test_cosignature_v1_timestamp_is_signed():
    body = note.Checkpoint(ORIGIN, 42, ROOT).text
    signed = note.sign_note(body, [ED, WITNESS], timestamp=1796000000)
    ed_sig, co_sig = signed.signatures
    for when in (1796000001, 1795999999, 0, 2**63 + 1796000000):
        stamped = struct.pack(">Q", when) + co_sig.signature[8:]
        changed = note.Signature(co_sig.name, co_sig.id, stamped)
        tampered = note.parse_note(str(note.Note(signed.text, (ed_sig, changed))))
        assert note.cosignature_time(tampered, WITNESS.verifier) == when
        assert not WITNESS.verifier.verify(body.encode(), changed.signature)
        with pytest.raises(NoteError):
            note.verified_by(tampered, [WITNESS.verifier])
        assert note.verified_by(tampered, [ED.verifier]) == [ED.verifier]
    # the body is signed too, extension lines included
    other_body = note.Checkpoint(ORIGIN, 42, ROOT, ("time 1",)).text.encode()
    assert not WITNESS.verifier.verify(other_body, co_sig.signature)
    assert WITNESS.verifier.verify(body.encode(), co_sig.signature)
    assert not WITNESS.verifier.verify(body.encode(), co_sig.signature[:71])


def test_cosignature_v1_defaults_to_the_current_time():
    before = int(time.time())
    signed = note.sign_note("x\n", [WITNESS])
    after = int(time.time())
    assert before <= note.cosignature_time(signed, WITNESS.verifier) <= after


def test_cosignatures_and_plain_signatures_do_not_mix():
    body = b"x\n"
    plain = note.Signer(WITNESS.name, "ed25519", WITNESS.private)
    cosig = WITNESS.sign(body, timestamp=5)
    assert not plain.verifier.verify(body, cosig)
    assert not plain.verifier.verify(body, cosig[8:])
    assert not WITNESS.verifier.verify(body, plain.sign(body))
    assert not WITNESS.verifier.verify(body, bytes(8) + plain.sign(body))
    both = note.sign_note("x\n", [plain, WITNESS], timestamp=5)
    assert note.verified_by(both, [plain.verifier]) == [plain.verifier]
    assert note.verified_by(both, [WITNESS.verifier]) == [WITNESS.verifier]
    assert note.cosignature_time(both, plain.verifier) is None
    assert note.cosignature_time(both, WITNESS.verifier) == 5


def test_c2sp_cosignature_example_parses():
    parsed = note.parse_note(C2SP_COSIGNED)
    assert parsed.text == C2SP_CHECKPOINT
    log_sig, witness_sig = parsed.signatures
    assert (log_sig.name, len(log_sig.signature)) == ("example.com/behind-the-sofa", 64)
    assert (witness_sig.name, witness_sig.id.hex()) == ("witness.example.com/w1", "8d66cf3f")
    assert len(witness_sig.signature) == 72
    assert struct.unpack(">Q", witness_sig.signature[:8])[0] == 1679315147
    assert str(parsed) == C2SP_COSIGNED
    cp = note.parse_checkpoint(parsed.text)
    assert (cp.origin, cp.size, cp.extensions, cp.timestamp) == (
        "example.com/behind-the-sofa",
        20852163,
        (),
        None,
    )
    assert cp.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")


# --- checkpoints ----------------------------------------------------------------------------


def test_checkpoint_text_round_trip():
    cp = note.Checkpoint(ORIGIN, 20852163, ROOT, ("time 1796000000",))
    assert cp.text == f"{ORIGIN}\n20852163\n{_b64(ROOT)}\ntime 1796000000\n"
    assert note.parse_checkpoint(cp.text) == cp
    assert cp.timestamp == 1796000000

    plain = note.Checkpoint(ORIGIN, 0, ROOT)
    assert plain.text == f"{ORIGIN}\n0\n{_b64(ROOT)}\n"
    assert note.parse_checkpoint(plain.text) == plain
    assert plain.timestamp is None

    many = note.Checkpoint("o", 7, ROOT, ("vendor ext — 扩展", "time 12", "time 13"))
    assert note.parse_checkpoint(many.text) == many
    assert many.timestamp == 12
    for ext in ("time", "time ", "time x", "time -1", "time 1.5", "Time 1", "time  1", "xtime 1"):
        assert note.Checkpoint("o", 1, ROOT, (ext,)).timestamp is None, ext


def _checkpoint_text(origin="o", size="1", root=None, *extensions) -> str:
    lines = [origin, size, _b64(ROOT) if root is None else root, *extensions]
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(
    "text",
    [
        _checkpoint_text(size="01"),  # leading zero
        _checkpoint_text(size="00"),
        _checkpoint_text(size="-1"),
        _checkpoint_text(size="+1"),
        _checkpoint_text(size=" 1"),
        _checkpoint_text(size="1 "),
        _checkpoint_text(size=""),
        _checkpoint_text(size="1.0"),
        _checkpoint_text(size="0x10"),
        _checkpoint_text(size="1_000"),
        _checkpoint_text(root="!!!!"),  # not base64
        _checkpoint_text(root=_b64(ROOT)[:-1]),
        _checkpoint_text(root=_b64(ROOT).rstrip("=")),
        _checkpoint_text(root=" " + _b64(ROOT)),
        _checkpoint_text(root=base64.urlsafe_b64encode(b"\xff" * 32).decode()),
        _checkpoint_text(root=_b64(ROOT[:31])),  # 31 bytes
        _checkpoint_text(root=_b64(ROOT + b"\x00")),
        _checkpoint_text(root=""),
        _checkpoint_text("o", "1", None, ""),  # empty extension line
        _checkpoint_text("o", "1", None, "a", "", "b"),
        _checkpoint_text()[:-1],  # no final newline
        _checkpoint_text("o", "1", None, "time 1")[:-1],
        _checkpoint_text(origin=""),
        "o\n1\n",
        "o\n",
        "",
        "\n",
        _checkpoint_text().replace("\n", "\r\n"),
    ],
)
def test_malformed_checkpoints_are_rejected(text):
    with pytest.raises(NoteError):
        note.parse_checkpoint(text)


@pytest.mark.parametrize("size", ["\u0661\u0662", "\u00b2", "\uff11", "\u0661"])
def test_checkpoint_sizes_are_ascii_decimal(size):
    # str.isdigit() alone takes these; int() reads '١٢' as 12 and fails on '²'
    with pytest.raises(NoteError):
        note.parse_checkpoint(_checkpoint_text(size=size))


@pytest.mark.parametrize("ext", ["time \u0661\u0662", "time \u00b2", "time 01", "time \uff11"])
def test_checkpoint_timestamp_is_ascii_decimal(ext):
    assert note.Checkpoint("o", 1, ROOT, (ext,)).timestamp is None


def test_open_checkpoint():
    log = [ED.verifier, SM.verifier]
    cp = note.Checkpoint(ORIGIN, 1234, ROOT, ("time 1796000000",))
    signed = str(note.sign_note(cp.text, [ED, SM]))
    for data in (signed, signed.encode()):
        opened, parsed = note.open_checkpoint(data, log)
        assert parsed == cp
        assert str(opened) == signed

    cosigned = str(note.sign_note(cp.text, [ED, SM, WITNESS], timestamp=1796000001))
    opened, parsed = note.open_checkpoint(cosigned, log)
    assert parsed == cp
    assert note.cosignature_time(opened, WITNESS.verifier) == 1796000001

    # one of the log's keys is enough, as long as none fails
    assert note.open_checkpoint(str(note.sign_note(cp.text, [ED])), log)[1] == cp


def test_open_checkpoint_rejects_what_the_log_did_not_sign():
    log = [ED.verifier, SM.verifier]
    cp = note.Checkpoint(ORIGIN, 1234, ROOT)
    for data in (
        cp.text,  # unsigned
        cp.text + "\n",
        str(note.sign_note(cp.text, [OTHER])),  # signed by someone else
        str(note.sign_note(cp.text, [OTHER, WITNESS])),
        str(note.sign_note(cp.text, [note.Signer(ORIGIN, "ed25519", bytes(range(32)))])),
    ):
        with pytest.raises(NoteError):
            note.open_checkpoint(data, log)

    signed = note.sign_note(cp.text, [ED, SM])
    ed_sig, sm_sig = signed.signatures
    broken = note.Signature(sm_sig.name, sm_sig.id, _flip_byte(sm_sig.signature))
    with pytest.raises(NoteError):
        note.open_checkpoint(str(note.Note(signed.text, (ed_sig, broken))), log)
    with pytest.raises(NoteError):  # the text changed after signing
        note.open_checkpoint(str(signed).replace("\n1234\n", "\n1235\n"), log)
    with pytest.raises(NoteError):  # signed, but not a checkpoint
        note.open_checkpoint(str(note.sign_note("hello\n", [ED])), log)
    with pytest.raises(NoteError):  # a checkpoint the log signed, opened with no log keys
        note.open_checkpoint(str(signed), [])


# --- SM2 against OpenSSL --------------------------------------------------------------------

OPENSSL = "/usr/bin/openssl" if os.path.exists("/usr/bin/openssl") else shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="no openssl command")

# SubjectPublicKeyInfo { id-ecPublicKey, curve SM2 (1.2.156.10197.1.301) }, BIT STRING 04 ‖ x ‖ y
SM2_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")


def _openssl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, check=check, timeout=30)


def _public_pem(public: bytes) -> str:
    der = base64.b64encode(SM2_SPKI_PREFIX + public).decode()
    lines = [der[i : i + 64] for i in range(0, len(der), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def _der_signature(raw: bytes) -> bytes:
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def _raw_signature(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _openssl_verifies(tmp_path, key_args, message: bytes, raw: bytes, distid=SM2_DISTID) -> bool:
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(_der_signature(raw))
    pkeyutl = _openssl(
        "pkeyutl", "-verify", *key_args, "-rawin", "-digest", "sm3",
        "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig"),
        "-pkeyopt", f"distid:{distid}",
        check=False,
    )  # fmt: skip
    verify = "-verify" if key_args[0] == "-pubin" else "-prverify"
    dgst = _openssl(
        "dgst", "-sm3", verify, key_args[-1], "-signature", str(tmp_path / "sig"),
        "-sigopt", f"distid:{distid}", str(tmp_path / "msg"),
        check=False,
    )  # fmt: skip
    assert ("Signature Verified Successfully" in pkeyutl.stdout) == (pkeyutl.returncode == 0)
    assert ("Verified OK" in dgst.stdout) == (dgst.returncode == 0)
    assert pkeyutl.returncode == dgst.returncode, (pkeyutl, dgst)
    return pkeyutl.returncode == 0


@needs_openssl
def test_openssl_reads_the_sm2_public_key(tmp_path):
    (tmp_path / "pub.pem").write_text(_public_pem(SM.public))
    shown = _openssl("pkey", "-pubin", "-in", str(tmp_path / "pub.pem"), "-text", "-noout").stdout
    assert "ASN1 OID: SM2" in shown
    dump = re.search(r"pub:\s*((?:[0-9a-f]{2}:?\s*)+)", shown).group(1)
    assert bytes.fromhex(re.sub(r"[:\s]", "", dump)) == b"\x04" + SM.public


@needs_openssl
@pytest.mark.parametrize("message", [b"", b"abc", ORIGIN.encode() + b"\n42\n" + ROOT, bytes(1000)])
def test_note_sm2_signatures_verify_with_openssl(tmp_path, message):
    (tmp_path / "pub.pem").write_text(_public_pem(SM.public))
    key = ["-pubin", "-inkey", str(tmp_path / "pub.pem")]
    raw = note.sm2_sign(SM.private, SM.public, message)
    assert len(raw) == 64
    assert SM.verifier.verify(message, raw)
    assert _openssl_verifies(tmp_path, key, message, raw)
    # negative controls: OpenSSL is really checking
    assert not _openssl_verifies(tmp_path, key, message + b"x", raw)
    assert not _openssl_verifies(tmp_path, key, message, raw, distid="1234567812345679")


@needs_openssl
def test_openssl_sm2_signatures_verify_with_note(tmp_path):
    key_pem = tmp_path / "key.pem"
    _openssl("genpkey", "-algorithm", "SM2", "-out", str(key_pem))
    shown = _openssl("pkey", "-in", str(key_pem), "-text", "-noout").stdout
    assert "ASN1 OID: SM2" in shown
    fields = {
        name: bytes.fromhex(re.sub(r"[:\s]", "", value))
        for name, value in re.findall(r"(priv|pub):\s*((?:[0-9a-f]{2}:?\s*)+)", shown)
    }
    private = int.from_bytes(fields["priv"], "big").to_bytes(32, "big")
    assert fields["pub"][:1] == b"\x04"
    public = fields["pub"][1:]
    assert len(public) == 64

    # the same key pair on both sides
    assert note.sm2_public_key(private) == public
    signer = note.Signer("openssl.example", "sm2", private)
    assert signer.public == public
    assert note.parse_skey(signer.skey) == signer

    message_path = tmp_path / "message"
    for message in (b"", b"checkpoint\n1\n" + ROOT, "阜阳市".encode() * 40):
        message_path.write_bytes(message)
        der = tmp_path / "sig.der"
        _openssl(
            "dgst", "-sm3", "-sign", str(key_pem), "-sigopt", f"distid:{SM2_DISTID}",
            "-out", str(der), str(message_path),
        )  # fmt: skip
        raw = _raw_signature(der.read_bytes())
        assert note.sm2_verify(public, message, raw)
        assert signer.verifier.verify(message, raw)
        assert not note.sm2_verify(public, message + b"\n", raw)
        assert not note.sm2_verify(public, message, _flip_byte(raw, 40))
        assert not note.sm2_verify(SM.public, message, raw)

    # and the other way, checked against OpenSSL's own key file
    message = b"signed with the key OpenSSL made\n"
    raw = signer.sign(message)
    assert _openssl_verifies(tmp_path, ["-inkey", str(key_pem)], message, raw)


def test_sm2_verify_rejects_out_of_range_signatures():
    message = b"m"
    raw = SM.sign(message)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    assert note.sm2_verify(SM.public, message, raw)
    for bad_r, bad_s in ((0, s), (r, 0), (r + SM2_N, s), (r, s + SM2_N), (SM2_N, s), (r, SM2_N)):
        if bad_r < 2**256 and bad_s < 2**256:
            candidate = bad_r.to_bytes(32, "big") + bad_s.to_bytes(32, "big")
            assert not note.sm2_verify(SM.public, message, candidate)
    assert not note.sm2_verify(SM.public, message, raw[:-1])
    assert not note.sm2_verify(SM.public, message, raw + b"\x00")
    assert not note.sm2_verify(SM.public[:-1], message, raw)
    assert not note.sm2_verify(b"", message, raw)
    # (r, n - s) is not a second valid signature
    assert not note.sm2_verify(SM.public, message, raw[:32] + (SM2_N - s).to_bytes(32, "big"))
