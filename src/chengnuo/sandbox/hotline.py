"""The sandbox 12345 platform's side that sends: a work order (工单) of the hotline, signed as
every connector signs (`core.signing`), posted to the platform's hotline intake
`/api/v1/complaints/hotline`. The answer comes back to the sandbox's `/api/12345/replies`."""

from __future__ import annotations

import json
from typing import Any

import httpx

from chengnuo.core.signing import signed_headers

HOTLINE_PATH = "/api/v1/complaints/hotline"
USER_AGENT = "12345-sandbox/1"


def work_order(number: str, **fields: Any) -> dict[str, Any]:
    """A work order as the 12345 platform sends it (synthetic content)."""
    order = {
        "order_no": number,
        "received_at": "2026-12-01T09:30:00+08:00",
        "kind": "proof_demanded",
        "text": "市民来电反映：办理该事项时窗口要求提供已实行告知承诺制的证明材料，请核实处理。",
        "anonymous": False,
        "name": "来电市民",
        "phone": "13900000000",
    }
    order.update(fields)
    return order


def send_order(
    base_url: str, app_key: str, secret: str, order: dict[str, Any], *, timeout: float = 10
) -> httpx.Response:
    body = json.dumps(order, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    headers = signed_headers(app_key, secret, str(order["order_no"]), body, user_agent=USER_AGENT)
    headers["Content-Type"] = "application/json; charset=utf-8"
    return httpx.post(
        f"{base_url.rstrip('/')}{HOTLINE_PATH}", content=body, headers=headers, timeout=timeout
    )
