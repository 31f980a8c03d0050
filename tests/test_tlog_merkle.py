"""chengnuo.tlog.merkle against RFC 6962 / RFC 9162 (hashing, inclusion and consistency proofs)
and C2SP tlog-tiles (tile paths and the tile layout). Pure functions: no database."""

from __future__ import annotations

import functools
import hashlib

import pytest

from chengnuo.tlog import merkle
from chengnuo.tlog.merkle import Hasher, ProofError

ALGORITHMS = ("sha256", "sm3")
MAX_SIZE = 70

# --- RFC 6962 reference data (the Certificate Transparency test vectors, as published with
# transparency-dev/merkle and google/certificate-transparency-go) ---------------------------

RFC_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
RFC_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]  # RFC_ROOTS[n] is the root of the first n leaves

# (zero-based leaf index, tree size, proof)
RFC_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (0, 1, []),
]

# (old size, new size, proof)
RFC_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

SHA256_EMPTY = hashlib.sha256(b"").digest()
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
SM3_EMPTY = bytes.fromhex("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b")
SM3_ABC = bytes.fromhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


# --- an independent reference: MTH, PATH and PROOF written straight from RFC 9162 §2.1 ------


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _digest(algorithm: str):
    return lambda data: hashlib.new(algorithm, data).digest()


class Reference:
    """The RFC's recursive definitions over a fixed list of entries, memoised by leaf range."""

    def __init__(self, algorithm: str, entries: list[bytes]) -> None:
        self.h = _digest(algorithm)
        self.leaves = [self.h(b"\x00" + e) for e in entries]

    @functools.cache  # noqa: B019 - instances live for the whole module
    def mth(self, start: int, end: int) -> bytes:
        n = end - start
        if n == 0:
            return self.h(b"")
        if n == 1:
            return self.leaves[start]
        k = _largest_power_of_two_below(n)
        return self.h(b"\x01" + self.mth(start, start + k) + self.mth(start + k, end))

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = _largest_power_of_two_below(n)
        if m < k:
            return [*self.path(m, start, start + k), self.mth(start + k, end)]
        return [*self.path(m - k, start + k, end), self.mth(start, start + k)]

    def subproof(self, m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [self.mth(start, end)]
        k = _largest_power_of_two_below(n)
        if m <= k:
            return [*self.subproof(m, start, start + k, whole), self.mth(start + k, end)]
        return [*self.subproof(m - k, start + k, end, False), self.mth(start, start + k)]

    def proof(self, old: int, new: int) -> list[bytes]:
        return self.subproof(old, 0, new, True)


class Tree:
    """Every complete subtree of a list of leaf hashes, served through a node reader that
    records what it was asked for and refuses nodes a tree of `size` does not have yet."""

    def __init__(self, hasher: Hasher, leaf_hashes: list[bytes]) -> None:
        self.hasher = hasher
        self.nodes: dict[tuple[int, int], bytes] = {}
        level, height = list(leaf_hashes), 0
        while level:
            for index, value in enumerate(level):
                self.nodes[(height, index)] = value
            level = [hasher.node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            height += 1

    def reader(self, size: int):
        reads: list[tuple[int, int]] = []

        def node(height: int, index: int) -> bytes:
            assert height >= 0 and index >= 0
            assert (index + 1) << height <= size, f"node {(height, index)} is not in size {size}"
            reads.append((height, index))
            return self.nodes[(height, index)]

        return node, reads


def _entries(count: int) -> list[bytes]:
    # entries of varied lengths, the empty one included
    return [b""] + [f"entry {i}".encode() * (i % 3 + 1) for i in range(1, count)]


@functools.cache
def _setup(algorithm: str):
    entries = _entries(2 * MAX_SIZE + 2)
    ref = Reference(algorithm, entries)
    hasher = Hasher(algorithm)
    leaves = [hasher.leaf(e) for e in entries]
    assert leaves == ref.leaves
    tree = Tree(hasher, leaves)
    roots = [ref.mth(0, n) for n in range(len(entries) + 1)]
    return hasher, ref, tree, leaves, roots


def _flip(data: bytes, bit: int = 3) -> bytes:
    return bytes([data[0] ^ (1 << bit)]) + data[1:]


def _inclusion_fails(hasher, index, size, leaf, path, root) -> bool:
    try:
        merkle.verify_inclusion(hasher, index, size, leaf, path, root)
    except ProofError:
        return True
    return False


def _consistency_fails(hasher, old, new, old_root, new_root, path) -> bool:
    try:
        merkle.verify_consistency(hasher, old, new, old_root, new_root, path)
    except ProofError:
        return True
    return False


# --- hashing ---------------------------------------------------------------------------------


def test_rfc6962_leaf_node_and_empty_hashes():
    h = Hasher("sha256")
    assert h.algorithm == "sha256"
    assert h.empty() == SHA256_EMPTY == RFC_ROOTS[0]
    assert h.leaf(b"") == hashlib.sha256(b"\x00").digest() == RFC_ROOTS[1]
    l0, l1 = h.leaf(RFC_LEAVES[0]), h.leaf(RFC_LEAVES[1])
    assert h.node(l0, l1) == hashlib.sha256(b"\x01" + l0 + l1).digest() == RFC_ROOTS[2]
    assert len(h.leaf(b"x")) == merkle.HASH_SIZE == 32


def test_rfc6962_roots_for_sizes_0_to_8():
    h = Hasher("sha256")
    leaves = [h.leaf(e) for e in RFC_LEAVES]
    tree = Tree(h, leaves)
    for size in range(len(RFC_LEAVES) + 1):
        assert h.root(leaves[:size]) == RFC_ROOTS[size], size
        node, _ = tree.reader(size)
        assert merkle.tree_hash(h, node, size) == RFC_ROOTS[size], size


@pytest.mark.parametrize(("index", "size", "proof"), RFC_INCLUSION)
def test_rfc6962_inclusion_vectors(index, size, proof):
    h = Hasher("sha256")
    leaves = [h.leaf(e) for e in RFC_LEAVES]
    node, _ = Tree(h, leaves).reader(size)
    path = [bytes.fromhex(p) for p in proof]
    assert merkle.inclusion_proof(h, node, index, size) == path
    root = RFC_ROOTS[size]
    assert merkle.root_from_inclusion(h, index, size, leaves[index], path) == root
    merkle.verify_inclusion(h, index, size, leaves[index], path, root)

    # the probes of transparency-dev/merkle's corruptInclusionProof
    leaf = leaves[index]
    probes = [
        (index - 1, size, leaf, path, root),
        (index + 1, size, leaf, path, root),
        (index ^ 2, size, leaf, path, root),
        (index, size * 2, leaf, path, root),
        (index, size // 2, leaf, path, root),
        (index, size, b"WrongLeaf", path, root),
        (index, size, leaf, path, SHA256_EMPTY),
        (index, size, leaf, path, SOME_HASH),
        (index, size, leaf, [*path, b""], root),
        (index, size, leaf, [*path, root], root),
        (index, size, leaf, [b"", *path], root),
        (index, size, leaf, [root, *path], root),
    ]
    for i in range(len(path)):
        probes.append((index, size, leaf, [*path[:i], _flip(path[i]), *path[i + 1 :]], root))
    if path:
        probes.append((index, size, leaf, path[:-1], root))
    if len(path) > 1:
        probes.append((index, size, leaf, [path[0], SOME_HASH, *path[1:]], root))
    for probe in probes:
        assert _inclusion_fails(h, *probe), probe


@pytest.mark.parametrize(("old", "new", "proof"), RFC_CONSISTENCY)
def test_rfc6962_consistency_vectors(old, new, proof):
    h = Hasher("sha256")
    leaves = [h.leaf(e) for e in RFC_LEAVES]
    node, _ = Tree(h, leaves).reader(new)
    path = [bytes.fromhex(p) for p in proof]
    assert merkle.consistency_proof(h, node, old, new) == path
    old_root, new_root = RFC_ROOTS[old], RFC_ROOTS[new]
    merkle.verify_consistency(h, old, new, old_root, new_root, path)
    if not path:
        return

    # the probes of transparency-dev/merkle's corruptConsistencyProof
    probes = [
        (old - 1, new, old_root, new_root, path),
        (old + 1, new, old_root, new_root, path),
        (old ^ 2, new, old_root, new_root, path),
        (old, new * 2, old_root, new_root, path),
        (old, new // 2, old_root, new_root, path),
        (old, new, b"WrongRoot", new_root, path),
        (old, new, old_root, b"WrongRoot", path),
        (old, new, new_root, old_root, path),
        (old, new, old_root, new_root, []),
        (old, new, old_root, new_root, [*path, b""]),
        (old, new, old_root, new_root, [*path, old_root]),
        (old, new, old_root, new_root, [*path, new_root]),
        (old, new, old_root, new_root, [b"", *path]),
        (old, new, old_root, new_root, [old_root, *path]),
        (old, new, old_root, new_root, [new_root, *path]),
        (old, new, old_root, new_root, [path[0], *path]),
        (old, new, old_root, new_root, path[:-1]),
    ]
    for i in range(len(path)):
        probes.append(
            (old, new, old_root, new_root, [*path[:i], _flip(path[i], 4), *path[i + 1 :]])
        )
    for probe in probes:
        assert _consistency_fails(h, *probe), probe


def test_inclusion_single_entry_tree():
    # transparency-dev/merkle TestVerifyInclusionSingleEntry
    h = Hasher("sha256")
    leaf = h.leaf(b"data")
    merkle.verify_inclusion(h, 0, 1, leaf, [], leaf)
    assert merkle.root_from_inclusion(h, 0, 1, leaf, []) == leaf
    for root, got in ((leaf, b""), (b"", leaf), (leaf, SOME_HASH)):
        assert _inclusion_fails(h, 0, 1, got, [], root)
    # an entry's own tree has no siblings: a one-element path is too long
    assert _inclusion_fails(h, 0, 1, leaf, [leaf], h.node(leaf, leaf))


def test_inclusion_rejects_hashes_of_the_wrong_size():
    h = Hasher("sha256")
    assert _inclusion_fails(h, 0, 1, b"", [], b"")


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1), (-1, 5), (5, 5)])
def test_inclusion_degenerate_probes(index, size):
    # transparency-dev/merkle TestVerifyInclusion's probes with an empty proof
    h = Hasher("sha256")
    assert _inclusion_fails(h, index, size, SOME_HASH, [], b"")
    assert _inclusion_fails(h, index, size, b"", [], SHA256_EMPTY)
    assert _inclusion_fails(h, index, size, SOME_HASH, [], SHA256_EMPTY)


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "path", "ok"),
    [
        # transparency-dev/merkle TestVerifyConsistency
        (0, 0, b"don't care 1", b"don't care 2", [], False),
        (1, 1, b"don't care 1", b"don't care 2", [], False),
        (0, 0, b"don't care 1", b"don't care 1", [], True),
        (0, 1, b"don't care 1", b"don't care 2", [], True),
        (1, 1, b"don't care 2", b"don't care 2", [], True),
        (1, 0, b"don't care 1", b"don't care 2", [], False),
        (2, 1, b"don't care 1", b"don't care 2", [], False),
        (1, 2, b"don't care 1", b"don't care 2", [], False),
        (0, 0, SHA256_EMPTY, b"don't care 2", [], False),
        (1, 1, SHA256_EMPTY, b"don't care 2", [], False),
        (0, 0, SHA256_EMPTY, SHA256_EMPTY, [SHA256_EMPTY], False),
        (0, 1, SHA256_EMPTY, SHA256_EMPTY, [SHA256_EMPTY], False),
        (1, 1, SHA256_EMPTY, SHA256_EMPTY, [SHA256_EMPTY], False),
        (-1, 1, SHA256_EMPTY, SHA256_EMPTY, [], False),
    ],
)
def test_consistency_edge_cases(old, new, old_root, new_root, path, ok):
    h = Hasher("sha256")
    assert _consistency_fails(h, old, new, old_root, new_root, path) is not ok


@pytest.mark.parametrize(
    ("n", "k"),
    [
        *[(2, 1), (3, 2), (4, 2), (5, 4), (6, 4), (7, 4), (8, 4), (9, 8), (16, 8), (17, 16)],
        *[(1000, 512), (1 << 40, 1 << 39), ((1 << 40) + 1, 1 << 40), ((1 << 63) + 1, 1 << 63)],
    ],
)
def test_split_is_the_largest_power_of_two_below(n, k):
    assert merkle.split(n) == k


def test_hasher_rejects_unknown_algorithms():
    assert Hasher().algorithm == "sm3"
    for name in ("md5", "SHA256", "sha-256", "", "sm2"):
        with pytest.raises(ValueError):
            Hasher(name)


def test_root_by_definition():
    for algorithm in ALGORITHMS:
        _, _, _, leaves, roots = _setup(algorithm)
        h = Hasher(algorithm)
        assert h.root([]) == h.empty() == _digest(algorithm)(b"")
        for n in range(len(leaves) + 1):
            assert h.root(leaves[:n]) == roots[n], (algorithm, n)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_subtree_hash_of_every_aligned_range(algorithm):
    hasher, ref, tree, leaves, _ = _setup(algorithm)
    total = len(leaves)
    node, reads = tree.reader(total)
    for n in range(total + 1):
        step = 1 << (n.bit_length() - 1) if n else 1
        for start in range(0, total - n + 1, step):
            reads.clear()
            assert merkle.subtree_hash(hasher, node, start, n) == ref.mth(start, start + n)
            assert len(reads) == bin(n).count("1")  # one read per complete subtree
            assert all(start <= k << h and (k + 1) << h <= start + n for h, k in reads)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_inclusion_proofs_for_every_size_and_index(algorithm):
    hasher, ref, tree, leaves, roots = _setup(algorithm)
    for size in range(1, MAX_SIZE + 1):
        root = roots[size]
        node, reads = tree.reader(size)
        assert merkle.tree_hash(hasher, node, size) == root
        for index in range(size):
            reads.clear()
            path = merkle.inclusion_proof(hasher, node, index, size)
            assert path == ref.path(index, 0, size), (size, index)
            assert len(reads) <= 2 * size.bit_length()
            leaf = leaves[index]
            assert merkle.root_from_inclusion(hasher, index, size, leaf, path) == root
            merkle.verify_inclusion(hasher, index, size, leaf, path, root)

            probes = []
            for i in range(len(path)):  # one hash changed
                probes.append(
                    (index, size, leaf, [*path[:i], _flip(path[i]), *path[i + 1 :]], root)
                )
            if path:  # too short
                probes += [
                    (index, size, leaf, path[:-1], root),
                    (index, size, leaf, path[1:], root),
                ]
            probes += [  # too long
                (index, size, leaf, [*path, leaf], root),
                (index, size, leaf, [*path, root], root),
                (index, size, leaf, [root, *path], root),
            ]
            for other in {index - 1, index + 1, index ^ 1, index ^ 2, index ^ 4, size - 1 - index}:
                if other != index:  # wrong index (out of range ones included)
                    probes.append((other, size, leaf, path, root))
            probes += [(size, size, leaf, path, root), (-1, size, leaf, path, root)]
            for other in {size - 1, size + 1, size * 2, size // 2}:
                if other != size and other > index:  # wrong size, with that size's root
                    probes.append((index, other, leaf, path, roots[other]))
            for other in {size * 2, size // 2}:  # wrong size, same root
                if other > index:
                    probes.append((index, other, leaf, path, root))
            probes += [  # wrong leaf
                (index, size, _flip(leaf), path, root),
                (index, size, hasher.leaf(b"not an entry"), path, root),
                (index, size, SOME_HASH, path, root),
            ]
            if size > 1:  # another entry's leaf, or the root itself
                probes.append((index, size, leaves[(index + 1) % size], path, root))
                probes.append((index, size, root, path, root))
            probes += [  # wrong root
                (index, size, leaf, path, _flip(root)),
                (index, size, leaf, path, roots[size - 1]),
                (index, size, leaf, path, roots[size + 1]),
                (index, size, leaf, path, hasher.empty()),
            ]
            for probe in probes:
                assert _inclusion_fails(hasher, *probe), (size, index, probe[:2])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_consistency_proofs_for_every_pair_of_sizes(algorithm):
    hasher, ref, tree, _, roots = _setup(algorithm)
    for new in range(1, MAX_SIZE + 1):
        node, reads = tree.reader(new)
        new_root = roots[new]
        for old in range(new + 1):
            reads.clear()
            path = merkle.consistency_proof(hasher, node, old, new)
            old_root = roots[old]
            if old in (0, new):
                assert path == []
                assert reads == []
            else:
                assert path == ref.proof(old, new), (old, new)
                assert len(reads) <= 2 * new.bit_length()
            merkle.verify_consistency(hasher, old, new, old_root, new_root, path)
            if not path:
                continue

            probes = []
            for i in range(len(path)):  # one hash changed
                changed = [*path[:i], _flip(path[i], 4), *path[i + 1 :]]
                probes.append((old, new, old_root, new_root, changed))
            probes += [  # too short
                (old, new, old_root, new_root, []),
                (old, new, old_root, new_root, path[:-1]),
                (old, new, old_root, new_root, path[1:]),
            ]
            probes += [  # too long
                (old, new, old_root, new_root, [*path, b""]),
                (old, new, old_root, new_root, [*path, old_root]),
                (old, new, old_root, new_root, [*path, new_root]),
                (old, new, old_root, new_root, [old_root, *path]),
                (old, new, old_root, new_root, [new_root, *path]),
                (old, new, old_root, new_root, [path[0], *path]),
            ]
            others = {(old - 1, new), (old + 1, new), (old ^ 2, new), (old, new - 1)}
            others |= {(old, new + 1), (old, new * 2), (old, new // 2), (old + 1, new + 1)}
            for o, n in sorted(others):  # wrong sizes, with those sizes' roots
                if (o, n) != (old, new) and 0 <= o <= n:
                    probes.append((o, n, roots[o], roots[n], path))
            probes += [  # swapped and wrong roots
                (old, new, new_root, old_root, path),
                (old, new, _flip(old_root), new_root, path),
                (old, new, old_root, _flip(new_root), path),
                (old, new, roots[old - 1], new_root, path) if old > 1 else None,
                (old, new, old_root, roots[new + 1], path),
                (new, old, new_root, old_root, path),  # the log went back
            ]
            for probe in filter(None, probes):
                assert _consistency_fails(hasher, *probe), (old, new, probe[:2])

        # an equal size needs the same root and an empty proof; any tree extends the empty one
        assert _consistency_fails(hasher, new, new, new_root, roots[new - 1], [])
        assert _consistency_fails(hasher, new, new, new_root, new_root, [new_root])
        merkle.verify_consistency(hasher, 0, new, b"anything", new_root, [])
        assert _consistency_fails(hasher, 0, new, hasher.empty(), new_root, [new_root])


def test_proof_requests_that_cannot_exist():
    hasher, _, tree, leaves, roots = _setup("sm3")
    node, _ = tree.reader(10)
    for index, size in ((10, 10), (11, 10), (-1, 10), (0, 0)):
        with pytest.raises(ProofError):
            merkle.inclusion_proof(hasher, node, index, size)
        with pytest.raises(ProofError):
            merkle.root_from_inclusion(hasher, index, size, leaves[0], [])
    for old, new in ((11, 10), (-1, 10), (3, 2)):
        with pytest.raises(ProofError):
            merkle.consistency_proof(hasher, node, old, new)
    assert merkle.consistency_proof(hasher, node, 0, 10) == []
    assert merkle.consistency_proof(hasher, node, 10, 10) == []
    assert merkle.consistency_proof(hasher, node, 0, 0) == []
    assert merkle.tree_hash(hasher, node, 0) == hasher.empty()
    merkle.verify_consistency(hasher, 0, 0, roots[0], roots[0], [])


def test_proofs_of_a_large_tree_need_few_node_reads():
    # a tree of 2^40 + 12345 equal entries: every complete subtree of height h has the same
    # hash, so a node reader can serve any of them; the proof size bounds the work
    hasher = Hasher("sha256")
    size = (1 << 40) + 12345
    by_height = [hasher.leaf(b"the same entry")]
    while len(by_height) <= size.bit_length():
        by_height.append(hasher.node(by_height[-1], by_height[-1]))
    reads = []

    def node(height: int, index: int) -> bytes:
        assert (index + 1) << height <= size
        reads.append((height, index))
        return by_height[height]

    root = merkle.tree_hash(hasher, node, size)
    assert len(reads) == bin(size).count("1")
    for index in (0, 1, size // 3, (1 << 40) - 1, 1 << 40, size - 1):
        reads.clear()
        path = merkle.inclusion_proof(hasher, node, index, size)
        assert len(reads) <= 2 * size.bit_length()
        leaf = node(0, index)
        merkle.verify_inclusion(hasher, index, size, leaf, path, root)
    for old in (1, 2, 3, 1 << 39, (1 << 40) - 1, 1 << 40, size - 1):
        reads.clear()
        path = merkle.consistency_proof(hasher, node, old, size)
        assert len(reads) <= 2 * size.bit_length()
        old_root = merkle.tree_hash(hasher, node, old)
        merkle.verify_consistency(hasher, old, size, old_root, root, path)
        assert _consistency_fails(hasher, old, size, root, old_root, path)


# --- SM3 ---------------------------------------------------------------------------------------


def test_sm3_hasher():
    h = Hasher("sm3")
    assert h.empty() == SM3_EMPTY
    assert h.digest(b"abc") == SM3_ABC  # GB/T 32905-2016 example 1
    assert h.leaf(b"abc") == hashlib.new("sm3", b"\x00abc").digest()
    assert h.node(SM3_EMPTY, SM3_ABC) == hashlib.new("sm3", b"\x01" + SM3_EMPTY + SM3_ABC).digest()
    assert h.root([]) == SM3_EMPTY
    assert h.leaf(b"") != Hasher("sha256").leaf(b"")


def test_sm3_without_openssl_support_uses_gmssl(monkeypatch):
    real_new = hashlib.new

    def new(name, *args, **kwargs):
        if name.lower() == "sm3":
            raise ValueError("unsupported hash type sm3")
        return real_new(name, *args, **kwargs)

    native = Hasher("sm3")
    monkeypatch.setattr(hashlib, "new", new)
    fallback = Hasher("sm3")
    monkeypatch.undo()
    assert fallback.empty() == SM3_EMPTY
    assert fallback.digest(b"abc") == SM3_ABC
    assert fallback.digest(b"abcd" * 16) == native.digest(b"abcd" * 16)
    leaves = [native.leaf(e) for e in _entries(13)]
    assert [fallback.leaf(e) for e in _entries(13)] == leaves
    assert fallback.root(leaves) == native.root(leaves)


# --- tiles (C2SP tlog-tiles) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234067, 256, "tile/0/x001/x234/067"),
        (0, 1234067, 5, "tile/0/x001/x234/067.p/5"),
        (0, 0, 256, "tile/0/000"),
        (0, 0, 1, "tile/0/000.p/1"),
        (1, 7, 255, "tile/1/007.p/255"),
        (2, 999, 256, "tile/2/999"),
        (3, 1000, 256, "tile/3/x001/000"),
        (0, 1001000, 256, "tile/0/x001/x001/000"),
        (0, 1 << 40, 256, "tile/0/x001/x099/x511/x627/776"),
    ],
)
def test_tile_path(level, index, width, path):
    assert merkle.tile_path(level, index, width) == path
    if width == merkle.TILE_WIDTH:
        assert merkle.tile_path(level, index) == path


def _index_parts(path: str) -> list[str]:
    return path.partition(".p/")[0].split("/")[2:]


def test_parse_tile_index_round_trips():
    numbers = set(range(0, 2100)) | {10**k + d for k in range(1, 18) for d in (-1, 0, 1)}
    numbers |= {1234067, 1 << 40, (1 << 56) - 1}
    for n in numbers:
        assert merkle.parse_tile_index(_index_parts(merkle.tile_path(0, n))) == n
        assert merkle.parse_tile_index(_index_parts(merkle.tile_path(1, n, 3))) == n
    assert merkle.parse_tile_index(["x001", "x234", "067"]) == 1234067


@pytest.mark.parametrize(
    "parts",
    [
        [],
        [""],
        ["67"],
        ["0067"],  # a leading zero too many
        ["7"],
        ["x067"],  # the last group has no x
        ["x01", "067"],  # wrong width
        ["x0001", "067"],
        ["x001", "67"],
        ["x001", "0067"],
        ["001", "067"],  # a group without its x
        ["y001", "067"],
        ["X001", "067"],
        ["x001", "x234", "x067"],
        ["06a"],  # not digits
        ["x0a1", "067"],
        ["-01"],
        ["+01"],
        [" 01"],
        ["01 "],
        ["1e2"],
        ["x001", "067", ""],
        ["x001", "", "067"],
    ],
)
def test_parse_tile_index_rejects_malformed_parts(parts):
    with pytest.raises(ValueError):
        merkle.parse_tile_index(parts)


@pytest.mark.parametrize("parts", [["x000", "067"], ["x000", "x001", "234"]])
def test_parse_tile_index_rejects_zero_leading_groups(parts):
    with pytest.raises(ValueError):
        merkle.parse_tile_index(parts)


@pytest.mark.parametrize("parts", [["\u0660\u0666\u0667"], ["x\u0660\u0660\u0661", "067"]])
def test_parse_tile_index_rejects_non_ascii_digits(parts):
    with pytest.raises(ValueError):
        merkle.parse_tile_index(parts)


@pytest.mark.parametrize(
    ("size", "tiles"),
    [
        (0, []),
        (1, [(0, 0, 1)]),
        (255, [(0, 0, 255)]),
        (256, [(0, 0, 256), (1, 0, 1)]),
        (257, [(0, 0, 256), (0, 1, 1), (1, 0, 1)]),
        (513, [(0, 0, 256), (0, 1, 256), (0, 2, 1), (1, 0, 2)]),
        (
            70000,
            [*[(0, i, 256) for i in range(273)], (0, 273, 112), (1, 0, 256), (1, 1, 17), (2, 0, 1)],
        ),
        (65536, [*[(0, i, 256) for i in range(256)], (1, 0, 256), (2, 0, 1)]),
    ],
)
def test_tiles_for_size(size, tiles):
    assert merkle.tiles_for_size(size) == tiles


def test_tiles_for_size_cover_each_level_exactly():
    for size in [*range(0, 1100, 7), 65535, 65536, 65537, 16777216 + 3]:
        tiles = merkle.tiles_for_size(size)
        level = 0
        while size >> (8 * level):
            row = [t for t in tiles if t[0] == level]
            assert [t[1] for t in row] == list(range(len(row)))
            assert sum(t[2] for t in row) == size >> (8 * level)
            assert all(t[2] == 256 for t in row[:-1]) and 0 < row[-1][2] <= 256
            level += 1
        assert all(t[0] < level for t in tiles)


@pytest.mark.parametrize(
    ("node", "position"),
    [
        ((0, 0), (0, 0, 0, 0)),
        ((0, 300), (0, 1, 0, 44)),
        ((3, 5), (0, 0, 3, 5)),
        ((7, 1), (0, 0, 7, 1)),
        ((7, 2), (0, 1, 7, 0)),
        ((8, 0), (1, 0, 0, 0)),
        ((8, 300), (1, 1, 0, 44)),
        ((9, 3), (1, 0, 1, 3)),
        ((16, 2), (2, 0, 0, 2)),
        ((0, 1234067), (0, 4820, 0, 147)),
    ],
)
def test_node_position(node, position):
    assert merkle.node_position(*node) == position


@pytest.mark.parametrize(("algorithm", "size"), [("sm3", 256 * 5 + 3), ("sha256", 65536 + 777)])
def test_node_hashes_read_from_tiles_agree_with_subtree_hash(algorithm, size):
    hasher = Hasher(algorithm)
    leaves = [hasher.leaf(i.to_bytes(4, "big")) for i in range(size)]
    tree = Tree(hasher, leaves)
    tiles = {}
    for level, index, width in merkle.tiles_for_size(size):
        row = [tree.nodes[(8 * level, 256 * index + j)] for j in range(width)]
        tiles[(level, index)] = merkle.tile_levels(hasher, row)
        levels = tiles[(level, index)]
        assert levels[0] == row
        # a partial tile has only the nodes whose leaves are all present
        assert [len(x) for x in levels] == [width >> r for r in range(width.bit_length())]

    def from_tiles(height: int, index: int) -> bytes:
        level, number, inner, position = merkle.node_position(height, index)
        return tiles[(level, number)][inner][position]

    for (height, index), value in tree.nodes.items():
        assert from_tiles(height, index) == value, (height, index)
    node, _ = tree.reader(size)
    for n in (1, 2, 255, 256, 257, 1000, size - 1, size):
        assert merkle.tree_hash(hasher, from_tiles, n) == merkle.tree_hash(hasher, node, n)
    assert merkle.tree_hash(hasher, from_tiles, size) == hasher.root(leaves)
    for index in (0, 255, 256, size // 2, size - 1):
        path = merkle.inclusion_proof(hasher, from_tiles, index, size)
        merkle.verify_inclusion(hasher, index, size, leaves[index], path, hasher.root(leaves))
