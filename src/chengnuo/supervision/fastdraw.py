"""`sm3-rank-v1` over large pools on several cores: the same result as `draw.select`.

A pool arrives as its text, the members joined by "\\n" in code-point order, which is what its
digest is taken of (`draw.pool_digest`) and what its snapshot stores. `Selection` forks
`workers - 1` processes and hashes a slice itself in `result()`; each takes a slice of every
pool's text (cut at a newline), hashes its
members (`SM3(seed + ":" + member)`, the seed's prefix state copied), keeps those under the
quota's expected bound (`draw._bound`) and checks that its slice is in order. Meanwhile the
caller digests and stores the texts. `result()` merges the candidates, checks the order across
the slices' boundaries, and takes the `quota` lowest per pool.

A text found out of order (a database that returned its rows otherwise) is reported, not
selected from: the caller sorts it and selects again, so a wrong order never reaches a draw.
The children only compute and write their answer to a pipe, and end with `os._exit`, touching
nothing the parent holds (database connections, files). A child that fails is redone by the
caller. Standard library only, like `draw`.
"""

from __future__ import annotations

import gc
import itertools
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass

from . import draw

# below this many members in all a draw is hashed in the caller's process (a fork costs more)
PARALLEL_FROM = 200_000
# the caller hashes the first slice itself, after its own work meanwhile (digests, snapshots):
# a smaller share than each child's
CALLER_SHARE = 0.8

Candidates = list[tuple[bytes, bytes]]


@dataclass
class _Slice:
    candidates: Candidates
    in_order: bool
    first: bytes | None
    last: bytes | None


def count(text: bytes) -> int:
    """Members in a pool's text."""
    return text.count(b"\n") + 1 if text else 0


def _cut(text: bytes, part: int, parts: int, first: float | None = None) -> bytes:
    """The part-th of `parts` slices of a text, each cut just after a newline; the first
    slice is `first` of the text (the others share the rest), by default an equal share."""
    if parts == 1:
        return text
    size = len(text)
    first = 1 / parts if first is None else first

    def start(k: int) -> int:
        if k <= 0:
            return 0
        if k >= parts:
            return size + 1
        at = text.find(b"\n", int(size * (first + (1 - first) * (k - 1) / (parts - 1))))
        return size + 1 if at < 0 else at + 1

    begin, end = start(part), start(part + 1)
    return text[begin : max(begin, end - 1)]


def _hash(seed: str, text: bytes, bound: bytes | None, check_only: bool) -> _Slice:
    members = text.split(b"\n") if text else []
    in_order = sorted(members) == members  # one pass over a sorted list
    first, last = (members[0], members[-1]) if members else (None, None)
    if check_only or not members:
        return _Slice([], in_order, first, last)
    copy = draw._sm3(f"{seed}:".encode()).copy
    found: Candidates = []
    append = found.append
    for member in members:
        h = copy()
        h.update(member)
        d = h.digest()
        if bound is None or d < bound:
            append((d, member))
    return _Slice(found, in_order, first, last)


class Selection:
    """`draw.select` of each (text, quota), hashed by `workers` forked processes while the
    caller goes on; `check` texts (e.g. the whole pool's) are only checked for their order.
    `result()` → (selected per pool, or None for a text out of order; each check text in
    order?)."""

    def __init__(
        self,
        seed: str,
        pools: Sequence[tuple[bytes, int]],
        *,
        check: Sequence[bytes] = (),
        workers: int = 1,
    ) -> None:
        self.seed = seed
        self.pools = list(pools)
        self.check = list(check)
        self.bounds = [draw._bound(count(t), q) if q > 0 and t else None for t, q in self.pools]
        self.children: list[tuple[int, int, int]] = []  # (pid, read fd, part)
        self.parts = 1
        total = sum(count(t) for t, _ in self.pools)
        self.first = 1.0
        if workers > 1 and total >= PARALLEL_FROM and hasattr(os, "fork"):
            self.parts = workers
            self.first = CALLER_SHARE / workers
            for part in range(1, workers):  # part 0 is the caller's, in result()
                self._fork(part)

    def _work(self, part: int) -> list[_Slice]:
        def cut(text: bytes) -> bytes:
            return _cut(text, part, self.parts, self.first)

        out = [
            _hash(self.seed, cut(text), bound, check_only=quota <= 0)
            for (text, quota), bound in zip(self.pools, self.bounds, strict=True)
        ]
        out += [_hash(self.seed, cut(text), None, check_only=True) for text in self.check]
        return out

    def _fork(self, part: int) -> None:
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return  # done by the caller
        if pid == 0:  # the child: compute, write, leave without running any cleanup
            code = 1
            try:
                os.close(read)
                gc.disable()
                data = pickle.dumps(self._work(part), protocol=pickle.HIGHEST_PROTOCOL)
                view = memoryview(data)
                while view:
                    view = view[os.write(write, view) :]
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        self.children.append((pid, read, part))

    def _collect(self, pid: int, read: int) -> list[_Slice] | None:
        chunks = []
        try:
            while chunk := os.read(read, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(read)
            _, status = os.waitpid(pid, 0)
        if status != 0:
            return None
        try:
            got = pickle.loads(b"".join(chunks))
        except Exception:
            return None
        expected = len(self.pools) + len(self.check)
        return got if isinstance(got, list) and len(got) == expected else None

    def result(self) -> tuple[list[list[str] | None], list[bool]]:
        parts: dict[int, list[_Slice]] = {}
        children, self.children = self.children, []
        forked = {part for _, _, part in children}
        for part in range(self.parts):  # the caller's own slice while the children hash
            if part not in forked:
                parts[part] = self._work(part)
        for pid, read, part in children:
            got = self._collect(pid, read)
            if got is not None:
                parts[part] = got
        for part in range(self.parts):
            if part not in parts:
                parts[part] = self._work(part)
        slices = [parts[p] for p in range(self.parts)]  # [part][text]

        def in_order(i: int) -> bool:
            mine = [s[i] for s in slices]
            if not all(s.in_order for s in mine):
                return False
            bounds = [(s.first, s.last) for s in mine if s.first is not None]
            return all(a[1] < b[0] for a, b in itertools.pairwise(bounds))  # type: ignore[operator]

        selected: list[list[str] | None] = []
        for i, (_, quota) in enumerate(self.pools):
            if not in_order(i):
                selected.append(None)
                continue
            found = [c for s in slices for c in s[i].candidates]
            text = self.pools[i][0]
            if quota <= 0 or not text:
                selected.append([])
            elif len(found) < min(quota, count(text)):  # unlucky: by the definition
                selected.append(draw.select(self.seed, text.decode("utf-8").split("\n"), quota))
            else:
                found.sort()
                selected.append([m.decode("utf-8") for _, m in found[:quota]])
        checked = [in_order(len(self.pools) + j) for j in range(len(self.check))]
        return selected, checked
