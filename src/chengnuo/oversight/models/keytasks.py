"""The key-task table (重点任务分解表, R-8.3): the annex's tasks and custom ones, with their lead
and responsible units and deadlines; each unit's monthly progress reports; and the joint
inspections (联合督查) of the Justice Bureau, the data bureau and the development and reform
commission."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..constants_keytasks import JointStatus, Progress, TaskOrigin


class KeyTask(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    heading = models.CharField(_("重点任务"), max_length=60)
    requirement = models.TextField(_("具体要求"))
    origin = models.CharField(
        _("来源"), max_length=10, choices=TaskOrigin.choices, default=TaskOrigin.CUSTOM
    )
    lead_agencies = models.ManyToManyField(
        "agencies.Agency", related_name="+", blank=True, verbose_name=_("牵头单位")
    )
    responsible_agencies = models.ManyToManyField(
        "agencies.Agency", related_name="+", blank=True, verbose_name=_("责任单位")
    )
    all_agencies = models.BooleanField(_("各有关部门落实"), default=False)
    units_text = models.CharField(_("责任单位（原文）"), max_length=200, blank=True)
    due_date = models.DateField(_("完成时限"), null=True, blank=True)  # none: 长期
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务分解表")

    def __str__(self) -> str:
        return f"{self.number} {self.heading}"


class KeyTaskReport(models.Model):
    """A unit's progress on a task for a month: what was done, the evidence, and whether the
    unit considers its part done."""

    task = models.ForeignKey(KeyTask, on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("报告月份"))  # the first of the month
    progress = models.CharField(_("进展"), max_length=12, choices=Progress.choices)
    text = models.TextField(_("进展情况"))
    evidence = models.TextField(_("佐证材料"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))

    class Meta:
        ordering = ["task_id", "agency_id", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency", "month"], name="uniq_key_task_report_month"
            )
        ]
        verbose_name = _("重点任务进展报告")

    def __str__(self) -> str:
        return f"{self.task.number} · {self.month:%Y-%m}"


class JointInspection(models.Model):
    """联合督查: led together by the Justice Bureau, the data bureau and the development and
    reform commission, with members from each."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    title = models.CharField(_("督查名称"), max_length=100)
    scope = models.TextField(_("督查内容"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=JointStatus.choices, default=JointStatus.PLANNED
    )
    findings = models.TextField(_("督查情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    concluded_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("联合督查")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class JointInspectionMember(models.Model):
    inspection = models.ForeignKey(
        JointInspection, on_delete=models.CASCADE, related_name="members"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agency_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "user"], name="uniq_joint_member")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} · {self.user_id}"
