"""Identifier rules of subjects (R-5.6): each refusal names the rule that failed."""

from __future__ import annotations

import re

from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from chengnuo.core.crypto import normalise
from chengnuo.core.rules import FieldError

from .constants import PERSON_ID_TYPES, IdType, SubjectKind

_PATTERNS = {
    IdType.PASSPORT: (re.compile(r"\A[A-Z0-9]{5,17}\Z"), "护照号码应为5至17位大写字母或数字"),
    IdType.HK_MACAO_PERMIT: (
        re.compile(r"\A[HM]\d{8}(\d{2})?\Z"),
        "港澳居民来往内地通行证号码应为H或M开头加8位或10位数字",
    ),
    IdType.TAIWAN_PERMIT: (
        re.compile(r"\A\d{8}(\d{2})?\Z"),
        "台湾居民来往大陆通行证号码应为8位或10位数字",
    ),
}


def clean_identifier(kind: str, id_type: str, value: str) -> tuple[str, list[FieldError]]:
    """Normalise and validate; returns (normalised value, errors)."""
    if kind not in SubjectKind.values:
        return "", [FieldError("kind", "invalid_choice", "主体类型只能是自然人或法人和其他组织")]
    if id_type not in IdType.values:
        return "", [FieldError("id_type", "invalid_choice", "证件类型无效")]
    if kind == SubjectKind.PERSON and id_type not in PERSON_ID_TYPES:
        return "", [FieldError("id_type", "kind_mismatch", "自然人应使用身份证、护照或通行证")]
    if kind == SubjectKind.ENTITY and id_type != IdType.USCC:
        return "", [FieldError("id_type", "kind_mismatch", "法人和其他组织应使用统一社会信用代码")]
    if not isinstance(value, str) or not value.strip() or len(value) > 40:
        return "", [FieldError("id_value", "required", "证件号码为必填项")]
    number = normalise(value)
    if id_type == IdType.RESIDENT_ID:
        return number, _stdnum(ric, number, "居民身份证号码", "出生日期")
    if id_type == IdType.USCC:
        return number, _stdnum(uscc, number, "统一社会信用代码", "登记管理部门或机构类别代码")
    pattern, message = _PATTERNS[IdType(id_type)]
    if not pattern.match(number):
        return number, [FieldError("id_value", "invalid_format", message)]
    return number, []


def _stdnum(module, number: str, label: str, component: str) -> list[FieldError]:
    try:
        module.validate(number)
    except InvalidLength:
        return [FieldError("id_value", "invalid_length", f"{label}应为18位")]
    except InvalidChecksum:
        return [FieldError("id_value", "invalid_checksum", f"{label}校验位错误")]
    except InvalidComponent:
        if module is ric:
            try:
                ric.get_birth_date(number)
            except (InvalidComponent, ValidationError):
                component = "出生日期"
            else:
                if _region_code_exists(number[:6]):
                    # stdnum also requires the code to have existed in the birth year, but IDs
                    # issued later carry the current code (e.g. 3412xx for 阜阳 since 1996).
                    return []
                component = "行政区划代码"
        return [FieldError("id_value", "invalid_component", f"{label}中的{component}不成立")]
    except (InvalidFormat, ValidationError):
        return [FieldError("id_value", "invalid_format", f"{label}格式错误")]
    return []


PHONE_RE = re.compile(r"\A(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})\Z")


def clean_phone(value: str) -> tuple[str, list[FieldError]]:
    if not value:
        return "", []
    number = normalise(value)
    if not PHONE_RE.match(number):
        return number, [
            FieldError("phone", "invalid_format", "联系电话应为11位手机号码或带区号的固定电话")
        ]
    return number, []


def _region_code_exists(code: str) -> bool:
    from stdnum import numdb

    return any(props.get("county") for _, props in numdb.get("cn/loc").info(code))
