"""The published draw algorithm `sm3-rank-v1` (R-4.3): anyone can recompute a draw.

Standard library only (no Django): a third party runs it on the published draw,

    python -m chengnuo.supervision.draw draw.json   # from /api/v1/supervision/draws/{id}

and gets "一致" or the first difference. The algorithm:

- the pool is a set of opaque public references (never personal data);
  ``pool_digest = SM3("\\n".join(sorted(pool)))`` (UTF-8, lower-case hex);
- the seed is ``SM3(share_1 + ":" + share_2)`` of the revealed shares of the lead agency and of
  the Justice Bureau, each committed before the pool froze as ``SM3(share)``;
- each member's score is ``int(SM3(seed + ":" + member))``; the ``quota`` members with the
  lowest scores are selected, ties broken by the member (ordered as strings);
- a stratified draw does this per stratum, each with its own pool, digest and quota;
- inspectors (``sm3-rank-v1/load``): for the tasks in the order of their subject reference,
  among the eligible inspectors of each agency (the pool minus those recused for that task),
  the ``n`` with the fewest tasks so far in this draw, then the lowest score
  ``int(SM3(seed + ":" + subject + ":" + inspector))``.

Sorting is by code point, which is what Python's ``sorted`` does for ``str``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ALGORITHM = "sm3-rank-v1"
INSPECTOR_ALGORITHM = "sm3-rank-v1/load"
DIGEST_BYTES = 32
# the expected share of a uniform 256-bit score below the quota-th one, with margin: the first
# pass keeps only members under this bound, so selection sorts a few per cent of the pool
_MARGIN = 1.25
_SLACK = 64


def _sm3_factory() -> Any:
    try:
        hashlib.new("sm3")
    except ValueError:  # an OpenSSL without SM3: gmssl's implementation
        from gmssl import func, sm3

        class _Pure:
            def __init__(self, data: bytes = b"") -> None:
                self._data = bytearray(data)

            def update(self, data: bytes) -> None:
                self._data += data

            def copy(self) -> _Pure:
                return _Pure(bytes(self._data))

            def digest(self) -> bytes:
                return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(bytes(self._data))))

            def hexdigest(self) -> str:
                return self.digest().hex()

        return _Pure
    return lambda data=b"": hashlib.new("sm3", data)


_sm3 = _sm3_factory()


def sm3(text: str) -> str:
    return str(_sm3(text.encode("utf-8")).hexdigest())


def pool_text(pool: Iterable[str], *, presorted: bool = True) -> bytes:
    """The pool as its digest is taken: the sorted members, one per line, UTF-8."""
    members = pool if presorted else sorted(pool)
    return "\n".join(members).encode("utf-8")


def digest_text(text: bytes) -> str:
    return str(_sm3(text).hexdigest())


def pool_digest(pool: Iterable[str], *, presorted: bool = False) -> str:
    return digest_text(pool_text(pool, presorted=presorted))


def share_commitment(share: str) -> str:
    """What a party publishes before the pool freezes: SM3 of its share."""
    return sm3(share)


def combine_seed(shares: Sequence[str]) -> str:
    """The seed from the revealed shares, in the published order (lead agency, Justice
    Bureau)."""
    return sm3(":".join(shares))


def score(seed: str, member: str) -> int:
    return int(sm3(f"{seed}:{member}"), 16)


def _digests(seed: str, members: Sequence[str]) -> list[bytes]:
    """SM3(seed + ":" + member) for every member. The seed's prefix is hashed once and the
    state copied per member (the same digest as hashing the whole string)."""
    copy = _sm3(f"{seed}:".encode()).copy
    out: list[bytes] = []
    append = out.append
    for member in members:
        h = copy()
        h.update(member.encode("utf-8"))
        append(h.digest())
    return out


def _bound(n: int, quota: int) -> bytes | None:
    """The digest the quota-th lowest of n uniform scores is expected under, with margin
    (None: keep every member)."""
    fraction = (quota * _MARGIN + _SLACK) / n
    if fraction >= 1.0:
        return None
    return int(fraction * (1 << 256)).to_bytes(DIGEST_BYTES, "big")


def _under(seed: str, members: Sequence[str], bound: bytes | None) -> list[tuple[bytes, str]]:
    """(digest, member) of the members whose digest is under the bound (all if None)."""
    if bound is None:
        return list(zip(_digests(seed, members), members, strict=True))
    copy = _sm3(f"{seed}:".encode()).copy
    out: list[tuple[bytes, str]] = []
    append = out.append
    for member in members:
        h = copy()
        h.update(member.encode("utf-8"))
        d = h.digest()
        if d < bound:
            append((d, member))
    return out


def _lowest(
    seed: str, pool: Sequence[str], quota: int, candidates: list[tuple[bytes, str]]
) -> list[str]:
    """The quota lowest of the candidates, or of the whole pool if too few passed."""
    if len(candidates) < min(quota, len(pool)):  # unlucky: sort everything
        candidates = list(zip(_digests(seed, pool), pool, strict=True))
    candidates.sort()
    return [m for _, m in candidates[:quota]]


def select(seed: str, pool: Sequence[str], quota: int) -> list[str]:
    """The `quota` members with the lowest scores (ties by member), in that order.

    Scores are compared as 32-byte big-endian digests, which orders them as the integers.
    A first pass keeps the members whose digest is under the bound the quota-th score
    is expected under (with margin); if fewer than `quota` pass, every member is sorted. The
    result is the same either way: the definition above, only faster."""
    if quota <= 0 or not pool:
        return []
    return _lowest(seed, pool, quota, _under(seed, pool, _bound(len(pool), quota)))


def select_inspectors(
    seed: str,
    tasks: Sequence[dict[str, Any]],
    pools: Mapping[str, Sequence[str]],
) -> list[dict[str, Any]]:
    """Inspectors for each task (R-4.3, ``sm3-rank-v1/load``).

    ``tasks``: ``[{"subject": ref, "need": {agency_key: n}, "excluded": [inspector refs]}]``;
    ``pools``: agency_key → inspector refs. Returns, per task in subject order,
    ``{"subject", "selected": {agency_key: [refs]}, "short": {agency_key: missing}}``."""
    load: dict[str, int] = {}
    result = []
    for task in sorted(tasks, key=lambda t: str(t["subject"])):
        subject = str(task["subject"])
        excluded = set(task.get("excluded") or ())
        chosen: dict[str, list[str]] = {}
        short: dict[str, int] = {}
        for agency_key in sorted(task["need"]):
            need = int(task["need"][agency_key])
            taken = {r for refs in chosen.values() for r in refs}
            eligible = [
                r for r in pools.get(agency_key, ()) if r not in excluded and r not in taken
            ]
            ranked = sorted(
                eligible, key=lambda r: (load.get(r, 0), score(f"{seed}:{subject}", r), r)
            )
            picked = ranked[:need]
            for r in picked:
                load[r] = load.get(r, 0) + 1
            chosen[agency_key] = picked
            if len(picked) < need:
                short[agency_key] = need - len(picked)
        result.append({"subject": subject, "selected": chosen, "short": short})
    return result


# --- recomputation from the published JSON --------------------------------------------------


def recompute(published: dict[str, Any]) -> list[str]:
    """Every difference between a published draw and its recomputation (empty: 一致)."""
    problems: list[str] = []
    if published.get("algorithm") != ALGORITHM:
        return [f"未知算法：{published.get('algorithm')}"]
    shares = published.get("shares") or []
    for share in shares:
        if share.get("share") is None:
            problems.append(f"{share.get('party')}的随机数尚未公开")
        elif share_commitment(share["share"]) != share.get("commitment"):
            problems.append(f"{share.get('party')}公开的随机数与事先承诺的摘要不符")
    if shares and all(s.get("share") for s in shares):
        seed = combine_seed([s["share"] for s in shares])
        if seed != published.get("seed"):
            problems.append("随机种子不等于各方随机数的组合")
    seed = str(published.get("seed") or "")
    strata = published.get("strata") or [
        {
            "key": "",
            "pool": published.get("pool"),
            "pool_digest": published.get("pool_digest"),
            "quota": published.get("quota"),
            "selected": published.get("selected"),
        }
    ]
    for stratum in strata:
        label = f"分层“{stratum.get('key')}”" if stratum.get("key") else "对象"
        pool = stratum.get("pool")
        if pool is None:
            problems.append(f"{label}：未附名录（请下载名录文件后重算）")
            continue
        if pool_digest(pool) != stratum.get("pool_digest"):
            problems.append(f"{label}：名录摘要不符")
        if select(seed, pool, int(stratum.get("quota") or 0)) != list(
            stratum.get("selected") or []
        ):
            problems.append(f"{label}：抽中结果与重算不符")
    inspectors = published.get("inspectors")
    if inspectors:
        tasks = [
            {"subject": t["subject"], "need": t["need"], "excluded": t.get("excluded", [])}
            for t in inspectors.get("tasks", [])
        ]
        again = select_inspectors(seed, tasks, inspectors.get("pools", {}))
        given = {t["subject"]: t["selected"] for t in inspectors.get("tasks", [])}
        for row in again:
            if given.get(row["subject"]) != row["selected"]:
                problems.append(f"检查对象{row['subject']}的检查人员与重算不符")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("用法：python -m chengnuo.supervision.draw 抽取结果.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as f:
        published = json.load(f)
    problems = recompute(published)
    if problems:
        for p in problems:
            print(f"不一致：{p}")
        return 1
    print(f"一致：抽取 {published.get('id')} 可按公开数据重算（{ALGORITHM}）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
