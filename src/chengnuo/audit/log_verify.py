"""`audit_verify`'s second half (ADR 0012): the database against the newest checkpoint a
witness holds outside it. The hash chains alone cannot see their newest rows deleted (or an
old backup restored), nor rows removed and every later hash recomputed; the witnessed
checkpoint remembers the log's size and root, so each of those shows here, named:

- ``behind``: the database's log is shorter than the witnessed one — the newest entries were
  deleted, or the database was restored from an older backup;
- ``missing``: an entry of the log whose event is gone from the event table;
- ``recomputed``: an event whose row hashes correctly and chains correctly, but is not the event
  the log committed to — its chain was rewritten and its hashes recomputed;
- ``edited``: an event whose content no longer matches its own hash;
- ``rewritten``: the log's own entries or tiles do not hash to the witnessed root;
- ``gap``: log indices missing in the database;
- ``inserted``: an event that never entered the log (nor waits for it) — added behind the
  platform's back.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from chengnuo.tlog import merkle, note

from . import log
from .models import AuditEvent, LogEntry, LogQueue, LogState
from .services import compute_hash

BATCH = 5000


@dataclass(frozen=True)
class LogProblem:
    kind: str
    index: int | None
    detail: str


@dataclass(frozen=True)
class Witnessed:
    source: str  # the witness's label, or "database" when no witness is configured
    size: int
    root: bytes


class WitnessUnavailable(RuntimeError):
    pass


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url.rstrip("/") + "/checkpoint", timeout=10) as response:
        return response.read().decode("utf-8")


def witnessed_checkpoint() -> Witnessed | None:
    """The largest checkpoint the configured witnesses hold, each checked for the log's
    signatures and the witness's own cosignature. None when no witness is configured."""
    configs = log.witnesses()
    if not configs:
        return None
    best: Witnessed | None = None
    errors = []
    for config in configs:
        try:
            text = _fetch(config.url)
            signed, cp = note.open_checkpoint(text, log.log_verifiers())
            if not note.verified_by(signed, [config.verifier()]):
                raise note.NoteError("见证方未联署该检查点")
            if cp.origin != settings.LOG_ORIGIN:
                raise note.NoteError("检查点不属于本日志")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:  # the witness has cosigned nothing yet
                continue
            errors.append(f"{config.label}: HTTP {exc.code}")
            continue
        except (OSError, note.NoteError, ValueError) as exc:
            errors.append(f"{config.label}: {exc}")
            continue
        if best is None or cp.size > best.size:
            best = Witnessed(config.label, cp.size, cp.root_hash)
    if best is None and errors:
        raise WitnessUnavailable("；".join(errors))
    return best or Witnessed(configs[0].label, 0, log.hasher().empty())


def _compact_range(tiles: log.Tiles, size: int) -> list[tuple[int, bytes]]:
    """The complete subtrees covering [0, size), largest first, read from the tiles."""
    stack, start = [], 0
    for height in range(size.bit_length() - 1, -1, -1):
        if size & (1 << height):
            stack.append((height, tiles.node(height, start >> height)))
            start += 1 << height
    return stack


def _push(h: merkle.Hasher, stack: list[tuple[int, bytes]], leaf: bytes) -> None:
    stack.append((0, leaf))
    while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
        height, right = stack.pop()
        _, left = stack.pop()
        stack.append((height + 1, h.node(left, right)))


def _fold(h: merkle.Hasher, stack: list[tuple[int, bytes]]) -> bytes:
    if not stack:
        return h.empty()
    root = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = h.node(left, root)
    return root


def _entries(start: int, end: int) -> Iterator[list[LogEntry]]:
    at = start
    while at < end:
        rows = list(
            LogEntry.objects.filter(index__gte=at, index__lt=min(at + BATCH, end)).order_by("index")
        )
        if not rows:
            return
        yield rows
        at = rows[-1].index + 1


def verify_log(*, full: bool = True, witness: Witnessed | None = None) -> list[LogProblem]:
    """Check the log in the database against the witnessed checkpoint (from the start, or
    from where the last verification ended). Returns the problems found, named."""
    h = log.hasher()
    state = LogState.objects.filter(pk=1).first() or LogState(size=0)
    if witness is None:
        cp = log.latest_checkpoint()
        witness = Witnessed("database", cp.size, bytes.fromhex(cp.root_hash)) if cp else None
    if witness is None:
        return []
    problems: list[LogProblem] = []
    if state.size < witness.size:
        problems.append(
            LogProblem(
                "behind",
                state.size,
                f"见证方（{witness.source}）已见证 {witness.size} 条，"
                f"数据库中的日志只有 {state.size} 条：最新的记录被删除，或数据库被恢复到了旧的备份",
            )
        )
    end = min(state.size, witness.size)
    start = state.verified_size if not full and 0 < state.verified_size <= end else 0
    tiles = log.Tiles()
    if start:
        stack = _compact_range(tiles, start)
        if _fold(h, stack).hex() != state.verified_root:
            problems.append(
                LogProblem("rewritten", start, "日志在上次核验之后被改写（已核验部分的哈希变了）")
            )
            start, stack = 0, []
    else:
        stack = []
    expected = start
    for rows in _entries(start, end):
        # the hashes only: a whole row is read only for an entry that does not check out
        hashes = dict(
            AuditEvent.objects.filter(pk__in=[r.event_id for r in rows]).values_list("pk", "hash")
        )
        for entry in rows:
            if entry.index != expected:
                problems.append(
                    LogProblem("gap", expected, f"缺少日志第 {expected} 至 {entry.index - 1} 条")
                )
                return problems
            expected += 1
            _push(h, stack, log.leaf_hash(entry.commitment))
            event_hash = hashes.get(entry.event_id)
            if event_hash is None:
                problems.append(
                    LogProblem(
                        "missing",
                        entry.index,
                        f"日志第 {entry.index} 条对应的事件（编号 {entry.event_id}）已不在数据库中",
                    )
                )
            elif not entry.salt:
                continue  # erased: the entry no longer links to its event
            elif log.commitment(entry.salt, event_hash) != entry.commitment:
                event = AuditEvent.objects.get(pk=entry.event_id)
                kind, what = (
                    ("edited", "内容与其哈希不符（该行被修改）")
                    if compute_hash(event) != event.hash
                    else ("recomputed", "与日志承诺的不是同一事件：其所在链被改写并重算了哈希")
                )
                problems.append(
                    LogProblem(
                        kind,
                        entry.index,
                        f"日志第 {entry.index} 条（{event.chain}#{event.seq}）{what}",
                    )
                )
            if len(problems) >= 20:
                return problems
    if expected < end:
        problems.append(LogProblem("gap", expected, f"缺少日志第 {expected} 至 {end - 1} 条"))
        return problems
    if end == witness.size and _fold(h, stack) != witness.root:
        problems.append(
            LogProblem(
                "rewritten",
                None,
                f"数据库中的日志条目算出的根哈希与见证方（{witness.source}）联署的不符：日志被改写",
            )
        )
    if end == witness.size and not problems:
        try:
            if log.root_at(end) != witness.root:
                problems.append(LogProblem("rewritten", None, "日志的哈希瓦片与见证的根哈希不符"))
        except merkle.ProofError as exc:
            problems.append(LogProblem("rewritten", None, f"日志的哈希瓦片不完整：{exc}"))
    problems.extend(_inserted(full=full, state=state))
    if not problems:
        LogState.objects.filter(pk=1).update(
            verified_size=end, verified_root=_fold(h, stack).hex(), verified_at=timezone.now()
        )
    return problems


def _inserted(*, full: bool, state: LogState) -> list[LogProblem]:
    """Events that are neither in the log nor waiting for it."""
    qs = AuditEvent.objects.all()
    if not full and state.verified_size:
        last = (
            LogEntry.objects.filter(index=state.verified_size - 1)
            .values_list("event_id", flat=True)
            .first()
        )
        if last:
            qs = qs.filter(pk__gt=last)
    # NOT EXISTS (an anti-join on the unique event_id indexes), never NOT IN over millions
    orphans = list(
        qs.filter(
            ~Exists(LogEntry.objects.filter(event_id=OuterRef("pk"))),
            ~Exists(LogQueue.objects.filter(event_id=OuterRef("pk"))),
        ).values_list("pk", "chain", "seq")[:5]
    )
    return [
        LogProblem(
            "inserted", None, f"事件 {chain}#{seq}（编号 {pk}）不在日志中：它不是经平台写入的"
        )
        for pk, chain, seq in orphans
    ]
