"""The default scoring sheet for notify-and-commit case files (评查标准, R-8.1), kept as data:
items with their points (summing to 100), veto items, and the grade thresholds (优秀 ≥ 90,
合格 ≥ 60, otherwise 不合格). Loaded by `services_casereview.sheet_load_default` (the demo
and the tests call it); a change is a new version of the sheet, never an edit."""

from __future__ import annotations

from typing import Any

DEFAULT_NAME = "证明事项告知承诺制案卷评查标准"
EXCELLENT_MIN = 90
PASS_MIN = 60

# (heading, description, max points, veto)
ITEMS: list[tuple[str, str, int, bool]] = [
    (
        "告知书送达",
        "是否向申请人出具书面告知书，告知书载明事项名称、设定依据、证明内容、承诺方式、"
        "不实承诺的法律责任、核查权力和承诺书公开范围，并留存送达记录",
        10,
        True,
    ),
    (
        "承诺书签署且内容完整",
        "承诺书是否由申请人本人签署，是否载明已知晓告知事项、已符合相关条件、"
        "愿意承担不实承诺的法律责任、承诺的意思表示真实",
        15,
        True,
    ),
    (
        "适用条件审查",
        "受理前是否查询申请人信用状况，对有较严重不良信用记录或曾作出虚假承诺的申请人"
        "未适用告知承诺制",
        10,
        False,
    ),
    (
        "按规定核查",
        "是否按该证明事项的核查办法（在线比对、现场核查、协助核查）对承诺内容进行核查，"
        "核查记录完整",
        15,
        False,
    ),
    ("核查按时完成", "核查是否在规定时限内完成，协助核查请求是否按时答复", 10, False),
    ("决定依据充分", "准予或不予办理的决定是否载明依据和理由，适用法律法规正确", 15, False),
    (
        "失信处理规范",
        "发现承诺不实的，是否依法终止办理、责令限期整改、撤销决定或予以处罚，并记入"
        "信用记录；未发现的本项不扣分",
        10,
        False,
    ),
    ("材料齐全归档", "申请材料、告知书、承诺书、核查记录和决定书是否齐全，并按规定归档", 10, False),
    ("办理未超时限", "是否在承诺的办理时限内办结", 5, False),
]


def default_items() -> list[dict[str, Any]]:
    return [{"heading": h, "description": d, "max_points": p, "veto": v} for h, d, p, v in ITEMS]
