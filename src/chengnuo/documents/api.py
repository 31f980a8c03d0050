"""The documents API (mounted at /api/v1/documents): the R-3.2 text linter as a service.

POST /lint analyses a text and stores nothing, so it needs no login. Bad input is a 422 in the
project's error format (config/api.py).
"""

from __future__ import annotations

from ninja import Field, Router, Schema

from . import lint_rules
from .linter import lint

router = Router(tags=["documents"])

MAX_LINT_TEXT = 20000


class LintIn(Schema):
    text: str = Field(..., max_length=MAX_LINT_TEXT, description="待检查的文本（不超过20000字）")


class FindingOut(Schema):
    start: int = Field(..., description="起始字符位置（从0起）")
    end: int = Field(..., description="结束字符位置（不含）")
    line: int = Field(..., description="行号（从1起）")
    column: int = Field(..., description="列号（从1起，按字符计）")
    phrase: str
    rule_id: str
    category: str = Field(..., description="vague 模糊表述 / catch_all 兜底条款")
    severity: str = Field(..., description="blocking 阻止发布 / warning 提示")
    reason: str
    suggestion: str


class LintOut(Schema):
    findings: list[FindingOut]
    blocking: int
    warnings: int


@router.post(
    "/lint", response=LintOut, auth=None, summary="检查文本中的模糊表述和兜底条款（R-3.2）"
)
def lint_text(request, payload: LintIn):
    findings = lint(payload.text)
    n_blocking = sum(1 for f in findings if f.severity == lint_rules.BLOCKING)
    return {
        "findings": [f.as_dict() for f in findings],
        "blocking": n_blocking,
        "warnings": len(findings) - n_blocking,
    }
