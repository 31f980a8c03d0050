"""Committers (subjects) and their credit (R-2.2, R-5, R-6.4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core import crypto
from chengnuo.core.masking import mask_identifier, mask_person_name, mask_phone
from chengnuo.core.models import TimestampedModel
from chengnuo.core.timefmt import local

from .constants import (
    Grade,
    IdType,
    ObjectionStatus,
    RecordKind,
    RecordStatus,
    RepairStatus,
    SubjectKind,
)


class Subject(TimestampedModel):
    """An applicant/committer: a natural person or a legal entity. The identifier and phone are
    stored SM4-GCM encrypted with an HMAC-SM3 lookup column (R-5.6)."""

    kind = models.CharField(_("主体类型"), max_length=10, choices=SubjectKind.choices)
    name = models.CharField(_("名称/姓名"), max_length=200)
    id_type = models.CharField(_("证件类型"), max_length=20, choices=IdType.choices)
    id_cipher = models.TextField(_("证件号码（密文）"))
    id_lookup = models.CharField(max_length=64)
    id_masked = models.CharField(_("证件号码"), max_length=40)
    phone_cipher = models.TextField(_("联系电话（密文）"), blank=True)
    phone_lookup = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("申请人/承诺人")
        verbose_name_plural = _("申请人/承诺人")
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_lookup"], name="uniq_subject_identifier"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name}（{self.id_masked}）"

    @property
    def display_name(self) -> str:
        """Persons' names are masked in lists; entities' names are public information."""
        return mask_person_name(self.name) if self.kind == SubjectKind.PERSON else self.name

    def identifier(self) -> str:
        """The full identifier. Only services that audit the view may call this."""
        return crypto.decrypt(self.id_cipher)

    def phone(self) -> str:
        return crypto.decrypt(self.phone_cipher) if self.phone_cipher else ""

    @staticmethod
    def masked(id_value: str, phone: str = "") -> tuple[str, str]:
        return mask_identifier(id_value), mask_phone(phone)


class SubjectLink(models.Model):
    """An applicant account acts for a subject: as the person, or for a firm."""

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        AGENT = "agent", _("经办人（代表单位）")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subject_links"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("账户关联主体")
        verbose_name_plural = _("账户关联主体")
        constraints = [
            models.UniqueConstraint(fields=["user", "subject"], name="uniq_subject_link"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.subject}"

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.subject


class CreditRecord(TimestampedModel):
    """One credit record of a subject (R-5.2). Its past is kept in the audit trail; the row
    carries the present status."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("记录类型"), max_length=30, choices=RecordKind.choices)
    grade = models.CharField(_("失信程度"), max_length=10, choices=Grade.choices, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    summary = models.TextField(_("事实摘要"))
    impact = models.JSONField(_("社会影响因素"), default=dict, blank=True)
    legal_basis = models.TextField(_("认定依据"), blank=True)
    deciding_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("认定机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_records",
    )
    case_ref = models.CharField(_("关联办件"), max_length=64, blank=True)
    verification_ref = models.CharField(_("关联核查"), max_length=64, blank=True)
    external_ref = models.CharField(_("信用平台记录号"), max_length=64, blank=True)
    decided_on = models.DateField(_("认定日期"))
    publish_from = models.DateField(_("公示起始"), null=True, blank=True)
    publish_to = models.DateField(_("公示截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = _("信用记录")
        ordering = ["-decided_on", "-id"]
        indexes = [
            models.Index(fields=["subject", "status"]),
            # the public dishonesty list: the records whose publication period still runs
            models.Index(fields=["publish_to", "decided_on"]),
        ]

    def __str__(self) -> str:
        grade = f"（{self.get_grade_display()}）" if self.grade else ""
        return f"{self.get_kind_display()}{grade} {self.decided_on}"

    @property
    def agency(self):
        """The agency whose trail this record's audit events belong to."""
        return self.deciding_agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.subject


class RepairApplication(TimestampedModel):
    """Credit repair (R-5.4): the subject shows its obligations are met."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="repairs")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(_("履行义务情况说明"))
    commitment_letter = models.TextField(_("信用承诺"))
    status = models.CharField(
        _("状态"), max_length=20, choices=RepairStatus.choices, default=RepairStatus.SUBMITTED
    )
    due_on = models.DateField(_("办理期限"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)

    class Meta:
        verbose_name = _("信用修复申请")
        verbose_name_plural = _("信用修复申请")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"信用修复申请 #{self.pk}"

    @property
    def agency(self):
        return self.record.deciding_agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.record.subject


class Objection(TimestampedModel):
    """Objection (R-5.4): the subject disputes a record."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="objections")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    grounds = models.TextField(_("异议理由"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.SUBMITTED,
    )
    due_on = models.DateField(_("答复期限"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("书面答复"), blank=True)
    status_before = models.CharField(max_length=20, choices=RecordStatus.choices)

    class Meta:
        verbose_name = _("异议申请")
        verbose_name_plural = _("异议申请")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"异议申请 #{self.pk}"

    @property
    def agency(self):
        return self.record.deciding_agency

    @property
    def audit_object(self):
        """The main object this row's events are about (ADR 0009)."""
        return self.record.subject


class CreditPlatform(models.Model):
    """A credit sharing platform records are pushed to and pulled from (R-5.2, R-9.2)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    base_url = models.URLField(_("接口地址"))
    app_key = models.CharField(_("应用标识"), max_length=100)
    secret = models.CharField(_("签名密钥"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)
    timeout_seconds = models.PositiveIntegerField(_("超时（秒）"), default=10)

    class Meta:
        verbose_name = _("信用共享平台")
        verbose_name_plural = _("信用共享平台")

    def __str__(self) -> str:
        return self.name


class PushMessage(models.Model):
    """Transactional outbox (R-5.2): written in the same transaction as the record change,
    delivered by the worker with an idempotency key and an HMAC-signed body."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待推送")
        DELIVERED = "delivered", _("已推送")
        FAILED = "failed", _("推送失败（待重试）")

    platform = models.ForeignKey(CreditPlatform, on_delete=models.PROTECT, related_name="messages")
    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="pushes")
    change = models.CharField(_("变更类型"), max_length=20)  # created|changed|repaired|removed
    idempotency_key = models.CharField(max_length=64, unique=True)
    body = models.JSONField(_("推送内容"))
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用信息推送")
        verbose_name_plural = _("信用信息推送")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.change} #{self.record_id} → {self.platform}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a push, kept as the delivery log shown to credit officers."""

    message = models.ForeignKey(PushMessage, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return (
            f"{local(self.attempted_at, '%Y-%m-%d %H:%M:%S')} {self.status_code or self.error[:40]}"
        )


class RepairMaterial(models.Model):
    """A file attached to a credit repair application (R-5.4: "applies online with
    materials"): proof that the obligations were met. Stored through the default storage;
    downloaded only by credit officers and the applicant who submitted the repair."""

    repair = models.ForeignKey(
        RepairApplication, on_delete=models.CASCADE, related_name="materials"
    )
    file = models.FileField(_("文件"), upload_to="repair/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用修复材料")
        verbose_name_plural = _("信用修复材料")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class SanctionNotice(models.Model):
    """R-5.5: a severe dishonesty record is notified to every agency (joint sanctions); each
    agency's staff see it in their workbench until someone of the agency marks it read."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="notices")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="sanction_notices"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("失信通报")
        verbose_name_plural = _("失信通报")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["record", "agency"], name="uniq_notice_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.record} → {self.agency}"
