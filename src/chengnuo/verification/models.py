"""Verifying commitments and handling false ones (R-4.1, R-4.2, R-4.5–R-4.8, R-5.2, R-5.5, R-9.2).

A `VerificationPlan` per item says how (methods), when (before the decision or within N working
days after) and against what (comparisons of committed facts with data-source fields). When a
case reaches the point where verification applies, a reproducible `SamplingDraw` decides by the
committer's risk level which commitments are verified, and each selected commitment gets a
`VerificationTask` per method: `OnlineCheck`s against registered `DataSource`s (through the
worker), `AssistanceRequest`s to another agency, or an `Inspection` by two inspectors. A task's
outcome (consistent / inconsistent / unable) leads, for an untrue commitment, to a `Handling`
chosen by the officer, and to a credit record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import (
    AssistanceStatus,
    CheckStatus,
    HandlingStatus,
    InspectionStatus,
    Measure,
    Outcome,
    TaskStatus,
    Timing,
    VerificationMethod,
)


class VerificationPlan(models.Model):
    """How one certification item's commitments are verified (R-4.1). Defaults come from the
    catalog entry; the agency admin refines methods, timing and the comparison standard."""

    item = models.OneToOneField(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        on_delete=models.CASCADE,
        related_name="verification_plan",
    )
    methods = models.JSONField(_("核查方式"), default=list)
    timing = models.CharField(
        _("核查时点"), max_length=20, choices=Timing.choices, default=Timing.AFTER_DECISION
    )
    days = models.PositiveIntegerField(_("核查时限（工作日）"), default=20)
    # [{label, source, field, op: eq|ne|gte|lte|contains|true|false, value | fact}]
    comparisons = models.JSONField(_("核查标准（比对项）"), default=list, blank=True)
    standard = models.TextField(_("核查标准说明"), blank=True)
    assistance_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("协助核查机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assistance_days = models.PositiveIntegerField(_("协助核查答复时限（工作日）"), default=5)
    fallback = models.CharField(
        _("在线核查无法完成时改用"),
        max_length=20,
        choices=[
            (VerificationMethod.ASSISTANCE, _("协助核查")),
            (VerificationMethod.ON_SITE, _("现场核查")),
        ],
        default=VerificationMethod.ASSISTANCE,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("核查计划")
        verbose_name_plural = _("核查计划")

    def __str__(self) -> str:
        return f"{self.item.name} 核查计划"

    @property
    def agency(self):
        return self.item.agency

    @property
    def exempt(self) -> bool:
        return not self.methods or VerificationMethod.EXEMPT in self.methods

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.item


class SamplingDraw(models.Model):
    """One reproducible draw (R-4.2, R-5.3): the seed, the inputs and the rule are stored so
    anyone can re-run `rules.draw(...)` and get the same selection."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sampling_draws")
    stage = models.CharField(_("时点"), max_length=20, choices=Timing.choices)
    risk_level = models.CharField(_("信用风险等级"), max_length=2)
    share_percent = models.PositiveIntegerField(_("抽取比例（%）"))
    seed = models.CharField(_("随机种子"), max_length=64)
    algorithm = models.CharField(_("算法"), max_length=40)
    candidates = models.JSONField(_("候选承诺"), default=list)
    selected = models.JSONField(_("抽中承诺"), default=list)
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("抽样记录")
        verbose_name_plural = _("抽样记录")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_stage_display()} {self.risk_level}"

    @property
    def agency(self):
        return self.case.agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.case


class VerificationTask(models.Model):
    """Verifying one commitment by one method."""

    commitment = models.ForeignKey(
        "cases.Commitment", on_delete=models.PROTECT, related_name="verification_tasks"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="verification_tasks"
    )
    draw = models.ForeignKey(
        SamplingDraw, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    method = models.CharField(_("核查方式"), max_length=20, choices=VerificationMethod.choices)
    timing = models.CharField(
        _("核查时点"), max_length=20, choices=Timing.choices, default=Timing.AFTER_DECISION
    )
    risk_level = models.CharField(_("信用风险等级"), max_length=2, blank=True)
    due_date = models.DateField(_("核查期限"))
    standard = models.TextField(_("核查标准"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PENDING
    )
    outcome = models.CharField(
        _("核查结论"), max_length=20, choices=Outcome.choices, default="", blank=True
    )
    outcome_note = models.TextField(_("核查说明"), blank=True)
    concluded_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("接替的任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fallbacks",
    )
    # where the task came from when not from a draw: the number of the complaint reporting the
    # commitment as false (投诉举报受理编号); its outcome is announced with it
    origin_ref = models.CharField(_("来源（投诉举报编号）"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("核查任务")
        verbose_name_plural = _("核查任务")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["agency", "status", "due_date"])]

    def __str__(self) -> str:
        return f"{self.commitment} · {self.get_method_display()} · {self.get_status_display()}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.commitment.case


class DataSource(models.Model):
    """A data-sharing source (R-4.5, R-9.2) registered by the data admin: where it is, how
    requests are signed (app key + HMAC-SM3), how its fields map, and how hard to call it."""

    code = models.SlugField(_("数据源编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    providing_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("提供机关"),
        on_delete=models.PROTECT,
        related_name="data_sources",
    )
    base_url = models.URLField(_("接口地址"))
    path = models.CharField(
        _("查询路径"), max_length=200, default="/api/share/{source}/{id_type}/{id_number}"
    )
    app_key = models.CharField(_("应用标识"), max_length=100)
    secret_cipher = models.TextField(_("签名密钥（密文）"))
    field_mapping = models.JSONField(_("字段映射"), default=dict, blank=True)
    timeout_seconds = models.FloatField(_("超时（秒）"), default=5)
    rate_limit_per_second = models.PositiveIntegerField(_("每秒请求上限"), default=50)
    max_attempts = models.PositiveIntegerField(_("最多尝试次数"), default=5)
    breaker_threshold = models.PositiveIntegerField(_("熔断阈值（连续失败次数）"), default=5)
    breaker_cooldown_seconds = models.PositiveIntegerField(_("熔断冷却（秒）"), default=60)
    consecutive_failures = models.PositiveIntegerField(default=0)
    open_until = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("数据源")
        verbose_name_plural = _("数据源")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def agency(self):
        return self.providing_agency


class OnlineCheck(models.Model):
    """One online comparison of a commitment with one source (R-4.5): the request, the
    response snapshot and its SM3 digest, the field-by-field comparison, the outcome."""

    task = models.ForeignKey(VerificationTask, on_delete=models.PROTECT, related_name="checks")
    source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="checks")
    status = models.CharField(
        _("状态"), max_length=20, choices=CheckStatus.choices, default=CheckStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    request = models.JSONField(_("请求"), default=dict, blank=True)
    response = models.JSONField(_("响应快照"), default=dict, blank=True)
    response_digest = models.CharField(_("响应SM3摘要"), max_length=64, blank=True)
    comparison = models.JSONField(_("逐项比对"), default=list, blank=True)
    outcome = models.CharField(
        _("结论"), max_length=20, choices=Outcome.choices, default="", blank=True
    )
    error = models.TextField(_("错误"), blank=True)
    http_seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("在线核查")
        verbose_name_plural = _("在线核查")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.task_id} · {self.source.code} · {self.get_status_display()}"

    @property
    def agency(self):
        return self.task.agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.task.commitment.case


class AssistanceRequest(models.Model):
    """R-4.7: an officer asks another agency to verify specific facts by a deadline; the
    requested agency answers with a result and evidence, or refuses in writing with reasons."""

    task = models.ForeignKey(
        VerificationTask, on_delete=models.PROTECT, related_name="assistance_requests"
    )
    requesting_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="assistance_sent"
    )
    requested_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("被请求机关"),
        on_delete=models.PROTECT,
        related_name="assistance_received",
    )
    questions = models.TextField(_("请求核查的事项"))
    facts = models.JSONField(_("承诺事实"), default=dict, blank=True)
    deadline = models.DateField(_("答复期限"))
    status = models.CharField(
        _("状态"), max_length=20, choices=AssistanceStatus.choices, default=AssistanceStatus.OPEN
    )
    result = models.CharField(
        _("核查结果"), max_length=20, choices=Outcome.choices, default="", blank=True
    )
    answer = models.TextField(_("答复内容"), blank=True)
    evidence = models.FileField(_("证明材料"), upload_to="assistance/%Y/%m/", blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    evidence_digest = models.CharField(max_length=64, blank=True)
    refusal_reason = models.TextField(_("无法协助的理由"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("请求时间"), auto_now_add=True)
    # The requested agency's staff member who handles the request: the only one who answers it
    # once set, and who may see the committer's full identifier to find the record (audited).
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("协助核查请求")
        verbose_name_plural = _("协助核查请求")
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["requested_agency", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.requesting_agency} → {self.requested_agency} · {self.get_status_display()}"

    @property
    def agency(self):
        return self.requested_agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.task.commitment.case


class Inspection(models.Model):
    """R-4.6: an on-site inspection assigned to two inspectors of the agency."""

    task = models.OneToOneField(
        VerificationTask, on_delete=models.PROTECT, related_name="inspection"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("核查人员"), related_name="inspections"
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=InspectionStatus.choices,
        default=InspectionStatus.ASSIGNED,
    )
    findings = models.TextField(_("核查情况"), blank=True)
    result = models.CharField(
        _("核查结果"), max_length=20, choices=Outcome.choices, default="", blank=True
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("现场核查")
        verbose_name_plural = _("现场核查")
        ordering = ["-assigned_at"]

    def __str__(self) -> str:
        return f"{self.task} 现场核查"

    @property
    def agency(self):
        return self.task.agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.task.commitment.case


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to="inspections/%Y/%m/")
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


class Handling(models.Model):
    """R-4.8, R-5.5: what the officer decided for an untrue commitment, and its progress."""

    task = models.ForeignKey(VerificationTask, on_delete=models.PROTECT, related_name="handlings")
    commitment = models.ForeignKey(
        "cases.Commitment", on_delete=models.PROTECT, related_name="handlings"
    )
    measure = models.CharField(_("处置措施"), max_length=20, choices=Measure.choices)
    reason = models.TextField(_("事实和理由"))
    legal_basis = models.TextField(_("法律依据"), blank=True)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    decision_number = models.CharField(_("决定书文号"), max_length=100, blank=True)
    penalty_amount = models.DecimalField(
        _("罚款金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    referred_to = models.CharField(_("移送机关"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=HandlingStatus.choices, default=HandlingStatus.CLOSED
    )
    credit_record = models.ForeignKey(
        "credit.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handlings",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("失实承诺处置")
        verbose_name_plural = _("失实承诺处置")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.commitment} · {self.get_measure_display()}"

    @property
    def agency(self):
        return self.task.agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.commitment.case
