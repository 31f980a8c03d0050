from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The stored result of one create request made with an `Idempotency-Key` header (ADR 0006).

    Inserted in the same transaction as the object it created, so a refused or failed create
    leaves no record and the key can be used again; the unique constraint makes concurrent
    requests with one key create exactly one object."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=100)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键记录")
        verbose_name_plural = _("幂等键记录")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], name="uniq_idempotency_user_scope_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class Reaction(models.Model):
    """One on-commit reaction to a domain event (`core.events`), written in the emitting
    service's transaction: the outbox that makes follow-up work survive a crash. Run after
    commit by the task queue, retried with backoff by `run_reactions` until it succeeds or,
    after `reactions.MAX_ATTEMPTS`, is marked failed for an operator (`run_reactions --retry`)."""

    event = models.CharField(_("领域事件"), max_length=80)
    handler = models.CharField(_("处理器"), max_length=120)
    payload = models.JSONField(_("参数"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    failed_at = models.DateTimeField(_("转人工处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件后续处理")
        verbose_name_plural = _("事件后续处理")
        ordering = ["id"]
        indexes = [models.Index(fields=["done_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.handler}"


class ScheduledRun(models.Model):
    """One day's run of a daily job (`core.schedule`): claimed by one scheduler (unique per job
    and day), leased while it runs, retried with backoff on failure, and marked failed for an
    operator after its last attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待运行")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    job = models.CharField(_("任务"), max_length=80)
    day = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default="pending")
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    output = models.TextField(_("输出"), blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")
        constraints = [
            models.UniqueConstraint(fields=["job", "day"], name="uniq_scheduled_run_job_day"),
        ]
        ordering = ["-day", "job"]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"
