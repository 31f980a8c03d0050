"""Complaints and reports from the public (投诉举报, R-8.1).

A complaint is routed to the agency responsible for it (the one complained about; a report of a
false commitment goes to the commitment's agency). State is its status and flags plus the
append-only events of the spine (ADR 0009): its timeline is a selector over the events about it.

The complainant's identity (name, phone) is sealed: SM4-encrypted, with an HMAC-SM3 lookup of
the phone (the per-contact limit) and masked forms for the Justice Bureau's lists; the agency
complained about never sees it (ADR 0014). The receipt code is random and the secret that goes
with it is stored only as a keyed hash."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.outbox import OutboxRow

from .constants import Channel, Kind, Rating, Status, VerificationState


class Complaint(models.Model):
    number = models.CharField(_("受理编号"), max_length=20, unique=True)  # the receipt code
    secret_hash = models.CharField(max_length=64)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    # the other system's order number (12345 工单号): a repeat is the same complaint
    external_ref = models.CharField(_("外部工单号"), max_length=64, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("投诉举报内容"))
    # what it concerns, chosen from published data; `agency` is the one complained about
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("被投诉机关"),
        on_delete=models.PROTECT,
        related_name="complaints_about",
    )
    matter = models.ForeignKey(
        "catalog.Matter",
        verbose_name=_("办事事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.CertificationItem",
        verbose_name=_("证明事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    commitment = models.ForeignKey(
        "cases.Commitment",
        verbose_name=_("被举报的承诺"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.ForeignKey(
        "credit.Subject",
        verbose_name=_("被举报的承诺人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # who handles it now: the agency complained about, or the one it was transferred to
    handling_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("承办机关"),
        on_delete=models.PROTECT,
        related_name="complaints_handled",
    )
    # the sealed identity (empty when anonymous)
    anonymous = models.BooleanField(_("匿名"), default=False)
    name_cipher = models.TextField(blank=True)
    phone_cipher = models.TextField(blank=True)
    phone_lookup = models.CharField(max_length=64, blank=True, db_index=True)
    name_masked = models.CharField(max_length=60, blank=True)
    phone_masked = models.CharField(max_length=30, blank=True)

    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    accept_due = models.DateField(_("受理期限"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    answer_due = models.DateField(_("答复期限"), null=True, blank=True)
    # the deadline running now (acceptance or answer), empty once declined or answered
    due_date = models.DateField(_("当前期限"), null=True, blank=True)
    decline_reason = models.TextField(_("不予受理理由"), blank=True)
    extended_at = models.DateTimeField(_("延期时间"), null=True, blank=True)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    transfer_count = models.PositiveSmallIntegerField(_("转办次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    escalated_at = models.DateTimeField(_("升级至司法局时间"), null=True, blank=True)
    escalation_reason = models.TextField(_("升级原因"), blank=True)
    reminded_for = models.DateField(_("已催办的期限"), null=True, blank=True)
    overdue_since = models.DateField(_("超期日期"), null=True, blank=True)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    supervision_note = models.TextField(_("督办意见"), blank=True)
    # the answer: facts found and measures taken, both required
    facts = models.TextField(_("查明事实"), blank=True)
    measures = models.TextField(_("处理措施"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    rating = models.CharField(
        _("评价"), max_length=12, choices=Rating.choices, blank=True, default=""
    )
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    # the verification a report of a false commitment opened (verification reacts to the
    # report; its outcome comes back here): a reference, not a foreign key, so the platform
    # works without the verification app
    verification_state = models.CharField(
        _("承诺核查"),
        max_length=12,
        choices=VerificationState.choices,
        blank=True,
        default=VerificationState.NONE,
    )
    verification_task_id = models.PositiveIntegerField(_("核查任务"), null=True, blank=True)
    verification_open = models.PositiveSmallIntegerField(default=0)
    verification_due = models.DateField(_("核查期限"), null=True, blank=True)
    verification_note = models.TextField(_("核查结论"), blank=True)

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="uniq_complaint_external_ref",
            )
        ]
        indexes = [
            models.Index(fields=["handling_agency", "status"], name="complaint_agency_status"),
            models.Index(fields=["status", "due_date"], name="complaint_status_due"),
            models.Index(fields=["submitted_at"], name="complaint_submitted"),
        ]

    def __str__(self) -> str:
        return self.number  # never the complainant: events carry this label

    @property
    def audit_object(self):
        return self

    @property
    def escalated(self) -> bool:
        return self.escalated_at is not None

    @property
    def open(self) -> bool:
        return self.status in (Status.SUBMITTED, Status.ACCEPTED)

    def can_accept(self) -> bool:
        return self.status == Status.SUBMITTED

    def can_answer(self) -> bool:
        return self.status == Status.ACCEPTED

    def can_extend(self) -> bool:
        return self.status == Status.ACCEPTED and self.extended_at is None

    def can_rate(self) -> bool:
        return self.status == Status.ANSWERED and not self.rating

    def can_reopen(self) -> bool:
        from .rules import MAX_REOPENS

        return self.status == Status.ANSWERED and self.reopen_count < MAX_REOPENS


class Attachment(models.Model):
    """A file the complainant sent with the complaint, checked before it was stored."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to="complaints/%Y/%m/")
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    digest = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("投诉举报附件")
        verbose_name_plural = _("投诉举报附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class ContactCount(models.Model):
    """Complaints sent from one phone number on one day (the per-contact limit): one row per
    number and day, locked while a submission counts itself."""

    phone_lookup = models.CharField(max_length=64)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone_lookup", "day"], name="uniq_contact_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.count}"


class HotlinePlatform(models.Model):
    """The 12345 hotline platform: it sends work orders signed with this key and secret, and
    receives the answers at `base_url` (R-8.1)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    base_url = models.URLField(_("回单接口地址"))
    app_key = models.CharField(_("应用标识"), max_length=100, unique=True)
    secret = models.CharField(_("签名密钥"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)
    timeout_seconds = models.PositiveIntegerField(_("超时（秒）"), default=10)

    class Meta:
        verbose_name = _("12345热线平台")
        verbose_name_plural = _("12345热线平台")

    def __str__(self) -> str:
        return self.name


class HotlineReply(OutboxRow):
    """Outbox of an answer (回单) to the 12345 platform: written with the answer, delivered by
    the worker and `deliver_outboxes`, signed, exactly once at the platform (`core.outbox`)."""

    platform = models.ForeignKey(HotlinePlatform, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="hotline_replies"
    )

    class Meta:
        verbose_name = _("12345回单")
        verbose_name_plural = _("12345回单")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="hotline_reply_due")]

    def __str__(self) -> str:
        return f"{self.complaint} → {self.platform}"
