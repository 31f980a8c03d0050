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
