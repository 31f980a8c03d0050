"""The public complaint form's CAPTCHA (django-simple-captcha): a picture of four characters,
drawn on the server with the font the package ships (no system font, no outside service). Each
challenge is answered once: right or wrong, it is used up. `COMPLAINTS_CAPTCHA = False` turns
it off (tests, load benchmarks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone

from chengnuo.core.errors import DomainError


def enabled() -> bool:
    return bool(getattr(settings, "COMPLAINTS_CAPTCHA", True))


def challenge() -> dict[str, str] | None:
    """A new challenge for the form: its key and the picture's URL (None when off)."""
    if not enabled():
        return None
    from captcha.helpers import captcha_image_url
    from captcha.models import CaptchaStore

    key = CaptchaStore.generate_key()
    return {"key": key, "image": captcha_image_url(key)}


def check(key: Any, answer: Any) -> None:
    """Refuse a missing, wrong or expired answer (the challenge is used up either way)."""
    if not enabled():
        return
    from captcha.models import CaptchaStore

    key = key if isinstance(key, str) and key.isalnum() and len(key) <= 40 else ""
    answer = answer.strip().lower() if isinstance(answer, str) else ""
    if not answer:
        raise DomainError("captcha", "请填写图片中的验证码", field="captcha")
    store = CaptchaStore.objects.filter(hashkey=key).first() if key else None
    if store is not None:
        store.delete()
    if store is None or store.expiration <= timezone.now() or store.response != answer:
        raise DomainError("captcha", "验证码错误或已过期，请重新输入新的验证码", field="captcha")


def sweep() -> int:
    """Remove expired challenges (the daily job)."""
    from captcha.models import CaptchaStore

    deleted, _ = CaptchaStore.objects.filter(expiration__lte=timezone.now()).delete()
    return deleted
