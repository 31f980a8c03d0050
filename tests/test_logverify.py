"""tools/logverify.py, the offline verifier of the transparency log, run as an auditor would:
a subprocess started outside the repository, fed files built here with `chengnuo.tlog` alone
(no Django, no database)."""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chengnuo.tlog import merkle, note

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "logverify.py"
ORIGIN = "log.example/test"
SIGNED_AT = 1_700_000_000
COSIGNED_AT = 1_700_000_042
SIZE, OLD_SIZE, INDEX = 37, 20, 5


@dataclass
class Log:
    """A 37-entry log with checkpoints at sizes 20 and 37 and their proofs, as files."""

    algorithm: str
    dir: Path
    hasher: merkle.Hasher
    leaves: list[bytes]
    root: bytes
    checkpoint: Path  # size 37, signed by Ed25519 + SM2, cosigned by the witness
    old_checkpoint: Path  # size 20, the same
    inclusion: dict[str, Any]
    consistency: dict[str, Any]
    receipt: dict[str, Any]

    def write(self, name: str, content: str | dict[str, Any] | list[Any]) -> str:
        path = self.dir / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)


@dataclass
class Keys:
    ed25519: note.Signer
    sm2: note.Signer
    witness: note.Signer
    log_key_file: Path  # both log vkeys, one a line

    @property
    def log_args(self) -> list[str]:
        return ["--log-key", str(self.log_key_file)]

    @property
    def witness_args(self) -> list[str]:
        return ["--witness-key", self.witness.verifier.vkey]


def signed_checkpoint(
    signers: list[note.Signer],
    witness: note.Signer | None,
    size: int,
    root: bytes,
    origin: str = ORIGIN,
) -> str:
    text = note.Checkpoint(origin, size, root, (f"time {SIGNED_AT}",)).text
    full = str(note.sign_note(text, signers))
    if witness is not None:
        cosignature = witness.sign(text.encode(), timestamp=COSIGNED_AT)
        full += note.Signature(witness.name, witness.verifier.id, cosignature).line
    return full


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    ed = note.generate(ORIGIN, "ed25519")
    sm2 = note.generate(ORIGIN, "sm2")
    witness = note.generate("witness.example", "cosignature/v1")
    path = tmp_path_factory.mktemp("keys") / "log.vkeys"
    path.write_text(f"# the log's keys\n{ed.verifier.vkey}\n\n{sm2.verifier.vkey}\n")
    return Keys(ed, sm2, witness, path)


def build_log(keys: Keys, algorithm: str, directory: Path) -> Log:
    h = merkle.Hasher(algorithm)
    leaves = [h.leaf(f"entry {i}".encode()) for i in range(SIZE)]

    def node(height: int, index: int) -> bytes:
        return h.root(leaves[index << height : (index + 1) << height])

    root, old_root = merkle.tree_hash(h, node, SIZE), merkle.tree_hash(h, node, OLD_SIZE)
    assert root == h.root(leaves) and old_root == h.root(leaves[:OLD_SIZE])
    signers = [keys.ed25519, keys.sm2]
    checkpoint = directory / "checkpoint.txt"
    checkpoint.write_text(signed_checkpoint(signers, keys.witness, SIZE, root))
    old_checkpoint = directory / "old-checkpoint.txt"
    old_checkpoint.write_text(signed_checkpoint(signers, keys.witness, OLD_SIZE, old_root))
    path = [p.hex() for p in merkle.inclusion_proof(h, node, INDEX, SIZE)]
    inclusion = {"index": INDEX, "size": SIZE, "leaf_hash": leaves[INDEX].hex(), "path": path}
    consistency = {
        "from": OLD_SIZE,
        "to": SIZE,
        "path": [p.hex() for p in merkle.consistency_proof(h, node, OLD_SIZE, SIZE)],
    }
    receipt = {
        "format": "chengnuo-log-receipt/v1",
        "origin": ORIGIN,
        "hash_algorithm": algorithm,
        "index": INDEX,
        "leaf_hash": leaves[INDEX].hex(),
        "checkpoint": checkpoint.read_text(),
        "inclusion": inclusion,
    }
    return Log(
        algorithm,
        directory,
        h,
        leaves,
        root,
        checkpoint,
        old_checkpoint,
        inclusion,
        consistency,
        receipt,
    )


@pytest.fixture(scope="module")
def logs(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Log]:
    return {a: build_log(keys, a, tmp_path_factory.mktemp(a)) for a in merkle.ALGORITHMS}


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("elsewhere")


def run(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, str(TOOL), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def assert_exit(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    output = result.stdout + result.stderr
    for word in words:
        assert word in output, (word, output)
    if code:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# --- checkpoints -------------------------------------------------------------------------------


def test_checkpoint_signed_and_cosigned(keys, logs, elsewhere):
    log = logs["sm3"]
    result = run(elsewhere, "checkpoint", str(log.checkpoint), *keys.log_args, *keys.witness_args)
    assert_exit(result, 0, ORIGIN, "37", log.root.hex(), "1 of 1 cosigned")
    assert "(Ed25519): valid" in result.stdout and "(SM2): valid" in result.stdout
    assert f"witness.example {keys.witness.verifier.id.hex()}" in result.stdout
    assert "2023-11-14 22:13:20 UTC (1700000000)" in result.stdout  # the checkpoint's time
    assert f"cosigned at 2023-11-14 22:14:02 UTC ({COSIGNED_AT})" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("OK:")


def test_checkpoint_from_stdin_with_keys_inline(keys, logs, elsewhere):
    log = logs["sha256"]
    result = run(
        elsewhere,
        "checkpoint",
        "-",
        "--log-key",
        keys.ed25519.verifier.vkey,
        "--log-key",
        keys.sm2.verifier.vkey,
        "--origin",
        ORIGIN,
        stdin=log.checkpoint.read_text(),
    )
    assert_exit(result, 0, log.root.hex(), "not checked")


def test_tampered_root_hash(keys, logs, elsewhere):
    log = logs["sm3"]
    original = base64.b64encode(log.root).decode()
    other = base64.b64encode(log.hasher.leaf(b"not the root")).decode()
    path = log.write("tampered.txt", log.checkpoint.read_text().replace(original, other))
    result = run(elsewhere, "checkpoint", path, *keys.log_args)
    assert_exit(result, 1, "FAILED", "does not verify")


def test_missing_witness_cosignature(keys, logs, elsewhere):
    log = logs["sm3"]
    text = signed_checkpoint([keys.ed25519, keys.sm2], None, SIZE, log.root)
    result = run(elsewhere, "checkpoint", "-", *keys.log_args, *keys.witness_args, stdin=text)
    assert_exit(result, 1, "no cosignature", "only 0 of the 1 witnesses")


def test_signed_only_by_an_unknown_key(keys, logs, elsewhere):
    log = logs["sm3"]
    stranger = note.generate(ORIGIN, "ed25519")  # same name, another key
    text = signed_checkpoint([stranger], None, SIZE, log.root)
    result = run(elsewhere, "checkpoint", "-", *keys.log_args, stdin=text)
    assert_exit(result, 1, "not signed by any of the log keys")


def test_forged_sm2_signature_by_a_known_key(keys, logs, elsewhere):
    """A genuine SM2 signature of the log's key, over other text, put on this checkpoint."""
    log = logs["sm3"]
    text = note.Checkpoint(ORIGIN, SIZE, log.root, (f"time {SIGNED_AT}",)).text
    genuine = note.sign_note(text, [keys.ed25519])
    forged = note.Signature(keys.sm2.name, keys.sm2.verifier.id, keys.sm2.sign(b"other\n"))
    signed = note.Note(text, (*genuine.signatures, forged))
    result = run(elsewhere, "checkpoint", "-", *keys.log_args, stdin=str(signed))
    assert_exit(result, 1, "(SM2) that does not verify")


def test_both_log_signatures_required(keys, logs, elsewhere):
    log = logs["sm3"]
    text = signed_checkpoint([keys.ed25519], keys.witness, SIZE, log.root)
    result = run(elsewhere, "checkpoint", "-", *keys.log_args, stdin=text)
    assert_exit(result, 1, "no valid signature by the log's SM2 key")


# --- inclusion -------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", merkle.ALGORITHMS)
def test_inclusion(keys, logs, elsewhere, algorithm):
    log = logs[algorithm]
    proof = log.write("inclusion.json", log.inclusion)
    leaf = log.leaves[INDEX].hex()
    result = run(
        elsewhere,
        "--hash",
        algorithm,
        "inclusion",
        "--checkpoint",
        str(log.checkpoint),
        *keys.log_args,
        *keys.witness_args,
        "--index",
        str(INDEX),
        "--leaf-hash",
        leaf.upper(),
        "--proof",
        proof,
    )
    assert_exit(result, 0, f"OK: entry {INDEX} (leaf hash {leaf})", "cosigned by 1 of 1")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("tampered path", "does not lead to the root hash"),
        ("wrong index", "does not lead to the root hash"),
        ("wrong size", "tree of size 20"),
        ("wrong hash", "(SHA-256)"),
    ],
)
def test_inclusion_fails(keys, logs, elsewhere, case, message):
    log = logs["sm3"]
    proof = dict(log.inclusion)
    extra: list[str] = []
    index = INDEX
    if case == "tampered path":
        path = list(proof["path"])
        path[2] = log.hasher.leaf(b"x").hex()
        proof["path"] = path
    elif case == "wrong index":  # the proof of entry 5 presented as that of entry 6
        proof["index"] = index = INDEX + 1
    elif case == "wrong size":
        proof["size"] = OLD_SIZE
    else:  # an SM3 log checked as if its tree used SHA-256
        extra = ["--hash", "sha256"]
    args = ["inclusion", "--checkpoint", str(log.checkpoint), *keys.log_args, *extra]
    args += ["--index", str(index), "--proof", "-"]
    result = run(elsewhere, *args, stdin=json.dumps(proof))
    assert_exit(result, 1, "FAILED", message)
    assert log.root.hex() in result.stdout  # the checkpoint itself was valid and shown


# --- consistency -----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", merkle.ALGORITHMS)
def test_consistency(keys, logs, elsewhere, algorithm):
    log = logs[algorithm]
    result = run(
        elsewhere,
        "consistency",
        "--hash",
        algorithm,
        "--old",
        str(log.old_checkpoint),
        "--new",
        str(log.checkpoint),
        *keys.log_args,
        *keys.witness_args,
        "--proof",
        log.write("consistency.json", log.consistency),
    )
    assert_exit(result, 0, f"at size {SIZE} extends its state at size {OLD_SIZE}")


def test_consistency_tampered_proof(keys, logs, elsewhere):
    log = logs["sha256"]
    proof = dict(log.consistency, path=[log.hasher.leaf(b"x").hex(), *log.consistency["path"][1:]])
    args = ["consistency", "--hash", "sha256", "--old", str(log.old_checkpoint)]
    args += ["--new", str(log.checkpoint), *keys.log_args, "--proof", "-"]
    result = run(elsewhere, *args, stdin=json.dumps(proof))
    assert_exit(result, 1, "consistency proof does not hold")


def test_consistency_between_different_logs(keys, logs, elsewhere):
    log = logs["sm3"]
    old_root = log.hasher.root(log.leaves[:OLD_SIZE])
    other = signed_checkpoint(
        [keys.ed25519, keys.sm2], None, OLD_SIZE, old_root, origin="other.example/log"
    )
    args = ["consistency", "--old", "-", "--new", str(log.checkpoint), *keys.log_args]
    args += ["--proof", log.write("consistency.json", log.consistency)]
    result = run(elsewhere, *args, stdin=other)
    assert_exit(result, 1, "different logs")


# --- receipts --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", merkle.ALGORITHMS)
def test_receipt(keys, logs, elsewhere, algorithm):
    """The hash algorithm comes from the receipt."""
    log = logs[algorithm]
    receipt = log.write("receipt.json", log.receipt)
    result = run(elsewhere, "receipt", receipt, *keys.log_args, *keys.witness_args)
    assert_exit(result, 0, f"OK: entry {INDEX}", "cosigned by 1 of 1", "1 of 1 cosigned")


def test_receipt_with_a_wrong_format(keys, logs, elsewhere):
    log = logs["sm3"]
    receipt = log.write("receipt.json", dict(log.receipt, format="chengnuo-log-receipt/v0"))
    result = run(elsewhere, "receipt", receipt, *keys.log_args)
    assert_exit(result, 2, "not a chengnuo-log-receipt/v1 receipt")


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("bad json", "not valid JSON"),
        ("bad hex", "64 hex digits"),
        ("missing field", 'no "size" field'),
    ],
)
def test_malformed_proof_as_a_subprocess(keys, logs, elsewhere, case, message):
    log = logs["sm3"]
    if case == "bad json":
        proof = json.dumps(log.inclusion)[:-5]
    elif case == "bad hex":
        proof = json.dumps(dict(log.inclusion, path=["zz" * 32, *log.inclusion["path"][1:]]))
    else:
        proof = json.dumps({k: v for k, v in log.inclusion.items() if k != "size"})
    args = ["inclusion", "--checkpoint", str(log.checkpoint), *keys.log_args]
    result = run(elsewhere, *args, "--index", str(INDEX), "--proof", "-", stdin=proof)
    assert_exit(result, 2, message)
    assert result.stdout == ""  # nothing is checked before every input has been read


@pytest.fixture(scope="module")
def tool() -> Iterator[Any]:
    spec = importlib.util.spec_from_file_location("logverify_under_test", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[spec.name]


def _malformed_cases() -> list[tuple[str, str]]:
    return [
        ("receipt not an object", "not a JSON object"),
        ("receipt duplicate field", "appears twice"),
        ("receipt NaN index", "not a JSON number"),
        ("receipt negative index", "not a non-negative integer"),
        ("receipt boolean size", "not a non-negative integer"),
        ("receipt short leaf hash", "64 hex digits"),
        ("receipt path too long", "at most 64"),
        ("receipt path not a list", "not a list"),
        ("receipt unknown hash", "unknown hash algorithm"),
        ("receipt no checkpoint", 'no "checkpoint" field'),
        ("receipt checkpoint unsigned", "not a signed note"),
        ("receipt checkpoint bad root", "not a checkpoint"),
        ("receipt checkpoint non-ASCII size", "malformed checkpoint origin or size"),
        ("receipt checkpoint CRLF", "carriage returns"),
        ("receipt not UTF-8", "not UTF-8"),
        ("missing file", "cannot read"),
        ("bad vkey", "neither a verifier key"),
        ("vkey with a wrong id", "not a valid verifier key"),
        ("private key", "private signing key"),
        ("witness key as log key", "--log-key takes Ed25519 or SM2 keys"),
        ("empty key file", "holds no key"),
        ("quorum too high", "--quorum 2 is more than"),
        ("two stdin inputs", "only one input"),
        ("leaf hash not hex", "--leaf-hash is not"),
    ]


@pytest.mark.parametrize(("case", "message"), _malformed_cases())
def test_malformed_input(tool, keys, logs, tmp_path, capsys, case, message):
    """The same checks in-process (fast): exit status 2, one line on stderr."""
    log = logs["sm3"]
    receipt: Any = dict(log.receipt)
    inclusion = dict(log.inclusion)
    key_args = keys.log_args
    args: list[str] | None = None
    raw: bytes | None = None
    body = note.parse_note(log.receipt["checkpoint"])
    if case == "receipt not an object":
        receipt = [receipt]
    elif case == "receipt duplicate field":
        raw = json.dumps(receipt)[:-1].encode() + b', "index": 6}'
    elif case == "receipt NaN index":
        raw = json.dumps(dict(receipt, index=float("nan"))).encode()
    elif case == "receipt negative index":
        receipt["index"] = -1
    elif case == "receipt boolean size":
        receipt["inclusion"] = dict(inclusion, size=True)
    elif case == "receipt short leaf hash":
        receipt["leaf_hash"] = receipt["leaf_hash"][:-2]
    elif case == "receipt path too long":
        receipt["inclusion"] = dict(inclusion, path=inclusion["path"] * 20)
    elif case == "receipt path not a list":
        receipt["inclusion"] = dict(inclusion, path=inclusion["path"][0])
    elif case == "receipt unknown hash":
        receipt["hash_algorithm"] = "md5"
    elif case == "receipt no checkpoint":
        del receipt["checkpoint"]
    elif case == "receipt checkpoint unsigned":
        receipt["checkpoint"] = body.text
    elif case == "receipt checkpoint bad root":
        receipt["checkpoint"] = str(note.Note(body.text.replace("=\n", "\n", 1), body.signatures))
    elif case == "receipt checkpoint non-ASCII size":
        text = body.text.replace(f"\n{SIZE}\n", "\n\u0663\u0667\n", 1)  # Arabic-Indic 37
        receipt["checkpoint"] = str(note.Note(text, body.signatures))
    elif case == "receipt checkpoint CRLF":
        receipt["checkpoint"] = receipt["checkpoint"].replace("\n", "\r\n")
    elif case == "receipt not UTF-8":
        raw = b'{"format": "\xff"}'
    elif case == "missing file":
        args = ["receipt", str(tmp_path / "absent.json"), *key_args]
    elif case == "bad vkey":
        key_args = ["--log-key", "not-a-key"]
    elif case == "vkey with a wrong id":
        name, _, blob = keys.ed25519.verifier.vkey.split("+", 2)
        key_args = ["--log-key", f"{name}+00000000+{blob}"]
    elif case == "private key":
        key_args = ["--log-key", keys.ed25519.skey]
    elif case == "witness key as log key":
        key_args = ["--log-key", keys.witness.verifier.vkey]
    elif case == "empty key file":
        (tmp_path / "empty.vkeys").write_text("# nothing yet\n")
        key_args = ["--log-key", str(tmp_path / "empty.vkeys")]
    elif case == "quorum too high":
        key_args = [*key_args, *keys.witness_args, "--quorum", "2"]
    elif case == "two stdin inputs":
        args = ["inclusion", "--checkpoint", "-", *key_args, "--index", "5", "--proof", "-"]
    elif case == "leaf hash not hex":
        proof = log.write("inclusion.json", inclusion)
        args = ["inclusion", "--checkpoint", str(log.checkpoint), *key_args]
        args += ["--index", "5", "--leaf-hash", "5" * 63 + "g", "--proof", proof]
    path = tmp_path / "receipt.json"
    path.write_bytes(raw if raw is not None else json.dumps(receipt).encode())
    code = tool.main(args or ["receipt", str(path), *key_args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert message in err, err
    assert keys.ed25519.skey not in out + err


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("index other than the proof's", "is for entry 5, not entry 6"),
        ("leaf hash other than the proof's", "is for the leaf hash"),
        ("receipt of another log", "its checkpoint is of the log"),
        ("receipt whose proof is of another entry", "is for entry 5, not entry 4"),
        ("receipt checked by other keys", "not signed by any of the log keys"),
        ("origin other than expected", "not 'other.example/log'"),
        ("empty tree with a wrong root", "is of the empty tree"),
    ],
)
def test_failed_check_in_process(tool, keys, logs, tmp_path, capsys, case, message):
    """More refusals in-process (fast): exit status 1, FAILED on one line of stderr."""
    log = logs["sm3"]
    receipt = log.write("receipt.json", log.receipt)
    proof = log.write("inclusion.json", log.inclusion)
    inclusion = ["inclusion", "--checkpoint", str(log.checkpoint), *keys.log_args]
    if case == "index other than the proof's":
        args = [*inclusion, "--index", "6", "--proof", proof]
    elif case == "leaf hash other than the proof's":
        args = [*inclusion, "--index", "5", "--leaf-hash", log.leaves[6].hex(), "--proof", proof]
    elif case == "receipt of another log":
        args = ["receipt", log.write("r.json", dict(log.receipt, origin="other")), *keys.log_args]
    elif case == "receipt whose proof is of another entry":
        args = ["receipt", log.write("r.json", dict(log.receipt, index=4)), *keys.log_args]
    elif case == "receipt checked by other keys":
        args = ["receipt", receipt, "--log-key", note.generate(ORIGIN, "sm2").verifier.vkey]
    elif case == "origin other than expected":
        args = ["receipt", receipt, *keys.log_args, "--origin", "other.example/log"]
    else:
        empty = signed_checkpoint([keys.ed25519, keys.sm2], None, 0, bytes(32))
        proof = log.write("consistency.json", {"from": 0, "to": SIZE, "path": []})
        args = ["consistency", "--old", log.write("empty.txt", empty)]
        args += ["--new", str(log.checkpoint), *keys.log_args, "--proof", proof]
    code = tool.main(args)
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert err.startswith("FAILED: ") and len(err.strip().splitlines()) == 1, err
    assert message in err, err


def test_usage_error_is_exit_2(elsewhere):
    result = run(elsewhere, "checkpoint", "x.txt")
    assert_exit(result, 2, "--log-key")


# --- no Django -------------------------------------------------------------------------------


def test_runs_without_django(keys, logs, elsewhere):
    """Run through runpy in a fresh interpreter: the only chengnuo modules loaded are the
    pure `chengnuo.tlog` ones, and Django is never imported."""
    log = logs["sm3"]
    argv = ["logverify.py", "checkpoint", str(log.checkpoint), *keys.log_args]
    code = (
        "import runpy, sys\n"
        f"sys.argv = {argv!r}\n"
        "try:\n"
        f"    runpy.run_path({str(TOOL)!r}, run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    status = exc.code\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('chengnuo', 'django'))\n"
        "print('RESULT', status, 'django' in sys.modules, loaded)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    last = result.stdout.strip().splitlines()[-1]
    expected = ["chengnuo", "chengnuo.tlog", "chengnuo.tlog.merkle", "chengnuo.tlog.note"]
    assert last == f"RESULT 0 False {expected!r}", (result.stdout, result.stderr)
