"""Event codes of the audit app (stable strings, ADR 0009)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    ALERT_RAISED = "audit.alert_raised", _("发出安全提醒")
    ALERT_ACKNOWLEDGED = "audit.alert_acknowledged", _("处理安全提醒")
    LOG_WITNESS_REFUSED = "audit.log_witness_refused", _("见证方拒签日志检查点")
    LOG_REFUSAL_ACKNOWLEDGED = "audit.log_refusal_acknowledged", _("处理见证拒签")
