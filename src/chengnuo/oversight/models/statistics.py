"""Counters of the rollout at a glance (R-8.1, ADR 0015).

`CounterDelta` rows are appended by the event handlers inside the case flows' transactions
(insert only: no flow waits for another's counter row); `Counter` holds one total per
(agency, month, measure), into which `statistics.fold` moves the deltas. A figure is the
total plus the deltas not folded yet."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("机关"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("月份"))  # the month's first day
    measure = models.CharField(_("指标"), max_length=40)
    count = models.BigIntegerField(_("数量"), default=0)

    class Meta:
        verbose_name = _("统计计数")
        verbose_name_plural = _("统计计数")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "measure"], name="oversight_counter_key"
            )
        ]
        indexes = [models.Index(fields=["month", "agency"], name="oversight_counter_month")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m} {self.measure} {self.count}"


class CounterDelta(models.Model):
    """One change of a counter, appended in the transaction of the fact it counts. No foreign
    key (a key check would lock the agency row in every flow); the agency is checked when the
    delta is folded."""

    id = models.BigAutoField(primary_key=True)
    agency_id = models.IntegerField()
    month = models.DateField()
    measure = models.CharField(max_length=40)
    delta = models.IntegerField(default=1)

    class Meta:
        verbose_name = _("统计增量")
        verbose_name_plural = _("统计增量")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m} {self.measure} {self.delta:+d}"
