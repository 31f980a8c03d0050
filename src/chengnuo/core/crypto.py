"""Field encryption for personal data (R-5.6): SM4-GCM with rotatable keys, and a keyed
HMAC-SM3 for exact lookup without decrypting (GB/T 39786 expects SM algorithms).

Stored form: ``sm4gcm:<key id>:<base64(nonce 12 | ciphertext | tag 16)>``. The first key in
settings.FIELD_ENCRYPTION_KEYS encrypts; every listed key decrypts, so keys rotate by putting
a new key first and running ``manage.py rotate_field_keys``.
"""

from __future__ import annotations

import base64
import os
import unicodedata

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

PREFIX = "sm4gcm"


class DecryptionError(ValueError):
    pass


def _keys() -> list[tuple[str, bytes]]:
    return [(kid, bytes.fromhex(hexkey)) for kid, hexkey in settings.FIELD_ENCRYPTION_KEYS]


def current_key_id() -> str:
    return _keys()[0][0]


def normalise(value: str) -> str:
    """One form for lookups: NFKC (full-width digits → ASCII), no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def encrypt(plaintext: str) -> str:
    kid, key = _keys()[0]
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(kid.encode())
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    blob = base64.b64encode(nonce + body + encryptor.tag).decode("ascii")
    return f"{PREFIX}:{kid}:{blob}"


def decrypt(token: str) -> str:
    try:
        prefix, kid, blob = token.split(":", 2)
        raw = base64.b64decode(blob)
    except (ValueError, TypeError) as exc:
        raise DecryptionError("not an encrypted field") from exc
    keys = dict(_keys())
    if prefix != PREFIX or kid not in keys:
        raise DecryptionError(f"unknown key id {kid!r}")
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(keys[kid]), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(kid.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except Exception as exc:  # InvalidTag: tampered or wrong key
        raise DecryptionError("ciphertext does not authenticate") from exc


def key_id_of(token: str) -> str:
    return token.split(":", 2)[1]


def lookup_hash(value: str) -> str:
    """Keyed HMAC-SM3 of the normalised value: equal inputs give equal hashes."""
    mac = hmac.HMAC(bytes.fromhex(settings.FIELD_LOOKUP_KEY), hashes.SM3())
    mac.update(normalise(value).encode("utf-8"))
    return mac.finalize().hex()
