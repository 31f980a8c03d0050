"""Merkle tree hashing, proofs and their verification (RFC 9162 §2.1), and the tile layout of
C2SP tlog-tiles. Pure Python; no Django.

- leaf hash ``H(0x00 ‖ entry)``, interior node ``H(0x01 ‖ left ‖ right)``; H is SM3 (default)
  or SHA-256, both 32 bytes;
- a *node* ``(h, k)`` is the root of the complete subtree of height h covering the leaves
  ``[k·2^h, (k+1)·2^h)``; proofs are built from node hashes read through a callable, so a proof
  costs O(log n) node reads wherever the nodes are stored;
- tiles (height 8): the tile ``(L, N)`` holds the hashes of the nodes ``(8L, 256N … 256N+255)``;
  a partial tile holds the first W of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
ALGORITHMS = ("sm3", "sha256")

NodeReader = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that does not verify, or a request for one that cannot exist."""


def _sm3_function() -> Callable[[bytes], bytes]:
    try:
        hashlib.new("sm3", b"")
    except ValueError:  # OpenSSL without SM3: the pure-Python implementation
        from gmssl import func, sm3

        return lambda data: bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))
    return lambda data: hashlib.new("sm3", data).digest()


class Hasher:
    """The tree's hash: ``Hasher("sm3")`` or ``Hasher("sha256")``."""

    def __init__(self, algorithm: str = "sm3") -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown hash algorithm {algorithm!r}")
        self.algorithm = algorithm
        self.digest: Callable[[bytes], bytes] = (
            _sm3_function() if algorithm == "sm3" else (lambda d: hashlib.sha256(d).digest())
        )

    def leaf(self, entry: bytes) -> bytes:
        return self.digest(b"\x00" + entry)

    def node(self, left: bytes, right: bytes) -> bytes:
        return self.digest(b"\x01" + left + right)

    def empty(self) -> bytes:
        """The root of the empty tree: the hash of the empty string."""
        return self.digest(b"")

    def root(self, leaf_hashes: Sequence[bytes]) -> bytes:
        """MTH over leaf hashes, directly from the definition (for tests and small trees)."""
        n = len(leaf_hashes)
        if n == 0:
            return self.empty()
        if n == 1:
            return leaf_hashes[0]
        k = split(n)
        return self.node(self.root(leaf_hashes[:k]), self.root(leaf_hashes[k:]))


def split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- building proofs from stored nodes ---------------------------------------------------


def subtree_hash(hasher: Hasher, node: NodeReader, start: int, n: int) -> bytes:
    """MTH of the leaves [start, start+n), where start is a multiple of the largest power of
    two ≤ n (true of every subtree the RFC's recursion visits): complete subtrees are read,
    the rest combined — O(log n) reads."""
    if n == 0:
        return hasher.empty()
    if n & (n - 1) == 0:
        height = n.bit_length() - 1
        return node(height, start >> height)
    k = split(n)
    return hasher.node(
        subtree_hash(hasher, node, start, k), subtree_hash(hasher, node, start + k, n - k)
    )


def tree_hash(hasher: Hasher, node: NodeReader, size: int) -> bytes:
    return subtree_hash(hasher, node, 0, size)


def inclusion_proof(hasher: Hasher, node: NodeReader, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = split(n)
        if m < k:
            path.append(subtree_hash(hasher, node, start + k, n - k))
            n = k
        else:
            path.append(subtree_hash(hasher, node, start, k))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def consistency_proof(hasher: Hasher, node: NodeReader, old: int, new: int) -> list[bytes]:
    """PROOF(old, D[0:new]) of RFC 9162 §2.1.4.1."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    path: list[bytes] = []
    start, n, m, whole = 0, new, old, True
    while m != n:
        k = split(n)
        if m <= k:
            path.append(subtree_hash(hasher, node, start + k, n - k))
            n = k
        else:
            path.append(subtree_hash(hasher, node, start, k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        path.append(subtree_hash(hasher, node, start, m))
    path.reverse()
    return path


# --- verifying proofs (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------


def root_from_inclusion(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, path: Sequence[bytes]
) -> bytes:
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    if len(leaf_hash) != HASH_SIZE or any(len(p) != HASH_SIZE for p in path):
        raise ProofError("a hash of the proof is not 32 bytes")
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = hasher.node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = hasher.node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    hasher: Hasher, index: int, size: int, leaf_hash: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Raises ProofError unless the leaf is at `index` of the tree of `size` with `root`."""
    if root_from_inclusion(hasher, index, size, leaf_hash, path) != root:
        raise ProofError("inclusion proof does not lead to the root hash")


def verify_consistency(
    hasher: Hasher,
    old: int,
    new: int,
    old_root: bytes,
    new_root: bytes,
    path: Sequence[bytes],
) -> None:
    """Raises ProofError unless the tree (new, new_root) extends the tree (old, old_root)."""
    if not 0 <= old <= new:
        raise ProofError(f"size {new} is smaller than size {old}: the log went back")
    if old == new:
        if path:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("same size, different root hash: the log forked")
        return
    if old == 0:
        if path:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not path:
        raise ProofError("consistency proof is empty")
    proof = list(path)
    if old & (old - 1) == 0:
        proof.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = hasher.node(c, fr)
            sr = hasher.node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = hasher.node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not lead to the old root hash: the log forked")
    if sr != new_root:
        raise ProofError("consistency proof does not lead to the new root hash")


# --- tiles (C2SP tlog-tiles) ----------------------------------------------------------------


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` with N in groups of three digits (x001/x234/067)."""
    digits = f"{index:03d}"
    while len(digits) % 3:
        digits = "0" + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    name = "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])
    suffix = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{name}{suffix}"


def parse_tile_index(parts: Sequence[str]) -> int:
    """The N of a tile path from its groups (``["x001", "x234", "067"]`` → 1234067)."""
    if not parts or any(len(p) != (4 if i < len(parts) - 1 else 3) for i, p in enumerate(parts)):
        raise ValueError("malformed tile index")
    digits = "".join(p[1:] if i < len(parts) - 1 else p for i, p in enumerate(parts))
    if any(p[0] != "x" for p in parts[:-1]) or not (digits.isascii() and digits.isdigit()):
        raise ValueError("malformed tile index")
    if len(parts) > 1 and parts[0] == "x000":  # one spelling per tile: no leading zero group
        raise ValueError("malformed tile index")
    return int(digits)


def tile_levels(hasher: Hasher, row: Sequence[bytes]) -> list[list[bytes]]:
    """The tile's tree: level 0 the stored row, level r the complete nodes of height r above
    it (a partial tile has only the nodes whose leaves are all present)."""
    levels = [list(row)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append([hasher.node(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


def node_position(height: int, index: int) -> tuple[int, int, int, int]:
    """Where the node (height, index) lives: (tile level, tile index, level inside the tile,
    position on that level)."""
    level, inner = divmod(height, TILE_HEIGHT)
    first = index << inner  # the first stored hash it covers
    return level, first >> TILE_HEIGHT, inner, (first & (TILE_WIDTH - 1)) >> inner


def tiles_for_size(size: int) -> list[tuple[int, int, int]]:
    """Every tile (level, index, width) of a tree of `size` leaves, the partial ones last on
    each level."""
    tiles: list[tuple[int, int, int]] = []
    level, count = 0, size
    while count > 0:
        full, rest = divmod(count, TILE_WIDTH)
        tiles.extend((level, i, TILE_WIDTH) for i in range(full))
        if rest:
            tiles.append((level, full, rest))
        level, count = level + 1, full
    return tiles
