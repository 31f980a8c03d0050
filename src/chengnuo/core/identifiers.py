"""Checked identifiers (python-stdnum): the unified social credit code (GB 32100)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def uscc_with_check(first17: str) -> str:
    """Append the GB 32100 check character to the first 17 characters."""
    return first17 + _uscc.calc_check_digit(first17)


def validate_uscc(value: str) -> None:
    """Django validator naming the rule that failed."""
    try:
        _uscc.validate(value)
    except InvalidLength as exc:
        raise ValidationError("统一社会信用代码应为18位", code="uscc_length") from exc
    except InvalidChecksum as exc:
        raise ValidationError(
            "统一社会信用代码校验位错误（GB 32100）", code="uscc_checksum"
        ) from exc
    except (InvalidFormat, InvalidComponent) as exc:
        raise ValidationError(
            "统一社会信用代码格式错误（数字或大写字母，不含I、O、S、V、Z）", code="uscc_format"
        ) from exc
