"""The log and its witness together (R-9.1, ADR 0012): the platform gets each checkpoint
cosigned by the Justice Bureau's witness, which runs apart with its own key and storage; a
restored old backup or a rewritten log is refused by the witness and becomes an alarm on the
Justice Bureau's page; `audit_verify` holds the database against what the witness saw; the
applicant who signs a commitment gets a receipt that checks out with the witness's signature."""

from __future__ import annotations

import io
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client

from chengnuo.agencies.constants import Role
from chengnuo.audit import log, log_verify
from chengnuo.audit.constants import Event
from chengnuo.audit.models import (
    AuditChain,
    AuditEvent,
    LogCheckpoint,
    LogEntry,
    LogQueue,
    LogState,
    LogTile,
    LogWitness,
    WitnessRefusal,
)
from chengnuo.cases.models import Commitment
from chengnuo.core import spine
from chengnuo.tlog import note
from chengnuo.tlog import witness as tw

from .cases_helpers import build_world, ready_case
from .factories import AgencyFactory, user_with_role

WITNESS = note.generate("sfj.example.gov.cn/witness", "cosignature/v1")
SNAPSHOT_MODELS = [
    AuditChain,
    AuditEvent,
    LogQueue,
    LogEntry,
    LogTile,
    LogState,
    LogCheckpoint,
    LogWitness,
]


@pytest.fixture
def witness(settings, tmp_path):
    """The witness as its own server with its own storage (tmp_path), on a free port."""
    verifiers = tuple(note.parse_vkey(v) for v in settings.LOG_VERIFIER_KEYS)
    w = tw.Witness(WITNESS, tmp_path, [tw.Log(settings.LOG_ORIGIN, verifiers, settings.LOG_HASH)])
    server = tw.make_server(w, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    settings.LOG_WITNESSES = [
        {
            "label": "市司法局",
            "url": f"http://127.0.0.1:{server.server_address[1]}",
            "vkey": WITNESS.verifier.vkey,
        }
    ]
    yield w
    server.shutdown()
    server.server_close()
    thread.join()


def _events(n: int, agency=None) -> None:
    agency = agency or AgencyFactory()
    with transaction.atomic():
        for i in range(n):
            spine.record(None, "test.event", agency, None, {"n": i})


def _checkpoint_now() -> dict[str, int]:
    log.integrate_all()
    log.sign_checkpoint(force=True)
    return log.run_once()


def _snapshot() -> dict:
    return {m: [m(**row) for row in m.objects.values()] for m in SNAPSHOT_MODELS}


def _restore(snapshot: dict) -> None:
    """What restoring a database backup does to the log's tables: they are as they were."""
    with connection.cursor() as cursor:
        for model in SNAPSHOT_MODELS:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")
    for model, rows in snapshot.items():
        model.objects.bulk_create(rows)


def _justice_reviewer():
    return user_with_role(Role.JUSTICE_REVIEWER, AgencyFactory(kind="justice_bureau"))


def test_each_checkpoint_is_cosigned_by_the_witness_after_a_consistency_check(db, witness):
    _events(300)
    assert _checkpoint_now()["cosigned"] == 1
    first = log.latest_checkpoint()
    assert first.witnessed and [c["witness"] for c in first.cosignatures] == ["市司法局"]
    _events(30)
    assert _checkpoint_now()["cosigned"] == 1
    assert witness.latest(log.settings.LOG_ORIGIN)[0] == log.state().size == 330
    assert LogWitness.objects.get().size == 330
    # the published checkpoint carries the log's two signatures and the witness's cosignature
    data = Client().get("/api/v1/log/checkpoint").json()
    signed = note.parse_note(data["note"])
    verifiers = [note.parse_vkey(v) for v in log.settings.LOG_VERIFIER_KEYS]
    assert {v.kind for v in note.verified_by(signed, verifiers)} == {"ed25519", "sm2"}
    assert note.verified_by(signed, [WITNESS.verifier]) == [WITNESS.verifier]
    # the witness is not asked again for what it already cosigned
    assert log.run_once()["cosigned"] == 0


def test_an_unreachable_witness_leaves_the_checkpoint_unwitnessed_and_is_retried(db, settings):
    settings.LOG_WITNESSES = [
        {"label": "市司法局", "url": "http://127.0.0.1:9", "vkey": WITNESS.verifier.vkey}
    ]
    _events(5)
    assert _checkpoint_now()["cosigned"] == 0
    assert not log.latest_checkpoint().witnessed
    assert "无法连接见证方" in LogWitness.objects.get().error
    assert not WitnessRefusal.objects.exists()  # unreachable is not a refusal


def test_a_restored_old_backup_is_refused_by_the_witness_and_alarms_the_justice_bureau(db, witness):
    _events(200)
    _checkpoint_now()
    backup = _snapshot()  # last night's backup: the witness has seen 200
    _events(100)
    _checkpoint_now()
    assert witness.latest(log.settings.LOG_ORIGIN)[0] == 300
    _restore(backup)
    assert log.state().size == 200
    log.sign_checkpoint(force=True)
    assert log.run_once()["cosigned"] == 0
    refusal = WitnessRefusal.objects.get()
    assert refusal.size == 200 and refusal.status == 409
    assert "第 300 条" in refusal.reason and "旧的备份" in refusal.reason
    assert AuditEvent.objects.filter(event=Event.LOG_WITNESS_REFUSED).exists()
    assert witness.latest(log.settings.LOG_ORIGIN)[0] == 300  # the witness did not go back
    # the log goes on signing and the witness on refusing: still one alarm, not one each time
    _events(3)
    _checkpoint_now()
    assert WitnessRefusal.objects.count() == 1

    # the alarm on the Justice Bureau's page, and its acknowledgement with a note
    reviewer = _justice_reviewer()
    client = Client()
    client.force_login(reviewer)
    page = client.get("/staff/audit/log/").content.decode()
    assert "旧的备份" in page and "拒绝" in page
    url = f"/staff/audit/log/refusals/{refusal.pk}/acknowledge/"
    assert "请写明" in client.post(url, {"note": ""}, follow=True).content.decode()
    client.post(url, {"note": "已核实：误用前一日备份恢复，已改用最新备份重建"})
    refusal.refresh_from_db()
    assert refusal.acknowledged_by is not None and "最新备份" in refusal.note
    # acknowledged while the log still diverges: the next refusal is a new alarm
    _checkpoint_now()
    assert WitnessRefusal.objects.filter(acknowledged_at__isnull=True).count() == 1
    # anyone else does not see the page, nor can acknowledge
    officer = user_with_role(Role.CASE_OFFICER, AgencyFactory())
    other = Client()
    other.force_login(officer)
    assert other.get("/staff/audit/log/").status_code == 403
    assert other.post(url, {"note": "擅自处理的意见"}).status_code == 404


def test_a_rewritten_log_that_grew_past_what_the_witness_saw_is_refused_for_its_proof(db, witness):
    _events(200)
    _checkpoint_now()
    backup = _snapshot()
    _events(100)
    _checkpoint_now()
    _restore(backup)
    _events(150)  # different events after the restore: a fork of what the witness saw
    assert _checkpoint_now()["cosigned"] == 0
    refusal = WitnessRefusal.objects.get()
    assert refusal.size == 350 and refusal.status == 422
    assert "一致性证明不成立" in refusal.reason


def test_audit_verify_holds_the_database_against_the_witnessed_checkpoint(db, witness):
    _events(200)
    _checkpoint_now()
    backup = _snapshot()
    _events(100)
    _checkpoint_now()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "witnessed by 市司法局" in out.getvalue()
    _restore(backup)  # the chains are intact in the restored database
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=io.StringIO(), stderr=io.StringIO())
    problems = log_verify.verify_log(full=True, witness=log_verify.witnessed_checkpoint())
    assert problems[0].kind == "behind" and "300" in problems[0].detail
    # without the witness the database agrees with itself: that is why the witness exists
    assert log_verify.verify_log(full=True, witness=None) == []


def test_the_applicant_gets_a_receipt_that_checks_out_with_the_witness(db, witness):
    w = build_world()
    case = ready_case(w)
    c = Commitment.objects.filter(case=case).first()
    client = Client()
    client.force_login(w.applicant)
    page = f"/cases/{case.number}/commitments/{c.pk}/"
    assert "存证中" in client.get(page).content.decode()  # not yet in a checkpoint
    _checkpoint_now()
    assert "签署已记入存证日志第" in client.get(page).content.decode()
    response = client.get(page + "receipt.json")
    assert response.status_code == 200
    receipt = json.loads(response.content)
    entry = LogEntry.objects.get(index=receipt["index"])
    signed = AuditEvent.objects.get(pk=entry.event_id)
    assert signed.after["commitment_id"] == c.pk
    check = log.check_receipt(receipt)
    assert check.ok and [label for label, _ in check.witnesses] == ["市司法局"]
    # the public page shows it with the proof, naming the witness
    shown = Client().post("/log/verify/", {"receipt": json.dumps(receipt)}).content.decode()
    assert "核验通过" in shown and "市司法局" in shown
    # someone else's applicant cannot fetch it
    stranger = user_with_role(Role.APPLICANT, None, username="stranger")
    other = Client()
    other.force_login(stranger)
    assert other.get(page + "receipt.json").status_code == 404


def test_a_receipt_without_the_witness_signature_does_not_check_out(db, witness, settings):
    _events(10)
    log.integrate_all()
    log.sign_checkpoint(force=True)  # signed but not yet cosigned
    entry = LogEntry.objects.get(index=3)
    receipt = log.receipt(entry, log.latest_checkpoint())
    check = log.check_receipt(receipt)
    assert not check.ok and "没有足够的见证签名" in check.steps[-1].detail


def test_the_justice_bureaus_log_page_reads_a_fixed_number_of_queries(db, witness):
    """However many refusals there are, the page costs the same queries."""
    from django.utils import timezone

    reviewer = _justice_reviewer()
    client = Client()
    client.force_login(reviewer)

    def add(n):
        for i in range(n):
            WitnessRefusal.objects.create(
                witness=WITNESS.name,
                size=i,
                root_hash="00" * 32,
                status=409,
                reason="测试拒签",
                refused_at=timezone.now(),
                acknowledged_by=reviewer,
                acknowledged_at=timezone.now(),
                note="已核实并处理完毕",
            )
        WitnessRefusal.objects.create(
            witness=WITNESS.name,
            size=n,
            root_hash="00" * 32,
            status=422,
            reason="未处理",
            refused_at=timezone.now(),
        )

    from django.test.utils import CaptureQueriesContext

    add(2)
    client.get("/staff/audit/log/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/staff/audit/log/").status_code == 200
    add(25)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/staff/audit/log/").content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert "市司法局" in page and WITNESS.name not in page.split("见证方公钥")[0]
