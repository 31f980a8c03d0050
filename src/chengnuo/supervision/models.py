"""Routine supervision (R-4.3, R-4.4, R-5.3): inspection item lists, the subject and
inspector directories, plans, draws anyone can recompute, inspection tasks and their public
results, key supervision lists and the non-discrimination parity reports.

A draw (`Draw`) is never overwritten: a redraw is a new draw naming the one it replaces and
why. Its seed comes from shares committed (`SeedShare.commitment`) before its pools froze
(`PoolSnapshot`, members and digest), so the published draw can be recomputed
(`supervision/draw.py`)."""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.agencies.constants import Region
from chengnuo.core.outbox import OutboxRow

from .constants import (
    CreditClass,
    DrawStatus,
    Frequency,
    ItemKind,
    KeyReason,
    Method,
    Outcome,
    Party,
    PeriodKind,
    PlanStatus,
    Recusal,
    Route,
    Stratify,
    TaskStatus,
)


class InspectionItem(models.Model):
    """One entry of an agency's inspection item list (抽查事项清单, R-4.3)."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("实施机关"),
        on_delete=models.PROTECT,
        related_name="inspection_items",
    )
    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("抽查事项"), max_length=200)
    kind = models.CharField(_("事项类别"), max_length=10, choices=ItemKind.choices)
    legal_basis = models.TextField(_("检查依据"))
    content = models.TextField(_("检查内容"))
    matters = models.ManyToManyField(
        "catalog.Matter", verbose_name=_("检查对象（办理以下事项的主体）"), related_name="+"
    )
    method = models.CharField(_("检查方式"), max_length=20, choices=Method.choices)
    frequency = models.CharField(_("检查频次"), max_length=20, choices=Frequency.choices)
    # whether the subject is told before the visit; routine inspections are unannounced unless
    # the item's rules allow notice
    announce = models.BooleanField(_("检查前告知检查对象"), default=False)
    # per cent of the subjects drawn per year, by credit class: {"A": 3, "B": 5, ...};
    # a key item has no upper limit (up to 100)
    ratio_by_class = models.JSONField(_("抽查比例（按信用分类，%）"), default=dict)
    published = models.BooleanField(_("已公布"), default=False)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    active = models.BooleanField(_("有效"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("抽查事项")
        verbose_name_plural = _("抽查事项清单")
        ordering = ["agency_id", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def audit_object(self):
        return self.agency


class SubjectEntry(models.Model):
    """A subject in the directory of those inspected (检查对象名录库): the holder of an approval
    of a matter, by commitment or by proof. `ref` is its opaque public reference in draws."""

    ref = models.CharField(_("公开编号"), max_length=20, unique=True)
    subject = models.ForeignKey(
        "credit.Subject", verbose_name=_("主体"), on_delete=models.PROTECT, related_name="+"
    )
    matter = models.ForeignKey(
        "catalog.Matter", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("审批机关"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("办件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    route = models.CharField(_("办理方式"), max_length=12, choices=Route.choices)
    region = models.CharField(_("行政区划"), max_length=20, choices=Region.choices)
    industry = models.CharField(_("行业"), max_length=60, blank=True)
    credit_class = models.CharField(
        _("信用分类"), max_length=1, choices=CreditClass.choices, default=CreditClass.A
    )
    address = models.CharField(_("经营（住所）地址"), max_length=200, blank=True)
    since = models.DateField(_("取得许可日期"))
    active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("检查对象")
        verbose_name_plural = _("检查对象名录库")
        ordering = ["ref"]
        constraints = [
            models.UniqueConstraint(fields=["subject", "matter"], name="uniq_entry_subject_matter")
        ]
        indexes = [models.Index(fields=["matter", "active"], name="entry_matter_active")]

    def __str__(self) -> str:
        return self.ref

    @property
    def audit_object(self):
        return self.subject


class InspectorEntry(models.Model):
    """An inspector in the directory of law-enforcement inspectors (执法检查人员名录库)."""

    ref = models.CharField(_("公开编号"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("所属机关"), on_delete=models.PROTECT, related_name="+"
    )
    qualification = models.CharField(_("执法证号"), max_length=40)
    region = models.CharField(_("行政区划"), max_length=20, choices=Region.choices)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员名录库")
        ordering = ["agency_id", "ref"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="uniq_inspector_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.user}（{self.ref}）"

    @property
    def audit_object(self):
        return self.agency


class RecusalDeclaration(models.Model):
    """A relation between an inspector and a subject that excludes the inspector (回避)."""

    inspector = models.ForeignKey(InspectorEntry, on_delete=models.CASCADE, related_name="recusals")
    subject = models.ForeignKey("credit.Subject", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("回避事由"), max_length=20, choices=Recusal.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "subject", "relation"], name="uniq_recusal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} · {self.get_relation_display()}"

    @property
    def agency(self):
        return self.inspector.agency

    @property
    def audit_object(self):
        return self.inspector.agency


class Plan(models.Model):
    """An annual or quarterly inspection plan (抽查计划) of a lead agency; with member agencies
    it is a joint inspection (跨部门联合抽查): one visit covers every agency's items."""

    number = models.CharField(_("计划编号"), max_length=32, unique=True)
    title = models.CharField(_("计划名称"), max_length=200)
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("牵头机关"),
        on_delete=models.PROTECT,
        related_name="supervision_plans",
    )
    member_agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("参与机关"), blank=True, related_name="+"
    )
    items = models.ManyToManyField(InspectionItem, verbose_name=_("抽查事项"), related_name="plans")
    period_kind = models.CharField(_("计划类型"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("计划期起"))
    period_end = models.DateField(_("计划期止"))
    stratify = models.CharField(
        _("分层方式"), max_length=20, choices=Stratify.choices, default=Stratify.CREDIT_CLASS
    )
    # who may be drawn: {"regions": [...], "industries": [...]}; never the route
    scope = models.JSONField(_("抽查范围"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽查计划")
        verbose_name_plural = _("抽查计划")
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def agency(self):
        return self.lead_agency

    @property
    def joint(self) -> bool:
        return bool(self.pk) and self.member_agencies.exists()


class Draw(models.Model):
    """One draw of a plan: subjects, then the inspectors of each task, from one seed."""

    number = models.CharField(_("抽取编号"), max_length=32, unique=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="draws")
    algorithm = models.CharField(_("算法"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=12, choices=DrawStatus.choices, default=DrawStatus.COMMITTING
    )
    seed = models.CharField(_("随机种子"), max_length=64, blank=True)
    pool_size = models.PositiveIntegerField(_("名录数量"), default=0)
    pool_digest = models.CharField(_("名录摘要"), max_length=64, blank=True)
    quota = models.PositiveIntegerField(_("抽取数量"), default=0)
    # per stratum: [{key, label, size, pool_digest, ratio, quota, selected: [refs]}]
    strata = models.JSONField(_("分层抽取结果"), default=list, blank=True)
    # {pools: {agency_key: [refs]}, tasks: [{subject, need, excluded, selected}]}
    inspectors = models.JSONField(_("检查人员抽取结果"), default=dict, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("取代的抽取"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    redraw_reason = models.TextField(_("重新抽取理由"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    frozen_at = models.DateTimeField(_("名录冻结时间"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("抽取时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("随机抽取")
        verbose_name_plural = _("随机抽取")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "drawn_at"], name="draw_status_drawn")]

    def __str__(self) -> str:
        return self.number

    @property
    def agency(self):
        return self.plan.lead_agency

    @property
    def audit_object(self):
        return self.plan


class SeedShare(models.Model):
    """One party's share of a draw's seed: its SM3 commitment is public before the pool
    freezes; the share itself (kept encrypted until then) is revealed at the draw."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="shares")
    party = models.CharField(_("提交方"), max_length=10, choices=Party.choices)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    commitment = models.CharField(_("随机数承诺（SM3）"), max_length=64)
    share_cipher = models.TextField(blank=True)
    share = models.CharField(_("随机数"), max_length=64, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    committed_at = models.DateTimeField(_("承诺时间"))
    revealed_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        ordering = ["draw_id", "party"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "party"], name="uniq_share_per_party")
        ]

    def __str__(self) -> str:
        return f"{self.draw} · {self.get_party_display()}"

    @property
    def audit_object(self):
        return self.draw.plan


class PoolSnapshot(models.Model):
    """A pool frozen at draw time: its members (sorted, one per line, zlib-compressed) and
    digest. Subjects per stratum; inspectors per agency."""

    class Kind(models.TextChoices):
        SUBJECTS = "subjects", _("检查对象")
        INSPECTORS = "inspectors", _("检查人员")

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="pools")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    key = models.CharField(_("分层"), max_length=40, blank=True)
    size = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    members_z = models.BinaryField()

    class Meta:
        ordering = ["draw_id", "kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "kind", "key"], name="uniq_pool_snapshot")
        ]

    def __str__(self) -> str:
        return f"{self.draw} · {self.kind} · {self.key}"

    def members(self) -> list[str]:
        text = zlib.decompress(bytes(self.members_z)).decode("utf-8")
        return text.split("\n") if text else []


class InspectionTask(models.Model):
    """One drawn subject's inspection (抽查任务): the items of every agency of the plan that
    apply to it, the inspectors drawn for it, the findings and the public result."""

    number = models.CharField(_("任务编号"), max_length=32, unique=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="tasks")
    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="tasks")
    entry = models.ForeignKey(SubjectEntry, on_delete=models.PROTECT, related_name="tasks")
    items = models.ManyToManyField(InspectionItem, related_name="tasks")
    inspectors = models.ManyToManyField(InspectorEntry, related_name="tasks")
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.ASSIGNED
    )
    due_date = models.DateField(_("检查期限"))
    notice_sent_at = models.DateTimeField(_("告知时间"), null=True, blank=True)
    outcome = models.CharField(
        _("检查结果"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    findings = models.TextField(_("检查情况"), blank=True)
    completed_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    publish_by = models.DateField(_("公开期限"), null=True, blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("抽查任务")
        verbose_name_plural = _("抽查任务")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "publish_by"], name="task_status_publish"),
            models.Index(fields=["published_at"], name="task_published"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def agency(self):
        return self.plan.lead_agency

    @property
    def audit_object(self):
        return self.plan


class TaskPhoto(models.Model):
    task = models.ForeignKey(InspectionTask, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to="supervision/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    digest = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class RegulatoryPlatform(models.Model):
    """The 互联网+监管 platform results are pushed to (R-4.3, R-9.2)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    base_url = models.URLField(_("接口地址"))
    app_key = models.CharField(_("应用标识"), max_length=100)
    secret = models.CharField(_("签名密钥"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)
    timeout_seconds = models.PositiveIntegerField(_("超时（秒）"), default=10)

    class Meta:
        verbose_name = _("互联网+监管平台")
        verbose_name_plural = _("互联网+监管平台")

    def __str__(self) -> str:
        return self.name


class ResultPush(OutboxRow):
    """Outbox of a published result to the 互联网+监管 platform: written with the publication,
    delivered by the worker, signed, with an idempotency key (exactly once at the receiver;
    `core.outbox`)."""

    platform = models.ForeignKey(RegulatoryPlatform, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(InspectionTask, on_delete=models.PROTECT, related_name="pushes")

    class Meta:
        verbose_name = _("检查结果推送")
        verbose_name_plural = _("检查结果推送")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="result_push_due")]

    def __str__(self) -> str:
        return f"{self.task} → {self.platform}"


class KeySupervision(models.Model):
    """A subject on an agency's key supervision list (重点监管名单, R-5.3) and why."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey("credit.Subject", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("列入原因"), max_length=20, choices=KeyReason.choices)
    detail = models.CharField(_("具体情况"), max_length=200)
    source_ref = models.CharField(_("依据记录"), max_length=64, blank=True)
    listed_at = models.DateTimeField(_("列入时间"), auto_now_add=True)
    removed_at = models.DateTimeField(_("移出时间"), null=True, blank=True)
    removal_reason = models.CharField(_("移出理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("重点监管对象")
        verbose_name_plural = _("重点监管名单")
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "subject", "reason"],
                condition=models.Q(removed_at__isnull=True),
                name="uniq_key_supervision_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_reason_display()}"

    @property
    def audit_object(self):
        return self.subject


class ParityReport(models.Model):
    """A quarterly non-discrimination report of an agency (R-4.4), sent to the Justice
    Bureau: per item and credit stratum, inspection and finding rates of the two routes."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    quarter = models.CharField(_("季度"), max_length=7)  # 2026Q3
    period_start = models.DateField()
    period_end = models.DateField()
    rows = models.JSONField(_("分析结果"), default=list)
    summary = models.JSONField(_("分层检验"), default=dict)
    flagged = models.PositiveIntegerField(_("需关注的分层数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("非歧视性监管分析报告")
        verbose_name_plural = _("非歧视性监管分析报告")
        ordering = ["-period_start", "agency_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "quarter"], name="uniq_parity_quarter")
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.quarter}"
