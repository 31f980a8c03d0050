"""Notification (告知书) and commitment (承诺书) templates: kinds, required elements, events."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateKind(models.TextChoices):
    NOTIFICATION = "notification", _("告知书")
    COMMITMENT = "commitment", _("承诺书")


class FactType(models.TextChoices):
    """Types of the facts an applicant commits to (filled from the case by a later issue)."""

    TEXT = "text", _("文本")
    DATE = "date", _("日期")
    NUMBER = "number", _("数字")
    CHOICE = "choice", _("选项")


# the seven elements of a written notification. Liability is three fields.
# (field, Chinese label as used in refusals)
NOTIFICATION_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("matter_name", "事项名称"),
    ("legal_basis", "设定依据"),
    ("proof_content", "证明内容或许可条件和材料要求"),
    ("how_to_commit", "承诺方式"),
    ("civil_liability", "不实承诺的民事责任"),
    ("administrative_liability", "不实承诺的行政责任"),
    ("criminal_liability", "不实承诺的刑事责任"),
    ("verification_power", "行政机关核查权力"),
    ("disclosure", "承诺书是否公开及公开范围、时限"),
)

# the four declarations of a written commitment.
COMMITMENT_DECLARATIONS: tuple[tuple[str, str], ...] = (
    ("knows_notification", "已知晓告知事项"),
    ("meets_conditions", "已符合相关条件"),
    ("accepts_liability", "愿意承担不实承诺的法律责任"),
    ("true_intent", "承诺的意思表示真实"),
)
FACTS_LABEL = "承诺事实"

FREE_TEXT_LABEL = "其他说明"

NOTIFICATION_TEXT_FIELDS: tuple[str, ...] = (
    *(f for f, _label in NOTIFICATION_ELEMENTS),
    "free_text",
)
COMMITMENT_TEXT_FIELDS: tuple[str, ...] = (
    *(f for f, _label in COMMITMENT_DECLARATIONS),
    "free_text",
)

FIELD_LABELS: dict[str, str] = {
    **dict(NOTIFICATION_ELEMENTS),
    **dict(COMMITMENT_DECLARATIONS),
    "free_text": FREE_TEXT_LABEL,
    "facts": FACTS_LABEL,
}

# Length limits of the draft fields (characters).
MATTER_NAME_LIMIT = 1000
TEXT_LIMIT = 8000
FACT_LABEL_LIMIT = 500
MAX_FACTS = 50
MIN_OVERRIDE_REASON = 4
CONTENT_SCHEMA = 1


class Event(models.TextChoices):
    """Audit event codes of the documents app (stable strings)."""

    DRAFTS_CREATED = "documents.template_drafts_created", _("生成告知书和承诺书草稿")
    DRAFT_UPDATED = "documents.template_draft_updated", _("修改告知书或承诺书草稿")
    PUBLISHED = "documents.template_published", _("发布告知书或承诺书")
    PUBLISHED_LINT_OVERRIDE = (
        "documents.template_published_lint_override",
        _("经司法局放行发布告知书或承诺书"),
    )
