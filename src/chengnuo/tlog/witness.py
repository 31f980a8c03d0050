"""A witness for the verifiable log (C2SP tlog-witness), with no Django and no database.

A witness remembers, in its own storage, the newest checkpoint of each log it cosigned. It
cosigns a new checkpoint only after checking that the log's keys signed it and, with the
consistency proof the log sends, that it extends the last one: a log that was rolled back (an
old backup restored, the newest entries deleted) or forked (rewritten at the same size) is
refused, and the refusal names why.

Protocol (tlog-witness): ``POST /add-checkpoint`` with the body

    old <size the log believes the witness holds>
    <consistency proof, one base64 hash per line>
    <empty line>
    <the signed checkpoint note>

answers 200 with the cosignature line(s); 409 with ``Content-Type: text/x.tlog.size`` and the
size the witness holds when ``old`` is not it; 409 for a fork; 400 for a malformed request or a
rollback; 403 when the log's signatures do not verify; 404 for an unknown origin; 422 when the
consistency proof does not hold. Every refusal carries its reason in the ``X-Witness-Reason``
header (percent-encoded UTF-8) and in the body, in Chinese.

``GET /checkpoint`` returns the newest cosigned checkpoint (the log's signatures and this
witness's cosignature), which `audit_verify` compares the database with; ``GET /healthz`` says
the witness is up. The state is written (atomically, fsynced) before the cosignature is sent:
a witness never cosigns something it could forget.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import signal
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from . import merkle, note

logger = logging.getLogger(__name__)

MAX_BODY = 1 << 16
MAX_PROOF = 64
STATE_FILE = "state.json"
SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"
    reason: str = ""

    @classmethod
    def refuse(cls, status: int, reason: str) -> Answer:
        return cls(status, (reason + "\n").encode(), reason=reason)


@dataclass(frozen=True)
class Log:
    """One log this witness watches: its origin, its keys, and the hash it builds its tree
    with. A checkpoint needs a verified signature of every key kind among the log's keys (the
    log signs with Ed25519 and SM2; during a rotation the old and new keys of a kind are both
    known, and one of them is enough)."""

    origin: str
    verifiers: tuple[note.Verifier, ...]
    hash_algorithm: str = "sm3"

    @property
    def kinds(self) -> set[str]:
        return {v.kind for v in self.verifiers}


class Witness:
    def __init__(self, signer: note.Signer, directory: Path, logs: list[Log]) -> None:
        if signer.kind != "cosignature/v1":
            raise note.NoteError("a witness signs with a cosignature/v1 key")
        self.signer = signer
        self.directory = Path(directory)
        self.logs = {log.origin: log for log in logs}
        self._lock = threading.Lock()
        self.directory.mkdir(parents=True, exist_ok=True)
        self._state = self._load()

    # --- storage --------------------------------------------------------------------------

    @property
    def state_path(self) -> Path:
        return self.directory / STATE_FILE

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.state_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        logs = data.get("logs") if isinstance(data, dict) else None
        if not isinstance(logs, dict):
            raise ValueError(f"{self.state_path}: not a witness state file")
        return logs

    def _save(self, logs: dict[str, dict[str, Any]]) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        data = json.dumps({"logs": logs}, ensure_ascii=False, indent=1).encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.state_path)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def latest(self, origin: str) -> tuple[int, bytes, str] | None:
        """(size, root hash, cosigned note) of the newest checkpoint cosigned for `origin`."""
        with self._lock:
            held = self._state.get(origin)
        if held is None:
            return None
        return int(held["size"]), base64.b64decode(held["root_hash"]), str(held["note"])

    # --- add-checkpoint -------------------------------------------------------------------

    def add_checkpoint(self, body: bytes) -> Answer:
        try:
            old, proof, note_bytes = _parse_request(body)
        except ValueError as exc:
            return Answer.refuse(400, f"请求格式不正确：{exc}")
        try:
            signed = note.parse_note(note_bytes)
            checkpoint = note.parse_checkpoint(signed.text)
        except (note.NoteError, ValueError) as exc:
            logger.info("malformed checkpoint: %s", exc)
            return Answer.refuse(400, "检查点格式不正确：不是带签名的检查点")
        log = self.logs.get(checkpoint.origin)
        if log is None:
            return Answer.refuse(404, f"本见证方不见证日志 {checkpoint.origin}")
        try:
            kinds = {v.kind for v in note.verified_by(signed, list(log.verifiers))}
        except note.NoteError as exc:
            logger.warning("bad log signature: %s", exc)
            return Answer.refuse(403, "检查点的日志签名无效：签名与日志的公钥不符")
        if kinds != log.kinds:
            missing = "、".join(sorted(log.kinds - kinds))
            return Answer.refuse(403, f"检查点缺少日志的签名（{missing}）")
        if old > checkpoint.size:
            return Answer.refuse(
                400,
                f"检查点规模 {checkpoint.size} 小于已见证的规模 {old}：日志被回滚",
            )
        with self._lock:
            held = self._state.get(checkpoint.origin)
            held_size = int(held["size"]) if held else 0
            if old != held_size:
                return Answer(409, f"{held_size}\n".encode(), SIZE_TYPE, "已见证的规模不同")
            held_root = (
                base64.b64decode(held["root_hash"])
                if held
                else merkle.Hasher(log.hash_algorithm).empty()
            )
            try:
                merkle.verify_consistency(
                    merkle.Hasher(log.hash_algorithm),
                    old,
                    checkpoint.size,
                    held_root,
                    checkpoint.root_hash,
                    proof,
                )
            except merkle.ProofError as exc:
                logger.warning("refused %s at %s: %s", checkpoint.origin, checkpoint.size, exc)
                if old == checkpoint.size:
                    return Answer.refuse(
                        409, f"同一规模 {old} 的检查点根哈希与已见证的不同：日志被分叉"
                    )
                return Answer.refuse(
                    422,
                    f"一致性证明不成立：规模 {checkpoint.size} 的检查点不是已见证的规模 {old} "
                    "的日志的延续，日志被改写或分叉",
                )
            timestamp = max(int(time.time()), int(held.get("cosigned_at", 0)) if held else 0)
            signature = note.Signature(
                self.signer.name,
                self.signer.verifier.id,
                self.signer.sign(signed.text.encode(), timestamp=timestamp),
            )
            others = [
                s
                for s in signed.signatures
                if (s.name, s.id) != (signature.name, signature.id)
                and s.id in {v.id for v in log.verifiers}
            ]
            cosigned = note.Note(signed.text, (*others, signature))
            new_state = dict(self._state)
            new_state[checkpoint.origin] = {
                "size": checkpoint.size,
                "root_hash": base64.b64encode(checkpoint.root_hash).decode(),
                "note": str(cosigned),
                "cosigned_at": timestamp,
            }
            self._save(new_state)
            self._state = new_state
        logger.info("cosigned %s at size %s", checkpoint.origin, checkpoint.size)
        return Answer(200, signature.line.encode())

    def get_checkpoint(self, origin: str | None = None) -> Answer:
        origin = origin or next(iter(self.logs), "")
        held = self.latest(origin)
        if held is None:
            return Answer.refuse(404, "尚未见证任何检查点")
        return Answer(200, held[2].encode())


def _parse_request(body: bytes) -> tuple[int, list[bytes], bytes]:
    if len(body) > MAX_BODY:
        raise ValueError("请求过大")
    head, sep, rest = body.partition(b"\n\n")
    if not sep:
        raise ValueError("缺少空行分隔的检查点")
    lines = head.split(b"\n")
    first = lines[0].decode("ascii", "replace")
    number = first[4:]
    if (
        not first.startswith("old ")
        or not number.isdigit()
        or (len(number) > 1 and number[0] == "0")
    ):
        raise ValueError("第一行应为 old <规模>")
    proof = []
    for line in lines[1:]:
        try:
            value = base64.b64decode(line, validate=True)
        except binascii.Error as exc:
            raise ValueError("一致性证明不是 base64") from exc
        if len(value) != merkle.HASH_SIZE:
            raise ValueError("一致性证明的哈希长度不对")
        proof.append(value)
    if len(proof) > MAX_PROOF:
        raise ValueError("一致性证明过长")
    return int(number), proof, rest


# --- HTTP ---------------------------------------------------------------------------------


def _handler(witness: Witness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "chengnuo-witness"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            logger.info("%s %s", self.address_string(), format % args)

        def _send(self, answer: Answer) -> None:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Cache-Control", "no-store")
            if answer.reason:
                self.send_header("X-Witness-Reason", urllib.parse.quote(answer.reason))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)

        def do_POST(self) -> None:
            if self.path != "/add-checkpoint":
                return self._send(Answer.refuse(404, "没有这个地址"))
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self._send(Answer.refuse(411, "缺少 Content-Length"))
            if not 0 <= length <= MAX_BODY:
                self.close_connection = True
                return self._send(Answer.refuse(413, "请求过大"))
            body = self.rfile.read(length)
            try:
                answer = witness.add_checkpoint(body)
            except Exception:  # a bug must not take the witness down
                logger.exception("add-checkpoint failed")
                answer = Answer.refuse(500, "见证方内部错误")
            self._send(answer)

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path == "/checkpoint":
                return self._send(witness.get_checkpoint())
            if path == "/healthz":
                return self._send(Answer(200, b"ok\n"))
            if path == "/vkey":
                return self._send(Answer(200, (witness.signer.verifier.vkey + "\n").encode()))
            self._send(Answer.refuse(404, "没有这个地址"))

        do_HEAD = do_GET

    return Handler


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), _handler(witness))
    server.daemon_threads = True
    return server


def serve(witness: Witness, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT; the state on disk is always complete, so stopping at
    any moment loses nothing."""
    server = make_server(witness, host, port)

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("witness %s listening on %s:%s", witness.signer.name, host, port)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
