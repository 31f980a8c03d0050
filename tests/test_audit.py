"""Tamper-evident audit trail (R-9.1): append-only rows chained by SM3."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from chengnuo.audit.models import AuditChain, AuditEvent
from chengnuo.audit.services import verify_chain, verify_one
from chengnuo.core import spine
from chengnuo.core.digest import digest_bytes

from .factories import AgencyFactory


@pytest.fixture
def three_events(db):
    agency = AgencyFactory()
    with transaction.atomic():
        for i in range(3):
            spine.record(None, "test.event", agency, {"n": i}, {"n": i + 1})
    return list(AuditEvent.objects.order_by("seq"))


def test_sm3_digest_matches_the_standard_test_vector():
    # GB/T 32905-2016 example 1: SM3("abc")
    assert (
        digest_bytes(b"abc", "sm3")
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )


def test_record_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError):
        spine.record(None, "x", AgencyFactory())


def test_rows_chain_each_to_the_previous_hash(three_events):
    a, b, c = three_events
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert b.prev_hash == a.hash and c.prev_hash == b.hash
    assert verify_chain() is None
    call_command("audit_verify")


def test_rows_cannot_be_changed_or_deleted_through_the_orm(three_events):
    row = three_events[0]
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()
    with pytest.raises(RuntimeError):
        AuditEvent.objects.filter(pk=row.pk).update(event="x")
    with pytest.raises(RuntimeError):
        AuditEvent.objects.all().delete()


def _sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_audit_verify_reports_a_row_edited_in_the_database(three_events):
    _sql("UPDATE audit_auditevent SET after = %s WHERE seq = 2", ['{"n": 99}'])
    problem = verify_chain()
    assert (problem.seq, problem.kind) == (2, "tampered")
    with pytest.raises(CommandError, match="seq 2: tampered"):
        call_command("audit_verify")


def test_audit_verify_reports_a_deleted_row(three_events):
    _sql("DELETE FROM audit_auditevent WHERE seq = 2", [])
    problem = verify_chain()
    assert (problem.seq, problem.kind) == (3, "missing")


def test_audit_verify_reports_reordered_rows(three_events):
    _a, _b, _ = three_events
    # swap the hashes-and-content of rows 1 and 2 by swapping their sequence numbers
    _sql("UPDATE audit_auditevent SET seq = 1000 WHERE seq = 1", [])
    _sql("UPDATE audit_auditevent SET seq = 1 WHERE seq = 2", [])
    _sql("UPDATE audit_auditevent SET seq = 2 WHERE seq = 1000", [])
    problem = verify_chain()
    assert problem.seq == 1 and problem.kind in {"tampered", "reordered"}


def test_audit_verify_reports_a_forged_row_rehashed_without_its_successor(three_events):
    """Someone edits row 2 and recomputes its hash: row 3 no longer links to it."""
    from chengnuo.audit.services import compute_hash

    row = AuditEvent.objects.get(seq=2)
    row.after = {"n": 42}
    new_hash = compute_hash(row)
    _sql("UPDATE audit_auditevent SET after = %s, hash = %s WHERE seq = 2", ['{"n": 42}', new_hash])
    problem = verify_chain()
    assert problem.seq == 3 and problem.kind == "missing"


def test_each_agency_has_its_own_chain_numbered_from_one(db):
    a, b = AgencyFactory(), AgencyFactory()
    with transaction.atomic():
        spine.record(None, "test.event", a, None, {"n": 1})
        spine.record(None, "test.event", b, None, {"n": 1})
        spine.record(None, "test.event", a, None, {"n": 2})
        spine.record(None, "test.event", _platform_target(), None, {"n": 1})
    rows = {(e.chain, e.seq) for e in AuditEvent.objects.all()}
    assert rows == {
        (f"agency:{a.pk}", 1),
        (f"agency:{a.pk}", 2),
        (f"agency:{b.pk}", 1),
        ("platform", 1),
    }
    heads = {c.key: c.seq for c in AuditChain.objects.all()}
    assert heads == {f"agency:{a.pk}": 2, f"agency:{b.pk}": 1, "platform": 1}
    assert verify_chain() is None


def _platform_target():
    from chengnuo.accounts.models import User

    return User.objects.create(username="platform-target")


def test_events_are_appended_only_when_the_transaction_commits(db):
    agency = AgencyFactory()
    with transaction.atomic():
        spine.record(None, "test.event", agency, None, {"n": 1})
        assert AuditEvent.objects.count() == 0  # queued, the chain's head not yet locked
        assert len(spine.pending()) == 1
    assert AuditEvent.objects.count() == 1


def test_a_rolled_back_savepoint_takes_its_events_with_it(db):
    agency = AgencyFactory()
    with transaction.atomic():
        spine.record(None, "test.event", agency, None, {"kept": True})
        try:
            with transaction.atomic():
                spine.record(None, "test.event", agency, None, {"kept": False})
                raise ValueError
        except ValueError:
            pass
    assert [e.after for e in AuditEvent.objects.all()] == [{"kept": True}]
    assert verify_chain() is None


def test_audit_verify_reports_the_newest_rows_deleted_as_truncated(three_events):
    """The head row remembers how long each chain was: deleting its last rows is noticed
    (an insider who also edits the head is the log's concern, not the chain's)."""
    chain = three_events[0].chain
    _sql("DELETE FROM audit_auditevent WHERE chain = %s AND seq = 3", [chain])
    problem = verify_chain()
    assert (problem.chain, problem.seq, problem.kind) == (chain, 3, "truncated")
    with pytest.raises(CommandError, match="truncated"):
        call_command("audit_verify")


def test_a_broken_chain_names_its_agency_and_leaves_the_others_intact(db):
    a, b = AgencyFactory(), AgencyFactory()
    with transaction.atomic():
        for i in range(3):
            spine.record(None, "test.event", a, None, {"n": i})
            spine.record(None, "test.event", b, None, {"n": i})
    _sql(
        "UPDATE audit_auditevent SET after = %s WHERE chain = %s AND seq = 2",
        ['{"n": 99}', f"agency:{b.pk}"],
    )
    problem = verify_chain()
    assert (problem.chain, problem.seq, problem.kind) == (f"agency:{b.pk}", 2, "tampered")
    assert verify_one(f"agency:{a.pk}") is None
    with pytest.raises(CommandError, match=f"agency:{b.pk} broken at seq 2"):
        call_command("audit_verify")


def test_incremental_verification_starts_where_the_last_one_ended(three_events):
    chain = three_events[0].chain
    call_command("audit_verify")
    head = AuditChain.objects.get(key=chain)
    assert (head.verified_seq, head.verified_hash) == (3, three_events[2].hash)
    agency = three_events[0].agency
    with transaction.atomic():
        spine.record(None, "test.event", agency, None, {"n": 4})
    # an edit before the verified point is beyond an incremental run, but not a full one
    _sql("UPDATE audit_auditevent SET after = %s WHERE chain = %s AND seq = 1", ['{"n": 7}', chain])
    call_command("audit_verify", "--incremental")  # rows 3..4 only: intact
    assert AuditChain.objects.get(key=chain).verified_seq == 4
    with pytest.raises(CommandError, match="seq 1: tampered"):
        call_command("audit_verify")


def test_incremental_verification_notices_its_anchor_row_changed(three_events):
    chain = three_events[0].chain
    call_command("audit_verify")
    _sql("UPDATE audit_auditevent SET after = %s WHERE chain = %s AND seq = 3", ['{"n": 7}', chain])
    with pytest.raises(CommandError, match="seq 3: tampered"):
        call_command("audit_verify", "--incremental")


def test_history_page_shows_an_objects_events_only_to_those_who_may_see_it(
    client, admin_a, admin_b, agency_a, matter_a
):
    from chengnuo.catalog import services

    services.matter_update(
        actor=admin_a,
        matter=matter_a,
        data={
            "name": "职业资格考试报名（调整）",
            "matter_type": "other",
            "legal_basis": "依据",
            "materials": ["申请书"],
        },
    )
    url = f"/staff/audit/history/catalog.matter/{matter_a.pk}/"
    client.force_login(admin_a)
    response = client.get(url)
    assert response.status_code == 200
    assert "catalog.matter_updated" in response.content.decode()
    client.force_login(admin_b)
    assert client.get(url).status_code == 404
    assert client.get("/staff/audit/history/accounts.user/1/").status_code == 404


def test_item_page_links_staff_of_its_agency_to_the_items_audit_history(
    client, admin_a, admin_b, reviewer, agency_a, matter_a
):
    from django.utils import timezone

    from chengnuo.catalog import services
    from chengnuo.catalog.models import CertificationItem

    from .factories import item_payload

    proposal = services.proposal_submit(
        actor=admin_a,
        agency=agency_a,
        action="add",
        item_code="H-1",
        payload=item_payload(matter_codes=[matter_a.code]),
        reason="新增",
        law_change="依据",
        effective_date=timezone.localdate(),
    )
    services.proposal_file(actor=reviewer, proposal=proposal)
    history_url = (
        f"/staff/audit/history/catalog.certificationitem/"
        f"{CertificationItem.objects.get(code='H-1').pk}/"
    )
    client.force_login(admin_a)
    assert history_url in client.get("/catalog/items/H-1/").content.decode()
    assert "catalog.item_added" in client.get(history_url).content.decode()
    client.force_login(admin_b)
    assert "/staff/audit/history/" not in client.get("/catalog/items/H-1/").content.decode()
    assert client.get(history_url).status_code == 404


def test_history_pages_show_field_old_and_new_value_readably(client, db):
    """Issue 11 §9: the page showed Python dicts ({'status': 'draft'})."""
    from chengnuo.audit import display

    from .cases_helpers import build_world, ready_case

    w = build_world()
    case = ready_case(w)
    client.force_login(w.admin)
    body = client.get(f"/staff/audit/history/cases.case/{case.pk}/").content.decode()
    assert "{&#x27;" not in body and "{'" not in body  # no dict repr
    assert "提交申请" in body and "创建办件" in body  # events by their Chinese label
    assert '<th scope="row">状态</th>' in body and "submitted" in body
    assert display.format_value(True) == "是" and display.format_value(None) == "—"
    assert display.format_value(["A-1", "B-2"]) == "A-1、B-2"
    assert display.format_value("2026-12-01T16:30:00+00:00") == "2026-12-02 00:30:00"


def test_every_event_code_the_platform_records_has_a_chinese_label():
    import re
    from pathlib import Path

    from chengnuo.core.events import all_kinds

    EVENT_LABELS = {code: k.label for code, k in all_kinds().items()}

    src = Path(__file__).resolve().parent.parent / "src" / "chengnuo"
    codes = set()
    for path in src.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        codes |= set(
            re.findall(
                r'^\s*[A-Z_]+\s*=\s*"((?:accounts|agencies|audit|catalog|credit|documents|cases|verification)\.[a-z_]+)"',
                path.read_text(encoding="utf-8"),
                re.M,
            )
        )
    assert len(codes) > 60
    assert sorted(c for c in codes if c not in EVENT_LABELS) == []
