from __future__ import annotations

from ninja import Router, Schema

from .models import Agency

router = Router(tags=["agencies"])


class AgencyOut(Schema):
    id: int
    name: str
    uscc: str
    region: str
    region_label: str
    level: str
    parent_id: int | None


@router.get("", response=list[AgencyOut], summary="行政机关列表（公开）")
def list_agencies(request):
    return [
        AgencyOut(
            id=a.pk,
            name=a.name,
            uscc=a.uscc,
            region=a.region,
            region_label=str(a.get_region_display()),
            level=a.level,
            parent_id=a.parent_id,
        )
        for a in Agency.objects.order_by("level", "region", "name")
    ]
