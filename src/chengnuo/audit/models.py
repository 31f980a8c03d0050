"""Append-only, hash-chained audit trail (R-9.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise RuntimeError("audit events are append-only")

    def delete(self):  # type: ignore[override]
        raise RuntimeError("audit events are append-only")


class AuditEvent(models.Model):
    """One event of the spine (ADR 0009): what happened, to which main object, by whom, when,
    who may see it, and the change itself — appended to its agency's hash chain."""

    # the chain: one per agency ("agency:<id>"), "platform" for events of no agency
    chain = models.CharField(_("链"), max_length=40, default="platform")
    seq = models.PositiveBigIntegerField(_("链内序号"))
    occurred_at = models.DateTimeField(_("时间"))
    # No database constraint on the actor and the agency: inserting an event, which happens
    # while the chain head is locked, must take no lock on another row (a foreign-key check
    # takes KEY SHARE on the user and the agency). The ORM still protects them from deletion.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    event = models.CharField(_("事件"), max_length=60, db_index=True)
    # the row the write changed ...
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象标识"), max_length=64)
    target_label = models.CharField(_("对象"), max_length=255)
    # ... and the main object it is about: the case for everything about a case, the item for
    # catalog changes, the subject for credit, the agency for staff changes
    object_type = models.CharField(_("主对象类型"), max_length=60, default="")
    object_id = models.CharField(_("主对象标识"), max_length=64, default="")
    object_label = models.CharField(_("主对象"), max_length=255, default="")
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    visibility = models.CharField(_("可见范围"), max_length=10, default="staff")
    message = models.TextField(_("说明"), blank=True, default="")
    item_code = models.CharField(_("证明事项编码"), max_length=40, blank=True, default="")
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="uniq_audit_chain_seq"),
        ]
        indexes = [
            models.Index(fields=["target_type", "target_id", "occurred_at"]),
            models.Index(fields=["object_type", "object_id", "occurred_at"]),
            # how often one staff member did one thing lately (reveal rate limits)
            models.Index(fields=["actor", "event", "occurred_at"]),
            models.Index(fields=["agency", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.event} {self.target_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")


class AuditChain(models.Model):
    """The head of one hash chain: its last sequence number and hash, locked while events are
    appended (only at the end of the writing transaction, ADR 0009), and how far
    `audit_verify` has verified it."""

    key = models.CharField(_("链"), max_length=40, primary_key=True)
    seq = models.PositiveBigIntegerField(_("末条序号"), default=0)
    head_hash = models.CharField(_("末条哈希"), max_length=64, default="0" * 64)
    verified_seq = models.PositiveBigIntegerField(_("已核验至"), default=0)
    verified_hash = models.CharField(_("已核验末条哈希"), max_length=64, default="0" * 64)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    origin = models.TextField(_("来源说明"), blank=True)

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")

    def __str__(self) -> str:
        return f"{self.key} #{self.seq}"


class Acknowledged(models.Model):
    """An alarm someone closes with what was found and done (alerts, witnesses' refusals)."""

    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理意见"), blank=True)

    class Meta:
        abstract = True


class Alert(Acknowledged):
    """Something in the trail that its agency's admin and the auditors must look at, e.g. a
    staff member revealing many full identifiers in a short time (R-5.6). Raised by the
    service that sees it, inside its transaction; closed by an acknowledgement with a note."""

    class Kind(models.TextChoices):
        IDENTIFIER_BURST = "identifier_burst", _("短时间内多次查看完整证件号码")

    kind = models.CharField(_("类型"), max_length=40, choices=Kind.choices)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("所属机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("涉及人员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    message = models.TextField(_("说明"))
    count = models.PositiveIntegerField(_("次数"), default=0)
    raised_at = models.DateTimeField(_("发现时间"))

    class Meta:
        verbose_name = _("安全提醒")
        verbose_name_plural = _("安全提醒")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["agency", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.staff}"

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None


# --- the verifiable log (R-9.1, ADR 0012) ---------------------------------------------------


class LogQueue(models.Model):
    """An event waiting to enter the log: written in the event's own transaction (so an event
    that commits is logged, whatever order transactions commit in), removed when integrated.
    The commitment is fixed then: H(prefix ‖ salt ‖ event hash) — the log holds no data."""

    event_id = models.BigIntegerField(primary_key=True)
    salt = models.CharField(max_length=32)
    commitment = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("待入日志事件")
        verbose_name_plural = _("待入日志事件")

    def __str__(self) -> str:
        return f"#{self.event_id}"


class LogEntry(models.Model):
    """Entry `index` of the log: the commitment to one event. Erasing a person's data later
    blanks the salt, which unlinks the entry from the event without changing the tree."""

    index = models.PositiveBigIntegerField(_("序号"), primary_key=True)
    event_id = models.BigIntegerField(_("事件"), unique=True)
    salt = models.CharField(max_length=32, blank=True)
    commitment = models.CharField(_("承诺值"), max_length=64)
    integrated_at = models.DateTimeField(_("入日志时间"))

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = _("日志条目")

    def __str__(self) -> str:
        return f"{self.index}"


class LogTile(models.Model):
    """One tile of the Merkle tree (C2SP tlog-tiles, height 8): `hashes` the stored row (the
    nodes of height 8·level), `upper` the nodes above them inside the tile, so that a proof
    reads one row per tile level and hashes nothing."""

    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    width = models.PositiveSmallIntegerField()
    hashes = models.BinaryField()
    upper = models.BinaryField()

    class Meta:
        verbose_name = _("日志瓦片")
        verbose_name_plural = _("日志瓦片")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="uniq_log_tile"),
        ]

    def __str__(self) -> str:
        return f"tile/{self.level}/{self.index}"


class LogState(models.Model):
    """The log's head (one row): its size and root hash, locked while entries are integrated."""

    size = models.PositiveBigIntegerField(default=0)
    root_hash = models.CharField(max_length=64, default="")
    updated_at = models.DateTimeField(null=True, blank=True)
    # how far `audit_verify` has checked the log against a witnessed checkpoint
    verified_size = models.PositiveBigIntegerField(default=0)
    verified_root = models.CharField(max_length=64, default="")
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("日志状态")
        verbose_name_plural = _("日志状态")

    def __str__(self) -> str:
        return f"{self.size}"


class LogCheckpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint, signed with the log's Ed25519 and SM2 keys)
    and the cosignatures the witnesses gave it."""

    size = models.PositiveBigIntegerField(_("规模"), db_index=True)
    root_hash = models.CharField(_("根哈希"), max_length=64)
    signed_at = models.DateTimeField(_("签署时间"))
    note = models.TextField(_("签名检查点"))
    cosignatures = models.JSONField(_("见证签名"), default=list)
    # cosigned by at least LOG_WITNESS_QUORUM witnesses
    witnessed = models.BooleanField(_("已见证"), default=False)

    class Meta:
        verbose_name = _("日志检查点")
        verbose_name_plural = _("日志检查点")
        ordering = ["-size", "-id"]
        indexes = [models.Index(fields=["witnessed", "size"])]

    def __str__(self) -> str:
        return f"{self.size} {self.root_hash[:12]}"


class LogWitness(models.Model):
    """What the platform knows of one witness: the size it last cosigned, when, and the last
    refusal (the witness keeps its own state outside this database)."""

    name = models.CharField(_("见证方"), max_length=200, primary_key=True)
    size = models.PositiveBigIntegerField(_("已见证规模"), default=0)
    cosigned_at = models.DateTimeField(_("最近见证时间"), null=True, blank=True)
    error = models.TextField(_("最近错误"), blank=True)
    error_at = models.DateTimeField(_("错误时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("日志见证方")
        verbose_name_plural = _("日志见证方")

    def __str__(self) -> str:
        return self.name


class WitnessRefusal(Acknowledged):
    """A witness refused a checkpoint: it does not extend what the witness cosigned (a fork or
    a rollback) or is not properly signed. An alarm for the Justice Bureau until acknowledged."""

    witness = models.CharField(_("见证方"), max_length=200)
    size = models.PositiveBigIntegerField(_("检查点规模"))
    root_hash = models.CharField(_("根哈希"), max_length=64)
    status = models.PositiveSmallIntegerField(_("应答状态"))
    reason = models.TextField(_("理由"))
    refused_at = models.DateTimeField(_("拒绝时间"))

    class Meta:
        verbose_name = _("见证拒签")
        verbose_name_plural = _("见证拒签")
        ordering = ["-refused_at", "-id"]

    def __str__(self) -> str:
        return f"{self.witness} {self.size}"
