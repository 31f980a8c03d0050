"""The verifiable log over the event spine (R-9.1, ADR 0012): every event enters a Merkle log
(RFC 9162) as a commitment that holds no data; checkpoints are signed with Ed25519 and SM2;
proofs anyone can check come from the tiles; bad proof queries answer 400 with a code."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from chengnuo.agencies.constants import Role
from chengnuo.audit import log
from chengnuo.audit.models import AuditEvent, LogCheckpoint, LogEntry, LogQueue, LogTile
from chengnuo.core import spine
from chengnuo.tlog import merkle, note

from .factories import AgencyFactory, user_with_role


def _events(agency, n: int, per_transaction: int = 50) -> None:
    done = 0
    while done < n:
        with transaction.atomic():
            for i in range(min(per_transaction, n - done)):
                spine.record(None, "test.event", agency, {"n": done + i}, {"n": done + i + 1})
        done += per_transaction


def _leaves() -> list[bytes]:
    return [
        log.leaf_hash(c)
        for c in LogEntry.objects.order_by("index").values_list("commitment", flat=True)
    ]


@pytest.fixture
def logged(db):
    agency = AgencyFactory()
    _events(agency, 600)
    log.integrate_all(batch=251)  # batches that end inside tiles
    log.sign_checkpoint(force=True)
    return agency


def test_every_event_is_queued_for_the_log_in_its_own_transaction(db):
    agency = AgencyFactory()
    _events(agency, 30, per_transaction=10)
    assert LogQueue.objects.count() == AuditEvent.objects.count() == 30
    with pytest.raises(RuntimeError), transaction.atomic():
        spine.record(None, "test.event", agency, None, {"n": 1})
        raise RuntimeError("rolled back")
    assert LogQueue.objects.count() == 30  # a rolled-back event queues nothing


def test_entries_commit_to_the_event_without_holding_its_data(db):
    agency = AgencyFactory(name="测试局")
    with transaction.atomic():
        spine.record(None, "test.event", agency, None, {"name": "王小明", "id": "34120119900101"})
    log.integrate_all()
    entry = LogEntry.objects.get()
    event = AuditEvent.objects.get(pk=entry.event_id)
    assert len(entry.commitment) == 64 and "王小明" not in entry.commitment
    assert entry.commitment == log.commitment(entry.salt, event.hash)
    assert entry.commitment != event.hash  # salted: the public entry cannot be matched to content


def test_the_root_is_the_rfc_9162_tree_hash_over_the_entries(logged):
    leaves = _leaves()
    assert len(leaves) == 600 and [
        e for e in LogEntry.objects.values_list("index", flat=True).order_by("index")
    ] == list(range(600))
    assert log.state().root_hash == log.hasher().root(leaves).hex()
    assert log.root_at(300) == log.hasher().root(leaves[:300])


def test_sha256_can_be_chosen_instead_of_sm3(settings, db):
    settings.LOG_HASH = "sha256"
    agency = AgencyFactory()
    _events(agency, 5)
    log.integrate_all()
    assert log.state().root_hash == merkle.Hasher("sha256").root(_leaves()).hex()


def test_inclusion_and_consistency_proofs_verify_for_every_shape(logged):
    h, leaves = log.hasher(), _leaves()
    for size in (1, 2, 255, 256, 257, 511, 512, 600):
        root = h.root(leaves[:size])
        for index in {0, min(1, size - 1), size // 2, size - 1}:
            leaf, path, reads = log.inclusion(index, size)
            merkle.verify_inclusion(h, index, size, leaf, path, root)
            assert reads == 1  # one round trip, whatever the shape
        for old in {1, 3, 256, size // 3 or 1, size}:
            if old <= size:
                with CaptureQueriesContext(connection) as queries:
                    proof = log.consistency(old, size)
                merkle.verify_consistency(h, old, size, h.root(leaves[:old]), root, proof)
                assert len(queries) <= 1
    # a tree the log does not have yet is refused, not computed over missing tiles
    for bad in (lambda: log.inclusion(3, 601), lambda: log.consistency(600, 601)):
        with pytest.raises(merkle.ProofError, match="no tree of size 601"):
            bad()


class _MemoryTiles(log.Tiles):
    """Tiles from a dict, failing any read the prefetch did not foresee."""

    def __init__(self, store, prefetched: bool = False):
        super().__init__()
        self.store, self.prefetched = store, prefetched

    def prefetch(self, keys):
        assert not self.prefetched, f"a second round trip for {keys}"
        self.prefetched = True
        for key in keys:
            self.cache[key] = self.store.get(key)

    def tile(self, level, index):
        if (level, index) not in self.cache:
            self.prefetch({(level, index)})
        return self.cache[(level, index)]


def _read_all(store) -> log.Tiles:
    tiles = log.Tiles()
    tiles.cache.update(store)
    return tiles


def test_the_tiles_a_proof_needs_are_known_up_front_across_tile_levels(settings):
    """Past 65,536 entries a proof spans three tile levels; on every shape (tile edges,
    powers of two, the right edge) the one prefetch holds every tile it reads."""
    settings.LOG_HASH = "sha256"
    h = merkle.Hasher("sha256")
    n = 70_000
    leaves = [h.leaf(i.to_bytes(4, "big")) for i in range(n)]
    store, level, row = {}, 0, leaves
    while row:
        completed = []
        for t in range(0, len(row), 256):
            levels = merkle.tile_levels(h, row[t : t + 256])
            store[(level, t // 256)] = log._Tile.of(levels)
            if len(levels[0]) == 256:
                completed.append(levels[-1][0])
        level, row = level + 1, completed
    sizes = [1, 255, 256, 257, 65_535, 65_536, 65_537, 65_792, 69_999, 70_000]
    for size in sizes:
        root = None
        for index in sorted({0, 255, 256, 65_535, 65_536, size // 2, size - 2, size - 1}):
            if not 0 <= index < size:
                continue
            tiles = _MemoryTiles(store)
            tiles.prefetch(log._needed_tiles(size, [index]))
            path = merkle.inclusion_proof(h, tiles.node, index, size)
            root = root or merkle.tree_hash(h, _read_all(store).node, size)
            merkle.verify_inclusion(h, index, size, tiles.node(0, index), path, root)
        for old in sorted({1, 255, 256, 257, 65_536, 65_537, size - 1}):
            if not 0 < old < size:
                continue
            tiles = _MemoryTiles(store)
            tiles.prefetch(log._needed_tiles(size, [old - 1, old]))
            proof = merkle.consistency_proof(h, tiles.node, old, size)
            old_root = merkle.tree_hash(h, _read_all(store).node, old)
            merkle.verify_consistency(h, old, size, old_root, root, proof)


def test_the_tiles_are_the_tlog_tiles_layout(logged):
    leaves = _leaves()
    tiles = {(t.level, t.index): t for t in LogTile.objects.all()}
    assert set(tiles) == {(0, 0), (0, 1), (0, 2), (1, 0)}
    assert bytes(tiles[(0, 0)].hashes) == b"".join(leaves[:256])
    assert tiles[(0, 2)].width == 600 - 512
    assert bytes(tiles[(1, 0)].hashes) == log.hasher().root(leaves[:256]) + log.hasher().root(
        leaves[256:512]
    )


def test_checkpoints_are_signed_with_ed25519_and_sm2_in_the_signed_note_format(logged, settings):
    cp = LogCheckpoint.objects.get()
    signed, parsed = note.open_checkpoint(cp.note, log.log_verifiers())
    kinds = sorted(v.kind for v in note.verified_by(signed, log.log_verifiers()))
    assert kinds == ["ed25519", "sm2"]
    assert parsed.origin == settings.LOG_ORIGIN and parsed.size == 600 and parsed.timestamp
    assert parsed.root_hash.hex() == log.state().root_hash


def test_a_checkpoint_is_signed_only_when_due(logged, settings):
    assert log.sign_checkpoint() is None  # nothing new
    _events(AgencyFactory(), 3)
    log.integrate_all()
    settings.LOG_CHECKPOINT_SECONDS = 0
    assert log.sign_checkpoint().size == 603


# --- the API -------------------------------------------------------------------------------


def test_api_checkpoint_proofs_and_entries_check_out(client, logged):
    h, leaves = log.hasher(), _leaves()
    cp = client.get("/api/v1/log/checkpoint").json()
    assert cp["size"] == 600 and cp["hash_algorithm"] == "sm3"
    assert {s["kind"] for s in cp["signatures"]} == {"ed25519", "sm2"}
    note.open_checkpoint(cp["note"], log.log_verifiers())
    root = bytes.fromhex(cp["root_hash"])
    proof = client.get("/api/v1/log/proofs/inclusion", {"index": 300, "size": 600}).json()
    merkle.verify_inclusion(
        h,
        300,
        600,
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(p) for p in proof["path"]],
        root,
    )
    consistency = client.get("/api/v1/log/proofs/consistency", {"from": 77, "to": 600}).json()
    assert consistency["from"] == 77 and consistency["to"] == 600
    merkle.verify_consistency(
        h, 77, 600, h.root(leaves[:77]), root, [bytes.fromhex(p) for p in consistency["path"]]
    )
    entry = client.get("/api/v1/log/entries/300").json()
    assert entry["leaf_hash"] == proof["leaf_hash"] and entry["event"] is None  # anonymous


@pytest.mark.parametrize(
    "path,params",
    [
        ("inclusion", {}),
        ("inclusion", {"index": "1"}),
        ("inclusion", {"index": "-1", "size": "10"}),
        ("inclusion", {"index": "x", "size": "10"}),
        ("inclusion", {"index": "1.5", "size": "10"}),
        ("inclusion", {"index": "10", "size": "10"}),
        ("inclusion", {"index": "0", "size": "601"}),
        ("inclusion", {"index": "0", "size": "99999999999999999999999"}),
        ("inclusion", {"index": "0", "size": "0"}),
        ("consistency", {"from": "10"}),
        ("consistency", {"from": "11", "to": "10"}),
        ("consistency", {"from": "1", "to": "601"}),
        ("consistency", {"from": "", "to": "5"}),
        ("consistency", {"from": "\x00", "to": "5"}),
    ],
)
def test_malformed_proof_queries_answer_400_with_a_code(client, logged, path, params):
    response = client.get(f"/api/v1/log/proofs/{path}", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_proof_request"


def test_entries_out_of_range_are_404_and_garbage_400(client, logged):
    assert client.get("/api/v1/log/entries/600").status_code == 404
    assert client.get("/api/v1/log/entries/abc").json()["code"] == "invalid_proof_request"


def test_the_event_behind_an_entry_is_shown_only_to_who_may_read_it(client, logged):
    entry = LogEntry.objects.get(index=5)
    own = user_with_role(Role.AUDITOR, logged)
    other = user_with_role(Role.AUDITOR, AgencyFactory())
    client.force_login(other)
    assert client.get("/api/v1/log/entries/5").json()["event"] is None
    client.force_login(own)
    event = client.get("/api/v1/log/entries/5").json()["event"]
    assert (
        event["id"] == entry.event_id
        and event["hash"] == AuditEvent.objects.get(pk=entry.event_id).hash
    )


def test_no_checkpoint_yet_is_a_404_with_a_code(client, db):
    response = client.get("/api/v1/log/checkpoint")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- the public pages and tiles -------------------------------------------------------------


def test_tiles_and_checkpoint_are_served_for_standard_clients(client, logged):
    leaves = _leaves()
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and full.content == b"".join(leaves[:256])
    assert "immutable" in full["Cache-Control"]
    partial = client.get("/log/tile/0/002.p/10")
    assert partial.content == b"".join(leaves[512:522])
    for bad in (
        "/log/tile/0/002",
        "/log/tile/0/002.p/200",
        "/log/tile/0/9",
        "/log/tile/0/x1/002",
        "/log/tile/0/002.p/0",
    ):
        assert client.get(bad).status_code == 404, bad
    text = client.get("/log/checkpoint").content.decode()
    note.open_checkpoint(text, log.log_verifiers())


def test_the_public_log_page_shows_the_checkpoint_and_keys(
    client, logged, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        body = client.get("/log/").content.decode()
    assert "存证日志" in body and log.state().root_hash in body
    for vkey in log.log_verifiers():
        assert vkey.vkey in body


def test_a_receipt_checks_out_on_the_public_page_and_a_forged_one_does_not(client, logged):
    entry = LogEntry.objects.get(index=123)
    receipt = log.receipt(entry)
    response = client.post("/log/verify/", {"receipt": json.dumps(receipt)})
    body = response.content.decode()
    assert "核验通过" in body and "第 123 条" in body
    forged = dict(
        receipt, leaf_hash="00" * 32, inclusion=dict(receipt["inclusion"], leaf_hash="00" * 32)
    )
    assert (
        "核验未通过"
        in client.post("/log/verify/", {"receipt": json.dumps(forged)}).content.decode()
    )
    other = dict(receipt, index=124, inclusion=dict(receipt["inclusion"], index=124))
    assert (
        "核验未通过" in client.post("/log/verify/", {"receipt": json.dumps(other)}).content.decode()
    )
    resigned = dict(receipt, checkpoint=receipt["checkpoint"].replace("\n600\n", "\n601\n"))
    assert (
        "签名已被改动"
        in client.post("/log/verify/", {"receipt": json.dumps(resigned)}).content.decode()
    )
    for garbage in ("", "{", "[]", json.dumps({"format": "x"}), "x" * 70000):
        assert "核验未通过" in client.post("/log/verify/", {"receipt": garbage}).content.decode()


# --- audit_verify against the checkpoint ------------------------------------------------------


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _problems():
    from chengnuo.audit import log_verify

    return log_verify.verify_log(full=True, witness=None)


def test_deleting_the_newest_events_and_mending_the_chain_head_is_named(logged):
    from chengnuo.audit.models import AuditChain
    from chengnuo.audit.services import verify_chain

    last = AuditEvent.objects.order_by("-seq")[:3]
    ids = [e.pk for e in last]
    _sql(f"DELETE FROM audit_auditevent WHERE id IN ({','.join(map(str, ids))})")
    head = AuditEvent.objects.order_by("-seq").first()
    _sql(
        "UPDATE audit_auditchain SET seq = %s, head_hash = %s WHERE key = %s",
        [head.seq, head.hash, head.chain],
    )
    assert verify_chain() is None  # the chains alone see nothing
    assert AuditChain.objects.get(key=head.chain).seq == head.seq
    assert {p.kind for p in _problems()} == {"missing"}


def test_a_recomputed_chain_is_named(logged):
    from chengnuo.audit.services import compute_hash, verify_chain

    # remove a row in the middle and re-hash every later row with the platform's own function
    rows = list(AuditEvent.objects.order_by("seq"))
    victim = rows[100]
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    prev = rows[99].hash
    for seq, row in enumerate(rows[101:], start=101):
        row.seq, row.prev_hash = seq, prev
        row.hash = compute_hash(row)
        _sql(
            "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [row.seq, row.prev_hash, row.hash, row.pk],
        )
        prev = row.hash
    _sql(
        "UPDATE audit_auditchain SET seq = %s, head_hash = %s WHERE key = %s",
        [len(rows) - 1, prev, victim.chain],
    )
    assert verify_chain() is None
    kinds = [p.kind for p in _problems()]
    assert kinds[0] == "missing" and "recomputed" in kinds


def test_a_database_restored_from_an_old_backup_is_behind_the_checkpoint(logged):
    _sql('DELETE FROM audit_logentry WHERE "index" >= 500')
    _sql('DELETE FROM audit_logtile WHERE level = 0 AND "index" = 1 OR level = 1')
    _sql("UPDATE audit_logstate SET size = 500")
    kinds = [p.kind for p in _problems()]
    assert kinds[0] == "behind"


def test_an_event_inserted_behind_the_platforms_back_is_named(logged):
    row = AuditEvent.objects.order_by("-id").first()
    columns = (
        "chain, seq, occurred_at, actor_label, event, target_type, target_id, target_label, "
        "object_type, object_id, object_label, visibility, message, item_code, prev_hash, hash"
    )
    _sql(
        f"INSERT INTO audit_auditevent ({columns}) "
        f"SELECT {columns.replace('seq', 'seq + 1000', 1)} FROM audit_auditevent WHERE id = %s",
        [row.pk],
    )
    assert [p.kind for p in _problems()] == ["inserted"]


def test_an_edited_entry_or_tile_is_a_rewritten_log(logged):
    _sql('UPDATE audit_logentry SET commitment = %s WHERE "index" = 7', ["ab" * 32])
    kinds = [p.kind for p in _problems()]
    assert "rewritten" in kinds


def test_an_intact_log_verifies_and_incrementally_too(logged):
    assert _problems() == []
    _events(AgencyFactory(), 40)
    log.integrate_all()
    log.sign_checkpoint(force=True)
    from chengnuo.audit import log_verify

    assert log_verify.verify_log(full=False) == []
    from chengnuo.audit.models import LogState

    assert LogState.objects.get().verified_size == 640
