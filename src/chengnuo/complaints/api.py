"""The 12345 hotline's intake (mounted at /api/v1/complaints, R-8.1): signed work orders
become complaints of the channel "hotline"; the answer goes back through an outbox
(`hotline.py`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.security import APIKeyHeader

from chengnuo.core.schemas import error_out, error_responses

from . import hotline
from .errors import ErrorCode

router = Router(tags=["complaints"])
ErrorOut = error_out("complaints", ErrorCode)


class HotlineSignature(APIKeyHeader):
    """The 12345 platform's signature, checked before the body is read as a work order."""

    param_name = "X-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return hotline.authenticate(request.headers, request.body)


class WorkOrderIn(Schema):
    """A 12345 work order (工单). What it concerns is named by public codes."""

    order_no: str = Field(..., max_length=64, title="工单号", description="与 Idempotency-Key 相同")
    kind: str = Field(
        ...,
        title="类别",
        description="proof_demanded / wrongly_refused / overdue / attitude / false_commitment /"
        " published_content",
    )
    text: str = Field(..., max_length=4000, title="诉求内容")
    agency_uscc: str = Field("", max_length=18, title="被投诉机关的统一社会信用代码")
    matter_code: str = Field("", max_length=40, title="办事事项编码")
    item_code: str = Field("", max_length=40, title="证明事项编码")
    commitment: int | None = Field(
        None, title="公开的承诺书编号", description="/commitments/{编号}/"
    )
    anonymous: bool = False
    name: str = Field("", max_length=40, title="来电人姓名")
    phone: str = Field("", max_length=20, title="来电号码")
    received_at: str = Field("", max_length=40, title="12345受理时间")


class WorkOrderOut(Schema):
    complaint: str = Field(..., title="受理编号")
    status: str
    status_label: str
    accept_due: str = Field(..., title="受理期限")
    handling_agency: str
    duplicate: bool = Field(..., description="同一工单号再次提交：为同一件投诉")


@router.post(
    "/hotline",
    auth=HotlineSignature(),
    response={
        201: WorkOrderOut,
        200: WorkOrderOut,
        **error_responses(ErrorOut, 400, 401, 409, 422, 429),
    },
    summary="接收12345热线工单",
    description=(
        "12345平台以签名请求推送工单（X-App-Key、X-Timestamp、Idempotency-Key=工单号、"
        "X-Signature=HMAC-SM3）。同一工单号重复提交返回同一件投诉（200）；"
        "办结后答复经回单接口推送回12345平台。"
    ),
    openapi_extra={
        "parameters": [
            {"name": "X-App-Key", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "X-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 64},
            },
        ]
    },
)
def hotline_order(request: HttpRequest, payload: WorkOrderIn):
    platform: Any = request.auth  # type: ignore[attr-defined]
    submission, created = hotline.receive(platform, request.headers, request.body)
    c = submission.complaint
    return Status(
        201 if created else 200,
        {
            "complaint": c.number,
            "status": c.status,
            "status_label": c.get_status_display(),
            "accept_due": c.accept_due.isoformat(),
            "handling_agency": c.handling_agency.name,
            "duplicate": not created,
        },
    )
