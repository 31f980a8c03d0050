"""The verifiable log over the event spine (R-9.1, ADR 0012).

Every event, in the transaction that records it, queues a *commitment* to itself
(`LogQueue`): ``H("chengnuo/event/v1" ‖ 0x00 ‖ salt ‖ event hash)`` with a random 16-byte salt,
so the log holds no data and a person's data can later be erased by blanking the salt. The
integrator (`manage.py run_log`) takes queued commitments in order, gives each the next index,
writes the Merkle tree as tiles (C2SP tlog-tiles), signs a checkpoint with the log's Ed25519
and SM2 keys, and submits it to the witnesses (C2SP tlog-witness), who cosign it only if it
extends what they cosigned before. Proofs are computed from the tiles: one row per tile level.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from chengnuo.core import spine
from chengnuo.core.actors import Actor
from chengnuo.core.errors import NotFound
from chengnuo.tlog import merkle, note
from chengnuo.tlog.merkle import TILE_WIDTH, Hasher, ProofError

from .constants import Event
from .models import (
    AuditEvent,
    LogCheckpoint,
    LogEntry,
    LogQueue,
    LogState,
    LogTile,
    LogWitness,
    WitnessRefusal,
)

logger = logging.getLogger(__name__)

COMMITMENT_PREFIX = b"chengnuo/event/v1\x00"
BATCH = 2000
WITNESS_TIMEOUT = 10


@lru_cache(maxsize=2)
def _hasher(algorithm: str) -> Hasher:
    return Hasher(algorithm)


def hasher() -> Hasher:
    return _hasher(settings.LOG_HASH)


def commitment(salt_hex: str, event_hash_hex: str) -> str:
    h = hasher()
    return h.digest(
        COMMITMENT_PREFIX + bytes.fromhex(salt_hex) + bytes.fromhex(event_hash_hex)
    ).hex()


def leaf_hash(commitment_hex: str) -> bytes:
    return hasher().leaf(bytes.fromhex(commitment_hex))


def queued(event: AuditEvent) -> LogQueue:
    salt = os.urandom(16).hex()
    return LogQueue(event_id=event.pk, salt=salt, commitment=commitment(salt, event.hash))


# --- tiles ---------------------------------------------------------------------------------


class _Tile:
    """One tile row: `width` hashes at its bottom level and the complete nodes above them,
    read straight from the stored bytes (a proof touches a handful of its 511 hashes)."""

    __slots__ = ("_levels", "raw", "top", "width")

    def __init__(self, width: int, raw: bytes, top: bytes) -> None:
        self.width, self.raw, self.top = width, raw, top
        self._levels: list[list[bytes]] | None = None

    @classmethod
    def of(cls, levels: list[list[bytes]]) -> _Tile:
        tile = cls(*_pack(levels))
        tile._levels = levels
        return tile

    def hash(self, inner: int, position: int) -> bytes | None:
        count = self.width >> inner
        if not 0 <= position < count:
            return None
        if inner == 0:
            return self.raw[position * 32 : (position + 1) * 32]
        # the levels above the bottom are stored one after another: width/2, width/4, ...
        offset = sum(self.width >> k for k in range(1, inner)) + position
        return self.top[offset * 32 : (offset + 1) * 32]

    @property
    def levels(self) -> list[list[bytes]]:
        if self._levels is None:
            self._levels = _unpack(self.width, self.raw, self.top)
        return self._levels


class Tiles:
    """Reads tiles (counting the round trips) and remembers them for one operation."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.cache: dict[tuple[int, int], _Tile | None] = {}
        self.reads = 0

    def tile(self, level: int, index: int) -> _Tile | None:
        if (level, index) not in self.cache:
            self.prefetch({(level, index)})
        return self.cache[(level, index)]

    def levels(self, level: int, index: int) -> list[list[bytes]] | None:
        tile = self.tile(level, index)
        return None if tile is None else tile.levels

    def prefetch(self, keys: set[tuple[int, int]]) -> None:
        """Read several tiles in one round trip (a proof knows the tiles it needs up front).
        Plain SQL: at 10 M entries a proof's cost is this one query, not the ORM around it."""
        wanted = sorted(k for k in keys if k not in self.cache)
        if not wanted:
            return
        self.reads += 1
        where = " OR ".join(['(level = %s AND "index" = %s)'] * len(wanted))
        sql = f'SELECT level, "index", width, hashes, upper FROM {LogTile._meta.db_table} '
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql + f"WHERE {where}", [v for k in wanted for v in k])
            for level, index, width, hashes, upper in cursor.fetchall():
                self.cache[(level, index)] = _Tile(width, bytes(hashes), bytes(upper))
        for k in wanted:
            self.cache.setdefault(k, None)

    def node(self, height: int, index: int) -> bytes:
        level, tile_index, inner, position = merkle.node_position(height, index)
        tile = self.tile(level, tile_index)
        found = None if tile is None else tile.hash(inner, position)
        if found is None:
            raise ProofError(f"node ({height}, {index}) is not in the log")
        return found


def _unpack(width: int, hashes: Any, upper: Any) -> list[list[bytes]]:
    raw, top = bytes(hashes), bytes(upper)
    levels = [[raw[i : i + 32] for i in range(0, width * 32, 32)]]
    offset, w = 0, width // 2
    while w >= 1:
        levels.append([top[offset + i * 32 : offset + (i + 1) * 32] for i in range(w)])
        offset += w * 32
        w //= 2
    return levels


def _pack(levels: list[list[bytes]]) -> tuple[int, bytes, bytes]:
    return len(levels[0]), b"".join(levels[0]), b"".join(b"".join(lv) for lv in levels[1:])


def _needed_tiles(size: int, positions: list[int]) -> set[tuple[int, int]]:
    """The tiles a proof over a tree of `size` reads: on each level the tile holding each of
    these leaf positions' ancestors, and the last (right-edge) tile. A subtree hash of the
    proof lies either on a position's own path or on the tree's right edge."""
    keys: set[tuple[int, int]] = set()
    level, count = 0, size
    while count > 0:
        keys.add((level, (count - 1) // TILE_WIDTH))
        keys.update((level, p // TILE_WIDTH) for p in positions if p < count)
        positions = [p // TILE_WIDTH for p in positions]
        level, count = level + 1, count // TILE_WIDTH
    return keys


def _append_leaves(tiles: Tiles, size: int, leaves: list[bytes]) -> None:
    """Add leaf hashes to the tiles of a tree of `size` (inside the integrating transaction)."""
    h = hasher()
    level, start, new = 0, size, leaves
    while new:
        first = start // TILE_WIDTH
        existing = tiles.levels(level, first) if start % TILE_WIDTH else None
        if start % TILE_WIDTH and existing is None:
            # the partial tile the log's size says exists is gone: never build over a hole
            raise ProofError(f"tile ({level}, {first}) of the log is missing")
        row = list(existing[0]) if existing else []
        completed: list[bytes] = []
        pos, tile = 0, first
        creates: list[LogTile] = []
        updates: list[LogTile] = []
        while pos < len(new):
            room = TILE_WIDTH - len(row)
            row.extend(new[pos : pos + room])
            pos += room
            levels = merkle.tile_levels(h, row)
            width, hashes, upper = _pack(levels)
            obj = LogTile(level=level, index=tile, width=width, hashes=hashes, upper=upper)
            (updates if tile == first and existing else creates).append(obj)
            tiles.cache[(level, tile)] = _Tile.of(levels)
            if width == TILE_WIDTH:
                completed.append(levels[-1][0])
            tile, row = tile + 1, []
        for obj in updates:
            LogTile.objects.using(tiles.using).filter(level=obj.level, index=obj.index).update(
                width=obj.width, hashes=obj.hashes, upper=obj.upper
            )
        LogTile.objects.using(tiles.using).bulk_create(creates)
        level, start, new = level + 1, first, completed


# --- integrating -----------------------------------------------------------------------------


def _state_for_update() -> LogState:
    state, _ = LogState.objects.select_for_update().get_or_create(pk=1)
    return state


def integrate(batch: int = BATCH) -> int:
    """Give the oldest queued commitments the next indices: one transaction, the log's head
    locked. Returns how many entered the log."""
    with transaction.atomic():
        state = _state_for_update()
        rows = list(LogQueue.objects.order_by("event_id")[:batch])
        if not rows:
            return 0
        now = timezone.now()
        size = state.size
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    index=size + i,
                    event_id=r.event_id,
                    salt=r.salt,
                    commitment=r.commitment,
                    integrated_at=now,
                )
                for i, r in enumerate(rows)
            ]
        )
        tiles = Tiles()
        _append_leaves(tiles, size, [leaf_hash(r.commitment) for r in rows])
        done = LogQueue.objects.filter(event_id__in=[r.event_id for r in rows])
        done._raw_delete(done.db)
        state.size = size + len(rows)
        state.root_hash = merkle.tree_hash(hasher(), tiles.node, state.size).hex()
        state.updated_at = now
        state.save()
        return len(rows)


def integrate_all(batch: int = BATCH) -> int:
    total = 0
    while True:
        n = integrate(batch)
        total += n
        if n < batch:
            return total


def state() -> LogState:
    return LogState.objects.filter(pk=1).first() or LogState(
        size=0, root_hash=hasher().empty().hex()
    )


# --- checkpoints ----------------------------------------------------------------------------


def log_verifiers() -> list[note.Verifier]:
    return [note.parse_vkey(v) for v in settings.LOG_VERIFIER_KEYS]


def sign_checkpoint(*, force: bool = False) -> LogCheckpoint | None:
    """Sign a checkpoint of the current tree when it grew (at most every
    LOG_CHECKPOINT_SECONDS unless LOG_CHECKPOINT_ENTRIES wait) or when the last one is older
    than LOG_CHECKPOINT_REFRESH_SECONDS."""
    current = state()
    last = LogCheckpoint.objects.order_by("-id").first()
    now = timezone.now()
    if last is not None and not force:
        age = (now - last.signed_at).total_seconds()
        grown = current.size - last.size
        if grown <= 0 and age < settings.LOG_CHECKPOINT_REFRESH_SECONDS:
            return None
        if 0 < grown < settings.LOG_CHECKPOINT_ENTRIES and age < settings.LOG_CHECKPOINT_SECONDS:
            return None
    root = bytes.fromhex(current.root_hash) if current.size else hasher().empty()
    checkpoint = note.Checkpoint(
        settings.LOG_ORIGIN, current.size, root, (f"time {int(now.timestamp())}",)
    )
    signed = note.sign_note(checkpoint.text, list(settings.LOG_SIGNERS))
    return LogCheckpoint.objects.create(
        size=current.size, root_hash=root.hex(), signed_at=now, note=str(signed)
    )


def full_note(checkpoint: LogCheckpoint) -> str:
    """The signed checkpoint with the witnesses' cosignature lines appended."""
    text = checkpoint.note
    return text + "".join(c["line"] for c in checkpoint.cosignatures)


def latest_checkpoint(*, witnessed: bool | None = None) -> LogCheckpoint | None:
    qs = LogCheckpoint.objects.all()
    if witnessed is not None:
        qs = qs.filter(witnessed=witnessed)
    return qs.order_by("-size", "-id").first()


def published_checkpoint() -> LogCheckpoint | None:
    """What the log shows: the newest witnessed checkpoint, or without witnesses the newest."""
    if settings.LOG_WITNESSES:
        found = latest_checkpoint(witnessed=True)
        if found is not None:
            return found
    return latest_checkpoint()


# --- witnesses ------------------------------------------------------------------------------


@dataclass
class WitnessConfig:
    label: str
    url: str
    vkey: str

    def verifier(self) -> note.Verifier:
        value = self.vkey
        if "+" not in value or os.path.isfile(value):
            with open(value, encoding="utf-8") as f:
                value = f.read().strip()
        return note.parse_vkey(value)


def witnesses() -> list[WitnessConfig]:
    return [WitnessConfig(**w) for w in settings.LOG_WITNESSES]


def _post(url: str, body: bytes) -> tuple[int, str, bytes, str]:
    request = urllib.request.Request(
        url.rstrip("/") + "/add-checkpoint",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=WITNESS_TIMEOUT) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read(), ""
    except urllib.error.HTTPError as exc:
        return (
            exc.code,
            exc.headers.get("Content-Type", ""),
            exc.read(),
            urllib.parse.unquote(exc.headers.get("X-Witness-Reason", "")),
        )


def _request_body(old: int, checkpoint: LogCheckpoint) -> bytes:
    proof = consistency(old, checkpoint.size) if 0 < old <= checkpoint.size else []
    lines = "".join(base64.b64encode(p).decode() + "\n" for p in proof)
    return f"old {old}\n{lines}\n{checkpoint.note}".encode()


def _refuse(
    config: WitnessConfig, name: str, checkpoint: LogCheckpoint, status: int, reason: str
) -> None:
    now = timezone.now()
    LogWitness.objects.update_or_create(name=name, defaults={"error": reason, "error_at": now})
    # one alarm until the Justice Bureau has looked at it: the log goes on signing checkpoints
    # the witness goes on refusing, and each would otherwise be a new alarm
    already = WitnessRefusal.objects.filter(witness=name, acknowledged_at__isnull=True).exists()
    if not already:
        with transaction.atomic():
            refusal = WitnessRefusal.objects.create(
                witness=name,
                size=checkpoint.size,
                root_hash=checkpoint.root_hash,
                status=status,
                reason=reason,
                refused_at=now,
            )
            spine.record(
                None,
                Event.LOG_WITNESS_REFUSED,
                refusal,
                None,
                {"witness": config.label, "size": checkpoint.size, "status": status},
                message=reason[:500],
            )
    logger.error("witness %s refused checkpoint %s: %s", config.label, checkpoint.size, reason)


def submit(checkpoint: LogCheckpoint, config: WitnessConfig) -> bool:
    """Ask one witness to cosign; record its cosignature or its refusal. False when it did not
    cosign (refused, or unreachable)."""
    try:
        verifier = config.verifier()
    except (OSError, note.NoteError) as exc:
        logger.error("witness %s: its key cannot be read: %s", config.label, exc)
        LogWitness.objects.update_or_create(
            name=config.label,
            defaults={
                "error": "见证方公钥不可用：配置有误或公钥文件缺失",
                "error_at": timezone.now(),
            },
        )
        return False
    known = LogWitness.objects.filter(name=verifier.name).first()
    old = known.size if known else 0
    for _attempt in range(2):
        if old > checkpoint.size:
            _refuse(
                config,
                verifier.name,
                checkpoint,
                409,
                f"见证方已见证到第 {old} 条，本日志只有 {checkpoint.size} 条："
                "日志被截断，或数据库被恢复到了旧的备份",
            )
            return False
        try:
            status, ctype, body, reason = _post(config.url, _request_body(old, checkpoint))
        except (OSError, urllib.error.URLError) as exc:
            logger.warning("witness %s unreachable: %s", config.label, exc)
            LogWitness.objects.update_or_create(
                name=verifier.name,
                defaults={"error": "无法连接见证方，将自动重试", "error_at": timezone.now()},
            )
            return False
        text = body.decode("utf-8", "replace")
        if status == 409 and ctype.startswith("text/x.tlog.size"):
            try:
                old = int(text.strip().splitlines()[0])
            except (ValueError, IndexError):
                break
            continue  # the witness saw another size: try again from its size
        if status == 200:
            return _accept(checkpoint, config, verifier, text)
        _refuse(
            config,
            verifier.name,
            checkpoint,
            status,
            reason or text.strip()[:500] or f"HTTP {status}",
        )
        return False
    _refuse(config, verifier.name, checkpoint, 409, "见证方反复报告不同的已见证规模")
    return False


def _accept(
    checkpoint: LogCheckpoint, config: WitnessConfig, verifier: note.Verifier, text: str
) -> bool:
    for line in text.splitlines():
        parsed = (
            note.parse_note("x\n\n" + line + "\n").signatures[0] if line.startswith("— ") else None
        )
        if parsed is None or (parsed.name, parsed.id) != (verifier.name, verifier.id):
            continue
        body = note.parse_note(checkpoint.note).text.encode()
        if not verifier.verify(body, parsed.signature):
            break
        when = int.from_bytes(parsed.signature[:8], "big")
        with transaction.atomic():
            cp = LogCheckpoint.objects.select_for_update().get(pk=checkpoint.pk)
            cosigs = [c for c in cp.cosignatures if c["name"] != verifier.name]
            cosigs.append(
                {
                    "witness": config.label,
                    "name": verifier.name,
                    "line": line + "\n",
                    "timestamp": when,
                }
            )
            cp.cosignatures = cosigs
            cp.witnessed = len(cosigs) >= settings.LOG_WITNESS_QUORUM
            cp.save(update_fields=["cosignatures", "witnessed"])
            LogWitness.objects.update_or_create(
                name=verifier.name,
                defaults={
                    "size": cp.size,
                    "cosigned_at": timezone.now(),
                    "error": "",
                    "error_at": None,
                },
            )
        checkpoint.cosignatures, checkpoint.witnessed = cp.cosignatures, cp.witnessed
        return True
    _refuse(config, verifier.name, checkpoint, 502, "见证方的签名无法验证")
    return False


def witness(checkpoint: LogCheckpoint) -> int:
    return sum(1 for config in witnesses() if submit(checkpoint, config))


def run_once() -> dict[str, int]:
    """One pass of the log's loop: integrate what waits, sign when due, get it witnessed (and
    retry witnesses that have not cosigned the newest checkpoint)."""
    integrated = integrate_all()
    signed = sign_checkpoint()
    cosigned = 0
    latest = signed or latest_checkpoint()
    if latest is not None and witnesses():
        have = {c["name"] for c in latest.cosignatures}
        for config in witnesses():
            try:
                name = config.verifier().name
            except (OSError, note.NoteError):
                name = ""
            if name not in have and submit(latest, config):
                cosigned += 1
    return {"integrated": integrated, "signed": int(signed is not None), "cosigned": cosigned}


# --- proofs -----------------------------------------------------------------------------------


def _proof(size: int, positions: list[int], build: Any) -> tuple[Any, int]:
    """Run `build(tiles)` over the tiles a tree of `size` needs, read in one round trip. A
    tree larger than the log fails on its missing right edge (the tiles are written with the
    log's size, in one transaction), so no other query is needed."""
    tiles = Tiles()
    tiles.prefetch(_needed_tiles(size, positions))
    try:
        return build(tiles), tiles.reads
    except ProofError:
        if size > state().size:
            raise ProofError(f"the log has no tree of size {size} yet") from None
        raise


def inclusion(index: int, size: int) -> tuple[bytes, list[bytes], int]:
    """(leaf hash, path, tile round trips) for entry `index` in the tree of `size`."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    h = hasher()
    (leaf, path), reads = _proof(
        size, [index], lambda t: (t.node(0, index), merkle.inclusion_proof(h, t.node, index, size))
    )
    return leaf, path, reads


def consistency(old: int, new: int) -> list[bytes]:
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):  # the proof is empty: no tile to read, only the size to check
        if new > state().size:
            raise ProofError(f"the log has no tree of size {new} yet")
        return []
    h = hasher()
    positions = [p for p in (old - 1, old) if 0 <= p < new]
    path, _ = _proof(new, positions, lambda t: merkle.consistency_proof(h, t.node, old, new))
    return path


def root_at(size: int) -> bytes:
    if size == 0:
        return hasher().empty()
    h = hasher()
    root, _ = _proof(size, [], lambda t: merkle.tree_hash(h, t.node, size))
    return root


def entry_for_event(event_id: int) -> LogEntry | None:
    return LogEntry.objects.filter(event_id=event_id).first()


def receipt(entry: LogEntry, checkpoint: LogCheckpoint | None = None) -> dict[str, Any] | None:
    """What proves the entry is in the log: its index and leaf hash, a checkpoint that
    includes it (witnessed where there are witnesses) and the inclusion proof."""
    checkpoint = checkpoint or published_checkpoint()
    if checkpoint is None or checkpoint.size <= entry.index:
        return None
    leaf, path, _ = inclusion(entry.index, checkpoint.size)
    return {
        "format": "chengnuo-log-receipt/v1",
        "origin": settings.LOG_ORIGIN,
        "hash_algorithm": settings.LOG_HASH,
        "index": entry.index,
        "leaf_hash": leaf.hex(),
        "checkpoint": full_note(checkpoint),
        "inclusion": {
            "index": entry.index,
            "size": checkpoint.size,
            "leaf_hash": leaf.hex(),
            "path": [p.hex() for p in path],
        },
    }


def seconds_since(moment: dt.datetime | None) -> float | None:
    return None if moment is None else (timezone.now() - moment).total_seconds()


# --- the Justice Bureau's view ------------------------------------------------------------


def can_watch_log(actor: Actor) -> bool:
    """The Justice Bureau's reviewers and auditors (city and county) and system admins watch
    the log and its witnesses (it holds no personal data)."""
    from chengnuo.agencies.constants import Role
    from chengnuo.agencies.policies import is_system_admin, memberships

    return is_system_admin(actor) or any(
        m.role in (Role.JUSTICE_REVIEWER, Role.AUDITOR)
        and m.agency is not None
        and m.agency.kind == "justice_bureau"
        for m in memberships(actor)
    )


def refusal_acknowledge(*, actor: Actor, refusal_id: int, note_text: str) -> WitnessRefusal:
    """The Justice Bureau closes a witness's refusal with what it found and did."""
    if not can_watch_log(actor):
        raise NotFound()
    from .alerts import acknowledge

    return acknowledge(actor, WitnessRefusal, refusal_id, note_text, Event.LOG_REFUSAL_ACKNOWLEDGED)


def receipt_for(target: Any, event: str, **after: Any) -> dict[str, Any] | None:
    """The receipt of the latest event `event` on `target` whose `after` holds these values
    (e.g. the signing of one commitment on its case), once the event is in a (witnessed)
    checkpoint; None before."""
    from chengnuo.core.spine import target_type_of

    rows = (
        AuditEvent.objects.filter(
            target_type=target_type_of(target), target_id=str(target.pk), event=event
        )
        .order_by("-id")
        .values_list("id", "after")
    )
    for pk, values in rows[:200]:
        if all((values or {}).get(k) == v for k, v in after.items()):
            entry = entry_for_event(pk)
            return None if entry is None else receipt(entry)
    return None


# --- checking a receipt (the public page /log/verify/) ----------------------------------------


@dataclass
class Step:
    ok: bool
    title: str
    detail: str = ""


@dataclass
class ReceiptCheck:
    ok: bool
    steps: list[Step]
    index: int | None = None
    leaf_hash: str = ""
    checkpoint_size: int | None = None
    latest_size: int | None = None
    path: list[str] | None = None
    witnesses: list[tuple[str, int]] | None = None


def witness_verifiers() -> list[tuple[str, note.Verifier]]:
    found = []
    for config in witnesses():
        try:
            found.append((config.label, config.verifier()))
        except (OSError, note.NoteError):
            continue
    return found


class _Unreadable(ValueError):
    """A receipt that cannot be what it claims (the message says why, in Chinese)."""


def check_receipt(data: Any) -> ReceiptCheck:
    """Check a receipt as anyone could offline: the checkpoint's signatures and cosignatures,
    the inclusion proof against its root, and that today's witnessed log extends it."""
    steps: list[Step] = []

    def done(ok: bool = False, **kw: Any) -> ReceiptCheck:
        return ReceiptCheck(ok=ok, steps=steps, **kw)

    h = hasher()
    try:
        if not isinstance(data, dict) or data.get("format") != "chengnuo-log-receipt/v1":
            raise _Unreadable("不是本平台的存证回执")
        index = int(data["index"])
        leaf = bytes.fromhex(str(data["leaf_hash"]))
        proof = data["inclusion"]
        path = [bytes.fromhex(str(p)) for p in proof["path"]]
        size = int(proof["size"])
        if int(proof["index"]) != index or len(leaf) != 32 or any(len(p) != 32 for p in path):
            raise _Unreadable("回执中的序号或哈希不完整")
        if bytes.fromhex(str(proof["leaf_hash"])) != leaf:
            raise _Unreadable("回执中的叶哈希前后不一致")
        if len(path) > 64 or not 0 <= index < size:
            raise _Unreadable("回执中的证明不成立")
        if data.get("hash_algorithm", settings.LOG_HASH) != settings.LOG_HASH:
            raise _Unreadable("回执使用的哈希算法与本日志不同")
    except (KeyError, TypeError, ValueError) as exc:
        detail = str(exc) if isinstance(exc, _Unreadable) else "回执格式不正确"
        steps.append(Step(False, "读取回执", detail))
        return done()
    steps.append(Step(True, "读取回执", f"日志第 {index} 条，叶哈希 {leaf.hex()}"))
    try:
        signed, cp = note.open_checkpoint(str(data.get("checkpoint", "")), log_verifiers())
    except note.NoteError as exc:
        logger.info("receipt checkpoint rejected: %s", exc)
        steps.append(Step(False, "核对检查点签名", "检查点不是本日志的密钥所签，或签名已被改动"))
        return done(index=index, leaf_hash=leaf.hex())
    if cp.origin != settings.LOG_ORIGIN or cp.size != size:
        steps.append(Step(False, "核对检查点签名", "检查点不属于本日志，或与证明的规模不符"))
        return done(index=index, leaf_hash=leaf.hex())
    steps.append(Step(True, "核对检查点签名", f"日志以 Ed25519 和 SM2 密钥签署，规模 {cp.size}"))
    cosigned: list[tuple[str, int]] = []
    for label, verifier in witness_verifiers():
        try:
            if note.verified_by(signed, [verifier]):
                cosigned.append((label, note.cosignature_time(signed, verifier) or 0))
        except note.NoteError:
            steps.append(Step(False, "核对见证签名", f"{label} 的见证签名无效"))
            return done(index=index, leaf_hash=leaf.hex(), checkpoint_size=size)
    if settings.LOG_WITNESSES:
        if len(cosigned) < settings.LOG_WITNESS_QUORUM:
            steps.append(Step(False, "核对见证签名", "该检查点没有足够的见证签名"))
            return done(index=index, leaf_hash=leaf.hex(), checkpoint_size=size)
        names = "、".join(label for label, _ in cosigned)
        steps.append(Step(True, "核对见证签名", f"已由{names}见证"))
    try:
        merkle.verify_inclusion(h, index, size, leaf, path, cp.root_hash)
    except ProofError as exc:
        logger.info("receipt inclusion proof rejected: %s", exc)
        steps.append(
            Step(
                False,
                "核对包含证明",
                "包含证明不成立：由叶哈希沿证明路径算出的根哈希与检查点不符，回执被改动过",
            )
        )
        return done(index=index, leaf_hash=leaf.hex(), checkpoint_size=size)
    steps.append(Step(True, "核对包含证明", f"由 {len(path)} 个哈希自叶算至检查点的根哈希"))
    latest = published_checkpoint()
    latest_size = latest.size if latest else None
    failed = ""
    if latest is not None and latest.size > size:
        try:
            proof_now = consistency(size, latest.size)
            merkle.verify_consistency(
                h, size, latest.size, cp.root_hash, bytes.fromhex(latest.root_hash), proof_now
            )
        except ProofError as exc:
            logger.error("the log does not extend a receipt's checkpoint: %s", exc)
            failed = "今天的日志不是回执所见日志的延续：日志在回执签发之后被改写"
    elif latest is not None and latest.size == size and latest.root_hash != cp.root_hash.hex():
        failed = "同一规模的检查点根哈希不同：日志被分叉"
    elif latest is not None and latest.size < size:
        failed = "本平台当前的日志比回执所见的还短：日志可能被回滚"
    if failed:
        steps.append(Step(False, "核对日志未被改写", failed))
        return done(index=index, leaf_hash=leaf.hex(), checkpoint_size=size)
    if latest is not None and latest.size > size:
        steps.append(
            Step(
                True, "核对日志未被改写", f"今天的检查点（规模 {latest.size}）是回执所见日志的延续"
            )
        )
    return done(
        True,
        index=index,
        leaf_hash=leaf.hex(),
        checkpoint_size=size,
        latest_size=latest_size,
        path=[p.hex() for p in path],
        witnesses=cosigned,
    )
