"""The daily portal check's finding kinds, change kinds and event codes (R-8.1, with R-7.1,
R-3.1–R-3.5 for what the portal must publish)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FindingKind(models.TextChoices):
    """What the portal lacks (R-8.1: 浏览政务服务网站)."""

    CATALOG_MISSING = "catalog_missing", _("未公布目录清单")
    NOTIFICATION_MISSING = "notification_missing", _("未公布告知书")
    COMMITMENT_MISSING = "commitment_missing", _("未公布承诺书")
    GUIDE_MISSING = "guide_missing", _("未公布办事指南")
    WORK_RULES_MISSING = "work_rules_missing", _("未公布工作规程")
    MARKING_MISSING = "marking_missing", _("申请材料未标注“实行告知承诺制”")
    LINT = "lint", _("公布的文本含模糊表述或兜底条款")
    LEGAL_BASIS_MISSING = "legal_basis_missing", _("未写明设定依据")


class ChangeKind(models.TextChoices):
    """What changed on the portal since the agency's previous check."""

    CATALOG = "catalog", _("目录清单新版本")
    ITEM_ADDED = "item_added", _("新增证明事项")
    ITEM_REMOVED = "item_removed", _("取消证明事项")
    NOTIFICATION = "notification", _("告知书新版本")
    COMMITMENT = "commitment", _("承诺书新版本")
    GUIDE = "guide", _("办事指南新版本")
    WORK_RULES = "work_rules", _("工作规程新版本")
    LEGAL_BASIS = "legal_basis", _("设定依据变化")


class Event(models.TextChoices):
    """Event codes of the portal check (stable strings, ADR 0009)."""

    CHECK_RUN = "oversight.portal_check_run", _("浏览政务服务网站")
    FINDINGS_SENT = "oversight.portal_findings_sent", _("网站问题下发整改")


# how far ahead a rectification deadline may be set (days)
DEADLINE_MAX_DAYS = 180
