"""Synthetic subjects of the credit sharing platform "信用阜阳" and their external dishonesty
records. The identifiers are valid (check digits per GB 11643 / GB 32100) but invented."""

from __future__ import annotations

from typing import Any

from stdnum.cn import ric

from chengnuo.core.identifiers import uscc_with_check


def resident_id(first17: str) -> str:
    """Append the GB 11643 check digit (python-stdnum expects a placeholder check digit)."""
    return first17 + ric.calc_check_digit(first17 + "0")


# Natural persons (resident ID) and entities (USCC) known to the platform.
PERSON_SEVERE = resident_id("34210119800615023")  # 阜阳市, born 1980-06-15
PERSON_GENERAL = resident_id("34212219920304041")  # 临泉县, born 1992-03-04
PERSON_CLEAN = resident_id("34212719881120052")  # 阜南县, born 1988-11-20
ENTITY_SERIOUS = uscc_with_check("91341200MA2T00010")
ENTITY_CLEAN = uscc_with_check("91341200MA2T00020")

SUBJECTS: dict[tuple[str, str], dict[str, Any]] = {
    ("resident_id", PERSON_SEVERE): {
        "name": "赵某某",
        "records": [
            {
                "external_ref": "XYFY-2024-000117",
                "grade": "severe",
                "summary": "拒不履行人民法院生效判决确定的给付义务，被列入失信被执行人名单",
                "decided_on": "2024-09-12",
                "deciding_agency": "阜阳市中级人民法院",
            },
        ],
    },
    ("resident_id", PERSON_GENERAL): {
        "name": "钱某某",
        "records": [
            {
                "external_ref": "XYFY-2025-000342",
                "grade": "general",
                "summary": "逾期未缴纳城镇职工基本养老保险费，经催告后补缴",
                "decided_on": "2025-04-02",
                "deciding_agency": "临泉县人力资源和社会保障局",
            },
        ],
    },
    ("resident_id", PERSON_CLEAN): {"name": "孙某某", "records": []},
    ("uscc", ENTITY_SERIOUS): {
        "name": "阜阳市某某建筑工程有限公司",
        "records": [
            {
                "external_ref": "XYFY-2025-000508",
                "grade": "serious",
                "summary": (
                    "拖欠农民工工资，被人力资源社会保障部门列入拖欠农民工工资失信联合惩戒对象名单"
                ),
                "decided_on": "2025-07-21",
                "deciding_agency": "阜阳市人力资源和社会保障局",
            },
            {
                "external_ref": "XYFY-2023-000090",
                "grade": "general",
                "summary": "未按规定期限公示年度报告，被列入经营异常名录",
                "decided_on": "2023-07-03",
                "deciding_agency": "阜阳市市场监督管理局",
            },
        ],
    },
    ("uscc", ENTITY_CLEAN): {"name": "阜阳市某某科技有限公司", "records": []},
}


def records_of(id_type: str, id_number: str) -> list[dict[str, Any]]:
    """The platform's records of one subject; an unknown subject has none."""
    subject = SUBJECTS.get((id_type, id_number.strip().upper()))
    return [dict(r) for r in subject["records"]] if subject else []
