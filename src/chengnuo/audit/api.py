"""The verifiable log's API (mounted at /api/v1/log, public, ADR 0012): the newest checkpoint
with its signatures and cosignatures, inclusion and consistency proofs, and entries. Anyone
can check what it answers with `tools/logverify.py`, without trusting the platform.

Malformed or impossible proof queries answer 400 with the code `invalid_proof_request`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from ninja import Field, Query, Router, Schema

from chengnuo.core.errors import DomainError, NotFound
from chengnuo.core.schemas import error_out, error_responses
from chengnuo.tlog.merkle import ProofError

from . import display, log
from .errors import ErrorCode
from .models import AuditEvent, LogEntry
from .selectors import events_visible_to

router = Router(tags=["log"])
ErrorOut = error_out("audit", ErrorCode)
MAX_INT = 2**63 - 1


class CosignatureOut(Schema):
    witness: str = Field(..., title="见证方")
    name: str = Field(..., title="见证方密钥名")
    timestamp: int = Field(..., title="见证时间（Unix 秒）")


class SignatureOut(Schema):
    name: str = Field(..., title="密钥名")
    key_id: str = Field(..., title="密钥标识（十六进制）")
    kind: str = Field(..., title="签名算法", description="ed25519 / sm2 / cosignature/v1")


class CheckpointOut(Schema):
    origin: str = Field(..., title="日志标识")
    size: int = Field(..., title="条目数")
    root_hash: str = Field(..., title="根哈希（十六进制）")
    hash_algorithm: str = Field(..., title="哈希算法", description="sm3 / sha256")
    timestamp: int = Field(..., title="签署时间（Unix 秒）")
    witnessed: bool = Field(..., title="是否已达到见证数")
    signatures: list[SignatureOut]
    cosignatures: list[CosignatureOut]
    note: str = Field(..., title="签名检查点", description="C2SP signed-note 文本，含见证签名")


class InclusionOut(Schema):
    index: int
    size: int
    leaf_hash: str = Field(..., title="叶哈希（十六进制）")
    path: list[str] = Field(..., title="证明路径（十六进制，自叶至根）")


class ConsistencyOut(Schema):
    from_: int = Field(..., alias="from")
    to: int
    path: list[str]


class EventOut(Schema):
    id: int
    occurred_at: str
    event: str
    label: str = Field(..., title="事件")
    object_label: str
    agency_id: int | None
    hash: str = Field(..., title="事件哈希")


class EntryOut(Schema):
    index: int
    entry: str = Field(..., title="条目（对事件的承诺值，十六进制）")
    leaf_hash: str
    integrated_at: str
    event: EventOut | None = Field(None, title="对应事件", description="仅对有权查看者显示")


def _bad(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_PROOF_REQUEST, message)


def _int(value: str | None, name: str) -> int:
    if value is None or value == "":
        raise _bad(f"缺少参数 {name}")
    text = value.strip()
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_INT:
        raise _bad(f"参数 {name} 应为非负整数")
    return int(text)


def checkpoint_out(cp: Any) -> dict[str, Any]:
    from chengnuo.tlog import note as tnote

    parsed = tnote.parse_note(cp.note)
    verifiers = {(v.name, v.id): v for v in log.log_verifiers()}
    checkpoint = tnote.parse_checkpoint(parsed.text)
    return {
        "origin": checkpoint.origin,
        "size": cp.size,
        "root_hash": cp.root_hash,
        "hash_algorithm": settings.LOG_HASH,
        "timestamp": checkpoint.timestamp or int(cp.signed_at.timestamp()),
        "witnessed": cp.witnessed,
        "signatures": [
            {
                "name": s.name,
                "key_id": s.id.hex(),
                "kind": verifiers[(s.name, s.id)].kind if (s.name, s.id) in verifiers else "",
            }
            for s in parsed.signatures
        ],
        "cosignatures": [
            {"witness": c["witness"], "name": c["name"], "timestamp": c["timestamp"]}
            for c in cp.cosignatures
        ],
        "note": log.full_note(cp),
    }


@router.get(
    "/checkpoint",
    response={200: CheckpointOut, **error_responses(ErrorOut, 404)},
    auth=None,
    summary="最新检查点（含日志签名与见证签名）",
)
def checkpoint(request):
    cp = log.published_checkpoint()
    if cp is None:
        raise NotFound("日志尚无检查点")
    return checkpoint_out(cp)


@router.get(
    "/proofs/inclusion",
    response={200: InclusionOut, **error_responses(ErrorOut, 400)},
    auth=None,
    summary="包含证明：第 index 条在规模为 size 的树中",
)
def inclusion(request, index: str | None = None, size: str | None = None):
    i, n = _int(index, "index"), _int(size, "size")
    try:
        leaf, path, _reads = log.inclusion(i, n)
    except ProofError as exc:
        raise _bad(f"无法给出该包含证明：{exc}") from exc
    return {"index": i, "size": n, "leaf_hash": leaf.hex(), "path": [p.hex() for p in path]}


@router.get(
    "/proofs/consistency",
    response={200: ConsistencyOut, **error_responses(ErrorOut, 400)},
    auth=None,
    by_alias=True,
    summary="一致性证明：规模 to 的树是规模 from 的树的延续",
)
def consistency(
    request,
    from_: str | None = Query(None, alias="from", description="旧树规模"),
    to: str | None = None,
):
    m = _int(from_, "from")
    n = _int(to, "to")
    try:
        path = log.consistency(m, n)
    except ProofError as exc:
        raise _bad(f"无法给出该一致性证明：{exc}") from exc
    return {"from": m, "to": n, "path": [p.hex() for p in path]}


@router.get(
    "/entries/{index}",
    response={200: EntryOut, **error_responses(ErrorOut, 400, 404)},
    auth=None,
    summary="日志条目（有权查看者另见对应事件）",
)
def entry(request, index: str):
    i = _int(index, "index")
    found = LogEntry.objects.filter(index=i).first()
    if found is None:
        raise NotFound("日志中没有该条目")
    event = None
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        visible = events_visible_to(user)
        if visible is not None:
            row: AuditEvent | None = visible.filter(pk=found.event_id).first()
            if row is not None:
                event = {
                    "id": row.pk,
                    "occurred_at": row.occurred_at.isoformat(),
                    "event": row.event,
                    "label": display.event_label(row.event),
                    "object_label": row.object_label,
                    "agency_id": row.agency_id,
                    "hash": row.hash,
                }
    return {
        "index": found.index,
        "entry": found.commitment,
        "leaf_hash": log.leaf_hash(found.commitment).hex(),
        "integrated_at": found.integrated_at.isoformat(),
        "event": event,
    }
