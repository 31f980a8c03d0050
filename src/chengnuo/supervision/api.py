"""The public API of routine supervision (mounted at /api/v1/supervision, R-4.3): draws anyone
can recompute with `python -m chengnuo.supervision.draw`, their frozen pools, the published
inspection item lists and results. No login; nothing personal (subjects are opaque
references; persons' names are masked)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from chengnuo.core.errors import NotFound
from chengnuo.core.rules import MAX_ID
from chengnuo.core.schemas import error_out, error_responses

from . import selectors
from .errors import ErrorCode
from .models import PoolSnapshot

router = Router(tags=["supervision"])
ErrorOut = error_out("supervision", ErrorCode)


class ShareOut(Schema):
    party: str = Field(..., title="提交方", description="lead（牵头机关）/ justice（市司法局）")
    party_label: str
    agency: str
    commitment: str = Field(..., title="随机数承诺", description="SM3(share)，冻结名录前公开")
    committed_at: str
    share: str | None = Field(None, title="随机数", description="抽取时公开")
    revealed_at: str | None = None


class StratumOut(Schema):
    key: str = Field(..., title="分层", description="信用分类，或“行政区划/信用分类”")
    label: str
    size: int
    pool_digest: str
    ratio: float = Field(..., title="抽查比例（%）")
    quota: int
    selected: list[str]
    pool: list[str] | None = Field(None, description="名录（过大时为空，见 pool_url）")
    pool_url: str


class PlanRefOut(Schema):
    number: str
    title: str
    lead_agency: str
    member_agencies: list[str]
    period_start: str
    period_end: str


class DrawSummaryOut(Schema):
    id: int
    number: str
    status: str
    algorithm: str
    plan: str = Field(..., title="计划名称")
    lead_agency: str
    pool_size: int
    quota: int
    opened_at: str
    drawn_at: str | None
    replaces: int | None


class DrawListOut(Schema):
    results: list[DrawSummaryOut]
    next_before: int | None = Field(None, description="下一页：?before=该值")


class DrawOut(Schema):
    id: int
    number: str
    status: str
    algorithm: str = Field(..., description="sm3-rank-v1")
    plan: PlanRefOut
    shares: list[ShareOut]
    seed: str | None = Field(None, description="SM3(牵头机关随机数 + ':' + 市司法局随机数)")
    pool: list[str] | None = Field(None, description="全部分层名录之并（过大时为空）")
    pool_size: int
    pool_digest: str | None = Field(None, description='SM3("\\n".join(sorted(pool)))')
    quota: int
    selected: list[str]
    strata: list[StratumOut]
    inspectors: dict[str, Any] | None = Field(
        None,
        description="检查人员抽取（sm3-rank-v1/load）：pools 与每个任务的 need、excluded、selected",
    )
    replaces: int | None
    replaced_by: int | None
    redraw_reason: str | None
    opened_at: str
    frozen_at: str | None
    drawn_at: str | None


class DrawFilters(Schema):
    before: int | None = Field(None, ge=1, le=MAX_ID, description="只列出编号小于该值的抽取")
    limit: int = Field(20, ge=1, le=100)


@router.get(
    "/draws",
    response={200: DrawListOut, **error_responses(ErrorOut, 422)},
    auth=None,
    url_name="supervision_draws",
    summary="随机抽取记录（最新在前）",
)
def draws(request, filters: Query[DrawFilters]):
    rows = selectors.public_draws().prefetch_related(None)
    if filters.before:
        rows = rows.filter(pk__lt=filters.before)
    page = list(rows.order_by("-id")[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "results": [
            {
                "id": d.pk,
                "number": d.number,
                "status": d.status,
                "algorithm": d.algorithm,
                "plan": d.plan.title,
                "lead_agency": d.plan.lead_agency.name,
                "pool_size": d.pool_size,
                "quota": d.quota,
                "opened_at": d.opened_at.isoformat(),
                "drawn_at": d.drawn_at.isoformat() if d.drawn_at else None,
                "replaces": d.replaces_id,
            }
            for d in page
        ],
        "next_before": page[-1].pk if more and page else None,
    }


@router.get(
    "/draws/{draw_id}",
    response={200: DrawOut, **error_responses(ErrorOut, 404)},
    auth=None,
    url_name="supervision_draw",
    summary="一次随机抽取的全部公开数据（可据此重算）",
)
def draw_detail(request, draw_id: int):
    if not 0 < draw_id <= MAX_ID:
        raise NotFound()
    return selectors.draw_public(selectors.draw_by_id(draw_id))


@router.get(
    "/draws/{draw_id}/pools/{key}.txt",
    response=error_responses(ErrorOut, 404),
    openapi_extra={
        "responses": {
            "200": {
                "description": "每行一个公开编号，按字符排序",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
    auth=None,
    url_name="supervision_draw_pool",
    summary="冻结的名录（每行一个公开编号，已排序）",
)
def draw_pool(request, draw_id: int, key: str):
    if not 0 < draw_id <= MAX_ID:
        raise NotFound()
    draw = selectors.draw_by_id(draw_id)
    snap = PoolSnapshot.objects.filter(
        draw=draw, kind=PoolSnapshot.Kind.SUBJECTS, key="" if key == "-" else key.replace(".", "/")
    ).first()
    if snap is None:
        raise NotFound()
    return HttpResponse("\n".join(snap.members()), content_type="text/plain; charset=utf-8")
