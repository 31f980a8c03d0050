"""Demo data-source registry (R-4.5, R-9.2): the seven sources of the sandbox data-sharing
platform (`chengnuo.sandbox.share_data`), registered as the data admin would, each with the
agency that provides it, signed with the sandbox's demo app key and secret (stored encrypted).

The sources point at CHENGNUO_SANDBOX_URL (default `credit_data.SANDBOX_DEFAULT_URL`, the port
`make run` starts the sandbox on). Idempotent: an existing source keeps its settings.

`COMPARISONS` suggests comparison standards for the demo items whose commitments can be checked
online against these sources without dedicated commitment facts (fixed values and existence).
"""

from __future__ import annotations

import os
from typing import Any

from chengnuo.agencies.models import Agency
from chengnuo.core import spine
from chengnuo.core.crypto import encrypt
from chengnuo.verification.constants import Event
from chengnuo.verification.models import DataSource

from .credit_data import SANDBOX_APP_KEY, SANDBOX_DEFAULT_URL, SANDBOX_SECRET

# code, name, agency names (the first that exists provides it), field mapping
SOURCES: list[tuple[str, str, tuple[str, ...], dict[str, str]]] = [
    ("household", "户籍信息（市公安局）", ("阜阳市公安局",), {}),
    ("marriage", "婚姻登记信息（市民政局）", ("阜阳市民政局",), {}),
    (
        "social_insurance",
        "社会保险缴费信息（市人社局）",
        ("阜阳市人力资源和社会保障局",),
        {"months": "contribution_months", "continuous_months": "continuous_months"},
    ),
    ("education", "学历学位信息（市教育局）", ("阜阳市教育局",), {}),
    ("criminal_record", "无犯罪记录信息（市公安局）", ("阜阳市公安局",), {}),
    ("business_licence", "营业执照信息（市市场监管局）", ("阜阳市市场监督管理局",), {}),
    (
        "real_estate",
        "不动产登记信息（市住建局）",
        ("阜阳市自然资源和规划局", "阜阳市住房和城乡建设局"),
        {},
    ),
]

# item code -> comparisons (verification plan shape) usable with the demo's commitments.
COMPARISONS: dict[str, list[dict[str, Any]]] = {
    "RS-ZM-001": [
        {"label": "学历学位", "source": "education", "field": "degree", "op": "exists"},
        {"label": "学历层次", "source": "education", "field": "education_level", "op": "eq",
         "value": "本科"},
    ],
    "RS-ZM-002": [
        {"label": "缴费月数", "source": "social_insurance", "field": "contribution_months",
         "op": "gte", "value": 36},
    ],
    "RS-ZM-003": [
        {"label": "当前无参保就业", "source": "social_insurance", "field": "employed",
         "op": "false"},
    ],
}  # fmt: skip


def _agency(names: tuple[str, ...]) -> Agency | None:
    for name in names:
        agency = Agency.objects.filter(name=name).first()
        if agency is not None:
            return agency
    return None


def sandbox_url() -> str:
    return os.environ.get("CHENGNUO_SANDBOX_URL", "").strip() or SANDBOX_DEFAULT_URL


def load_sources(stdout: Any = None) -> dict[str, int]:
    """Register the seven sandbox sources (idempotent; call inside a transaction or not)."""
    from django.db import transaction

    url = sandbox_url()
    created = 0
    for code, name, agencies, mapping in SOURCES:
        agency = _agency(agencies)
        if agency is None or DataSource.objects.filter(code=code).exists():
            continue
        with transaction.atomic():
            source = DataSource.objects.create(
                code=code,
                name=name,
                providing_agency=agency,
                base_url=url,
                app_key=SANDBOX_APP_KEY,
                secret_cipher=encrypt(SANDBOX_SECRET),
                field_mapping=mapping,
                timeout_seconds=3,
                rate_limit_per_second=100,
                max_attempts=5,
                breaker_threshold=5,
                breaker_cooldown_seconds=60,
            )
            spine.record(
                None,
                Event.SOURCE_SAVED,
                source,
                None,
                {"code": code, "base_url": url, "field_mapping": mapping, "secret_changed": True},
            )
        created += 1
    if stdout and created:
        stdout.write(f"registered {created} data source(s) at {url}")
    return {"data_sources": DataSource.objects.count()}
