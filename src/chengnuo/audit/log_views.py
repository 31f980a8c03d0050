"""The verifiable log's pages (ADR 0012): for the public, what the log is and how to check it,
the newest checkpoint, its tiles (C2SP tlog-tiles, for any standard client) and
`/log/verify/`, which checks a receipt; for the Justice Bureau, the log's state, its witnesses
and their refusals (alarms)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chengnuo.core.errors import DomainError, NotFound, PermissionDenied
from chengnuo.core.web import fail, staff_view
from chengnuo.tlog import merkle

from . import log
from .models import LogQueue, LogTile, LogWitness, WitnessRefusal

MAX_RECEIPT_BYTES = 64 * 1024


def _witness_rows() -> list[dict]:
    known = {w.name: w for w in LogWitness.objects.all()}
    rows = []
    for config in log.witnesses():
        try:
            verifier = config.verifier()
            vkey, name = verifier.vkey, verifier.name
        except Exception:
            vkey, name = "", config.label
        rows.append({"label": config.label, "vkey": vkey, "state": known.get(name)})
    return rows


def _labelled(refusals: Any) -> list:
    """Refusals with the witness's name as people know it (市司法局), not its key name."""
    labels = {verifier.name: label for label, verifier in log.witness_verifiers()}
    rows = list(refusals)
    for r in rows:
        r.label = labels.get(r.witness, r.witness)
    return rows


def index(request: HttpRequest) -> HttpResponse:
    cp = log.published_checkpoint()
    return render(
        request,
        "audit/log_index.html",
        {
            "checkpoint": cp,
            "timestamp": cp.signed_at if cp else None,
            "origin": settings.LOG_ORIGIN,
            "hash_algorithm": settings.LOG_HASH.upper(),
            "log_keys": settings.LOG_VERIFIER_KEYS,
            "witnesses": _witness_rows(),
            "note": log.full_note(cp) if cp else "",
        },
    )


def checkpoint_text(request: HttpRequest) -> HttpResponse:
    """`<prefix>/checkpoint` of tlog-tiles: the newest (witnessed) signed checkpoint."""
    cp = log.published_checkpoint()
    if cp is None:
        raise Http404
    response = HttpResponse(log.full_note(cp), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


def tile(request: HttpRequest, level: str, path: str) -> HttpResponse:
    """`<prefix>/tile/<L>/<N>[.p/<W>]`: the tile's hashes (32 bytes each). A full tile never
    changes; a partial one is served at the width asked for if the log has that many."""
    width = merkle.TILE_WIDTH
    if ".p/" in path:
        path, _, w = path.partition(".p/")
        if not w.isdigit() or not 0 < int(w) < merkle.TILE_WIDTH or w.startswith("0"):
            raise Http404
        width = int(w)
    try:
        number = merkle.parse_tile_index(path.split("/"))
    except ValueError:
        raise Http404 from None
    if number > 2**56:
        raise Http404
    row = (
        LogTile.objects.filter(level=int(level), index=number)
        .values_list("width", "hashes")
        .first()
    )
    if row is None or row[0] < width:
        raise Http404
    response = HttpResponse(bytes(row[1])[: width * 32], content_type="application/octet-stream")
    if width == merkle.TILE_WIDTH:
        response["Cache-Control"] = "public, max-age=604800, immutable"
    return response


def verify(request: HttpRequest) -> HttpResponse:
    """Paste or upload a receipt (存证回执): each check is shown with its result."""
    result = None
    text = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            raw = upload.read(MAX_RECEIPT_BYTES + 1)
        else:
            raw = request.POST.get("receipt", "").encode("utf-8")
        if len(raw) > MAX_RECEIPT_BYTES:
            result = log.ReceiptCheck(False, [log.Step(False, "读取回执", "回执过大")])
        else:
            text = raw.decode("utf-8", "replace")
            try:
                data = json.loads(text)
            except ValueError:
                result = log.ReceiptCheck(
                    False, [log.Step(False, "读取回执", "回执不是有效的 JSON")]
                )
            else:
                result = log.check_receipt(data)
    return render(request, "audit/log_verify.html", {"result": result, "text": text}, status=200)


@staff_view
def status(request: HttpRequest) -> HttpResponse:
    if not log.can_watch_log(request.user):
        raise PermissionDenied("只有司法局的审查和审计人员可以查看日志见证情况")
    state = log.state()
    waiting = LogQueue.objects.all()[:10001].count()  # bounded: the queue is normally short
    refusals = WitnessRefusal.objects.select_related("acknowledged_by")
    return render(
        request,
        "audit/log_status.html",
        {
            "state": state,
            "waiting": waiting,
            "checkpoint": log.latest_checkpoint(),
            "witnessed": log.latest_checkpoint(witnessed=True),
            "witnesses": _witness_rows(),
            "open": _labelled(refusals.filter(acknowledged_at__isnull=True)[:100]),
            "closed": _labelled(refusals.filter(acknowledged_at__isnull=False)[:30]),
            "quorum": settings.LOG_WITNESS_QUORUM,
        },
    )


@staff_view
@require_POST
def refusal_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > 2**62:
        raise NotFound()
    try:
        log.refusal_acknowledge(
            actor=request.user, refusal_id=pk, note_text=request.POST.get("note", "")
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        fail(request, exc)
    else:
        messages.success(request, "已记录处理意见")
    return redirect("audit:log_status")
