"""Builders for credit tests: valid identifiers and subjects through the services."""

from __future__ import annotations

import itertools

from stdnum.cn import ric

from chengnuo.core.identifiers import uscc_with_check

_seq = itertools.count(1)


def resident_id(birth: str = "20000101") -> str:
    """A valid 18-digit resident ID (GB 11643 check digit) for a 颍州区 resident."""
    first17 = f"341202{birth}{next(_seq) % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum expects a placeholder


def entity_uscc() -> str:
    return uscc_with_check(f"91341200MA{next(_seq):07d}")
