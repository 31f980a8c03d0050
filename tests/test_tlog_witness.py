"""The witness (R-9.1, ADR 0012, C2SP tlog-witness): it cosigns a checkpoint only when the log's
Ed25519 and SM2 keys signed it and a consistency proof shows it extends the last one it cosigned;
a rolled-back or forked checkpoint is refused, naming why; what it saw survives a restart."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from chengnuo.tlog import merkle, note
from chengnuo.tlog import witness as tw

ORIGIN = "log.example.gov.cn/test"
H = merkle.Hasher("sm3")
# fixed keys: parametrized test ids are built from them and must be the same in every worker
ED = note.Signer(ORIGIN, "ed25519", hashlib.sha256(b"witness test ed25519").digest())
SM2 = note.Signer(ORIGIN, "sm2", hashlib.sha256(b"witness test sm2").digest())
WITNESS = note.Signer(
    "witness.example.gov.cn", "cosignature/v1", hashlib.sha256(b"witness test key").digest()
)
STRANGER = note.Signer(ORIGIN, "ed25519", hashlib.sha256(b"another log key").digest())
LEAVES = [H.leaf(f"entry {i}".encode()) for i in range(300)]


def _node(height: int, index: int) -> bytes:
    return H.root(LEAVES[index << height : (index + 1) << height])


def _checkpoint(size: int, *, leaves=None, signers=(ED, SM2)) -> str:
    root = H.root((leaves or LEAVES)[:size]) if size else H.empty()
    cp = note.Checkpoint(ORIGIN, size, root, ("time 1796000000",))
    return str(note.sign_note(cp.text, list(signers)))


def _body(old: int, new: int, signed: str | None = None) -> bytes:
    proof = merkle.consistency_proof(H, _node, old, new) if 0 < old < new else []
    lines = "".join(base64.b64encode(p).decode() + "\n" for p in proof)
    return f"old {old}\n{lines}\n{signed or _checkpoint(new)}".encode()


def _witness(tmp_path: Path) -> tw.Witness:
    log = tw.Log(ORIGIN, (ED.verifier, SM2.verifier), "sm3")
    return tw.Witness(WITNESS, tmp_path, [log])


def _cosignature_verifies(answer: tw.Answer, size: int) -> bool:
    line = answer.body.decode().strip()
    text = note.parse_note(_checkpoint(size)).text
    signed = note.parse_note(text + "\n" + line + "\n")
    return note.verified_by(signed, [WITNESS.verifier]) == [WITNESS.verifier]


def test_the_witness_cosigns_a_first_checkpoint_and_then_each_that_extends_it(tmp_path):
    w = _witness(tmp_path)
    first = w.add_checkpoint(_body(0, 10))
    assert first.status == 200 and _cosignature_verifies(first, 10)
    second = w.add_checkpoint(_body(10, 257))
    assert second.status == 200 and _cosignature_verifies(second, 257)
    size, root, cosigned = w.latest(ORIGIN)
    assert (size, root) == (257, H.root(LEAVES[:257]))
    signed = note.parse_note(cosigned)
    assert note.verified_by(signed, [ED.verifier, SM2.verifier, WITNESS.verifier]) == [
        ED.verifier,
        SM2.verifier,
        WITNESS.verifier,
    ]
    # the same checkpoint again is consistent with itself: cosigned again, time moving forward
    again = w.add_checkpoint(_body(257, 257))
    assert again.status == 200
    assert note.cosignature_time(note.parse_note(w.latest(ORIGIN)[2]), WITNESS.verifier) >= (
        note.cosignature_time(signed, WITNESS.verifier)
    )


def test_what_the_witness_saw_survives_a_restart_and_its_state_file_is_private(tmp_path):
    _witness(tmp_path).add_checkpoint(_body(0, 40))
    restarted = _witness(tmp_path)
    assert restarted.latest(ORIGIN)[0] == 40
    assert os.stat(tmp_path / "state.json").st_mode & 0o077 == 0
    assert not list(tmp_path.glob("*.tmp"))
    # the restarted witness still refuses a checkpoint that does not extend size 40
    answer = restarted.add_checkpoint(_body(0, 50))
    assert answer.status == 409 and answer.content_type == tw.SIZE_TYPE
    assert answer.body == b"40\n"


def test_a_rolled_back_checkpoint_is_refused_naming_the_rollback(tmp_path):
    w = _witness(tmp_path)
    assert w.add_checkpoint(_body(0, 100)).status == 200
    # the log, restored from an old backup, believes the witness holds 60
    stale = w.add_checkpoint(_body(60, 60, _checkpoint(60)))
    assert stale.status == 409 and stale.body == b"100\n"
    # told the truth, it can only claim an old size above its checkpoint: a rollback
    rolled = w.add_checkpoint(f"old 100\n\n{_checkpoint(60)}".encode())
    assert rolled.status == 400 and "回滚" in rolled.reason
    assert w.latest(ORIGIN)[0] == 100


def test_a_forked_checkpoint_is_refused_at_the_same_size_and_by_its_proof(tmp_path):
    w = _witness(tmp_path)
    assert w.add_checkpoint(_body(0, 100)).status == 200
    forked_leaves = list(LEAVES)
    forked_leaves[42] = H.leaf(b"rewritten")
    same_size = w.add_checkpoint(f"old 100\n\n{_checkpoint(100, leaves=forked_leaves)}".encode())
    assert same_size.status == 409 and "分叉" in same_size.reason
    assert same_size.content_type != tw.SIZE_TYPE

    # a longer forked tree, with the proof of the forked tree: the proof does not hold
    def forked_node(height, index):
        return H.root(forked_leaves[index << height : (index + 1) << height])

    proof = merkle.consistency_proof(H, forked_node, 100, 200)
    lines = "".join(base64.b64encode(p).decode() + "\n" for p in proof)
    longer = w.add_checkpoint(
        f"old 100\n{lines}\n{_checkpoint(200, leaves=forked_leaves)}".encode()
    )
    assert longer.status == 422 and "一致性证明不成立" in longer.reason
    assert w.latest(ORIGIN)[:2] == (100, H.root(LEAVES[:100]))


@pytest.mark.parametrize(
    "signers, why",
    [((ED,), "sm2"), ((SM2,), "ed25519"), ((STRANGER, SM2), "ed25519")],
)
def test_a_checkpoint_needs_both_of_the_logs_signatures(tmp_path, signers, why):
    answer = _witness(tmp_path).add_checkpoint(_body(0, 5, _checkpoint(5, signers=signers)))
    assert answer.status == 403 and why in answer.reason


def test_a_forged_signature_by_the_logs_key_is_refused(tmp_path):
    signed = note.parse_note(_checkpoint(5))
    bad = note.Signature(
        signed.signatures[1].name, signed.signatures[1].id, b"\x00" * 64
    )  # the SM2 line
    forged = str(note.Note(signed.text, (signed.signatures[0], bad)))
    answer = _witness(tmp_path).add_checkpoint(_body(0, 5, forged))
    assert answer.status == 403 and "签名无效" in answer.reason


def test_another_logs_checkpoint_is_not_witnessed(tmp_path):
    other = note.Checkpoint("other.example/log", 3, H.root(LEAVES[:3]))
    signed = str(note.sign_note(other.text, [ED, SM2]))
    answer = _witness(tmp_path).add_checkpoint(f"old 0\n\n{signed}".encode())
    assert answer.status == 404


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 0\n",
        b"new 0\n\n" + _checkpoint(3).encode(),
        b"old -1\n\n" + _checkpoint(3).encode(),
        b"old 01\n\n" + _checkpoint(3).encode(),
        b"old 0\nnot-base64!\n\n" + _checkpoint(3).encode(),
        b"old 0\n" + base64.b64encode(b"short") + b"\n\n" + _checkpoint(3).encode(),
        b"old 0\n\nnot a note",
        b"old 0\n\n"
        + str(
            note.sign_note(f"{ORIGIN}\n²\n{base64.b64encode(H.empty()).decode()}\n", [ED, SM2])
        ).encode(),
        b"old 0\n\n" + b"x" * (tw.MAX_BODY + 1),
        b"old 0\n" + (base64.b64encode(b"a" * 32) + b"\n") * 65 + b"\n" + _checkpoint(3).encode(),
    ],
)
def test_malformed_requests_are_400_and_change_nothing(tmp_path, body):
    w = _witness(tmp_path)
    answer = w.add_checkpoint(body)
    assert answer.status == 400 and answer.reason
    assert w.latest(ORIGIN) is None


def test_a_proof_that_does_not_hold_is_422(tmp_path):
    w = _witness(tmp_path)
    assert w.add_checkpoint(_body(0, 100)).status == 200
    body = _body(100, 200).split(b"\n")
    body[1] = base64.b64encode(b"\x01" * 32)
    answer = w.add_checkpoint(b"\n".join(body))
    assert answer.status == 422
    assert w.latest(ORIGIN)[0] == 100


def test_concurrent_submissions_of_the_same_extension_never_regress_the_state(tmp_path):
    w = _witness(tmp_path)
    assert w.add_checkpoint(_body(0, 10)).status == 200
    statuses: list[int] = []
    bodies = [_body(10, 50), _body(10, 80), _body(10, 120)] * 3

    def send(b):
        statuses.append(w.add_checkpoint(b).status)

    threads = [threading.Thread(target=send, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409}
    assert w.latest(ORIGIN)[0] in {50, 80, 120}


# --- over HTTP ------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path):
    srv = tw.make_server(_witness(tmp_path), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    thread.join()


def _http(method: str, url: str, body: bytes | None = None):
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_the_witness_speaks_tlog_witness_over_http(server):
    assert _http("GET", server + "/healthz")[0] == 200
    status, _, body = _http("GET", server + "/checkpoint")
    assert status == 404 and "尚未见证" in body.decode()
    status, headers, body = _http("POST", server + "/add-checkpoint", _body(0, 30))
    assert status == 200 and body.decode().startswith("— witness.example.gov.cn ")
    status, headers, body = _http("POST", server + "/add-checkpoint", _body(0, 40))
    assert status == 409 and headers["Content-Type"] == tw.SIZE_TYPE and body == b"30\n"
    status, headers, body = _http("POST", server + "/add-checkpoint", b"old x\n\n")
    assert status == 400
    assert "请求格式不正确" in urllib.parse.unquote(headers["X-Witness-Reason"])
    status, _, body = _http("GET", server + "/checkpoint")
    lines = body.decode().splitlines()
    assert status == 200 and lines[:2] == [ORIGIN, "30"]
    assert _http("GET", server + "/vkey")[2].decode().strip() == WITNESS.verifier.vkey
    assert _http("GET", server + "/nothing")[0] == 404
    assert _http("POST", server + "/other", b"x")[0] == 404


def test_an_oversized_body_is_refused_before_it_is_read(server):
    request = urllib.request.Request(
        server + "/add-checkpoint", data=b"x" * (tw.MAX_BODY + 10), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=10)
    assert exc.value.code == 413


def test_log_witness_creates_its_private_key_once_and_prints_its_vkey(tmp_path):
    directory = tmp_path / "sfj"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="chengnuo.config.settings")
    env.pop("DATABASE_URL", None)
    env["DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none"  # it must not touch a database
    args = [sys.executable, str(Path(__file__).resolve().parents[1] / "manage.py"), "log_witness"]
    args += ["--name", "sfj.example/witness", "--dir", str(directory), "--print-vkey"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 0, first.stderr
    vkey = note.parse_vkey(first.stdout.strip())
    assert vkey.kind == "cosignature/v1" and vkey.name == "sfj.example/witness"
    assert (directory / "witness.skey").stat().st_mode & 0o777 == 0o600
    assert (directory / "witness.vkey").read_text().strip() == first.stdout.strip()
    second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    assert second.stdout == first.stdout  # the key is kept, never regenerated
    other = subprocess.run(
        [*args[:4], "another/witness", *args[5:]], capture_output=True, text=True, env=env
    )
    assert other.returncode != 0 and "belongs to witness" in other.stderr
    json.dumps(vkey.vkey)  # printable as-is
