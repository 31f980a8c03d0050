"""Synthetic records of the government data-sharing platform (数据共享交换平台, R-4.5): household
registration, marriage, social insurance contributions, education, criminal records, business
licences and real estate, keyed by the demo subjects' identifiers.

The identifiers are those of `chengnuo.demo.credit_data.SUBJECTS` (recomputed here: the sandbox
imports no Django models). The records agree with what 李四 commits to in the demo cases, and
some subjects' commitments would be untrue (张三 is employed again, 王五 has a criminal record
and fewer contribution months, 赵六's degree is lower than his claim; in the verification demo
钱八 has fewer contribution months than 36, 孙九 a college diploma without a degree, and 周十 is
insured as employed), so verification has something to find.

Bench subjects: any identifier starting with `BENCH_PREFIX` gets a generated record, the same
every time (consistent for ~95 %, inconsistent for ~5 %), so a benchmark can verify thousands
of distinct subjects without storing them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from stdnum.cn import ric

from chengnuo.core.identifiers import uscc_with_check

SOURCES = (
    "household",
    "marriage",
    "social_insurance",
    "education",
    "criminal_record",
    "business_licence",
    "real_estate",
)

SOURCE_NAMES = {
    "household": "户籍信息",
    "marriage": "婚姻登记信息",
    "social_insurance": "社会保险缴费信息",
    "education": "学历学位信息",
    "criminal_record": "无犯罪记录信息",
    "business_licence": "营业执照信息",
    "real_estate": "不动产登记信息",
}

BENCH_PREFIX = "9999"
BENCH_INCONSISTENT_PERCENT = 5


def _resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


# The demo subjects (chengnuo.demo.credit_data.SUBJECTS; a test checks they agree).
ZHANGSAN = _resident_id("34120219980312123")
FIRM = uscc_with_check("91341202MA2T" + "EXAMP")
LISI = _resident_id("34120320010615202")
WANGWU = _resident_id("34122119970920311")
ZHAOLIU = _resident_id("34128220001101405")
QIANBA = _resident_id("34120419990208321")
SUNJIU = _resident_id("34122519960716542")
ZHOUSHI = _resident_id("34122619970503611")

R, U = "resident_id", "uscc"

RECORDS: dict[tuple[str, str, str], dict[str, Any]] = {
    # --- 李四: everything she commits to in the demo cases is true.
    ("household", R, LISI): {
        "name": "李四",
        "gender": "女",
        "birth_date": "2001-06-15",
        "household_address": "安徽省阜阳市颍东区向阳路街道幸福社区",
        "household_type": "家庭户",
        "relation": "子女",
    },
    ("marriage", R, LISI): {"name": "李四", "marital_status": "未婚", "registrations": []},
    ("social_insurance", R, LISI): {
        "name": "李四",
        "status": "正常参保",
        "employer": "阜阳皖北商贸物流有限公司",
        "since": "2023-07",
        "months": 40,
        "continuous_months": 40,
        "employed": True,
    },
    ("education", R, LISI): {
        "name": "李四",
        "education_level": "本科",
        "degree": "学士",
        "degree_field": "经济学",
        "school": "安徽财经大学",
        "major": "经济学",
        "graduation_date": "2023-06-30",
        "certificate_number": "103781202305001234",
    },
    ("criminal_record", R, LISI): {"name": "李四", "has_criminal_record": False, "records": []},
    # --- 张三: committed (2025) to having no employment; he is employed in 合肥 since 2026-08.
    ("household", R, ZHANGSAN): {
        "name": "张三",
        "gender": "男",
        "birth_date": "1998-03-12",
        "household_address": "安徽省阜阳市颍州区清河街道",
        "household_type": "家庭户",
        "relation": "户主",
    },
    ("marriage", R, ZHANGSAN): {
        "name": "张三",
        "marital_status": "已婚",
        "registrations": [{"kind": "结婚登记", "date": "2022-10-01", "office": "颍州区民政局"}],
    },
    ("social_insurance", R, ZHANGSAN): {
        "name": "张三",
        "status": "正常参保",
        "employer": "合肥某某信息技术有限公司",
        "since": "2026-08",
        "months": 4,
        "continuous_months": 4,
        "employed": True,
    },
    ("education", R, ZHANGSAN): {
        "name": "张三",
        "education_level": "大专",
        "degree": "",
        "school": "阜阳职业技术学院",
        "major": "物流管理",
        "graduation_date": "2019-06-30",
        "certificate_number": "139181201906004321",
    },
    ("criminal_record", R, ZHANGSAN): {
        "name": "张三",
        "has_criminal_record": False,
        "records": [],
    },
    # --- the firm (经办人 张三): licensed; its business premises are leased (no real estate).
    ("business_licence", U, FIRM): {
        "name": "阜阳市颍州区示例商贸有限公司",
        "status": "存续",
        "legal_representative": "张三",
        "registered_capital": "100万元人民币",
        "established_on": "2019-05-20",
        "address": "安徽省阜阳市颍州区清河路128号",
        "business_scope": "日用百货、预包装食品销售；人力资源信息咨询",
        "annual_report_filed": True,
    },
    ("social_insurance", U, FIRM): {
        "name": "阜阳市颍州区示例商贸有限公司",
        "status": "正常参保",
        "insured_employees": 8,
        "months": 60,
        "continuous_months": 60,
        "arrears": False,
    },
    # --- 王五: a criminal record and few contribution months (commitments to the contrary are
    # untrue).
    ("household", R, WANGWU): {
        "name": "王五",
        "gender": "男",
        "birth_date": "1997-09-20",
        "household_address": "安徽省阜阳市临泉县城关街道",
        "household_type": "家庭户",
        "relation": "户主",
    },
    ("marriage", R, WANGWU): {
        "name": "王五",
        "marital_status": "离婚",
        "registrations": [
            {"kind": "结婚登记", "date": "2020-05-01", "office": "临泉县民政局"},
            {"kind": "离婚登记", "date": "2024-11-18", "office": "临泉县民政局"},
        ],
    },
    ("social_insurance", R, WANGWU): {
        "name": "王五",
        "status": "中断缴费",
        "employer": "",
        "since": "2025-01",
        "months": 5,
        "continuous_months": 0,
        "employed": False,
    },
    ("criminal_record", R, WANGWU): {
        "name": "王五",
        "has_criminal_record": True,
        "records": [
            {"offence": "危险驾驶罪", "judged_on": "2021-05-10", "court": "临泉县人民法院"},
        ],
    },
    ("real_estate", R, WANGWU): {
        "name": "王五",
        "properties": [
            {
                "certificate": "皖（2022）临泉县不动产权第0012345号",
                "location": "临泉县城关街道某小区3栋1201",
                "use": "住宅",
                "area_m2": 118.6,
            }
        ],
        "property_count": 1,
    },
    # --- 赵六: a college diploma only (a commitment to a bachelor's degree is untrue).
    ("household", R, ZHAOLIU): {
        "name": "赵六",
        "gender": "男",
        "birth_date": "2000-11-01",
        "household_address": "安徽省界首市东城街道",
        "household_type": "家庭户",
        "relation": "子女",
    },
    ("education", R, ZHAOLIU): {
        "name": "赵六",
        "education_level": "大专",
        "degree": "",
        "school": "阜阳幼儿师范高等专科学校",
        "major": "建筑工程技术",
        "graduation_date": "2021-06-30",
        "certificate_number": "145071202106007788",
    },
    ("criminal_record", R, ZHAOLIU): {"name": "赵六", "has_criminal_record": False, "records": []},
    ("marriage", R, ZHAOLIU): {"name": "赵六", "marital_status": "未婚", "registrations": []},
    # --- 钱八 (verification demo): a bachelor's degree (true), 20 contribution months (a
    # commitment to 3 years of professional work is untrue), employed.
    ("household", R, QIANBA): {
        "name": "钱八",
        "gender": "男",
        "birth_date": "1999-02-08",
        "household_address": "安徽省阜阳市颍泉区周棚街道",
        "household_type": "家庭户",
        "relation": "子女",
    },
    ("education", R, QIANBA): {
        "name": "钱八",
        "education_level": "本科",
        "degree": "学士",
        "degree_field": "工学",
        "school": "阜阳师范大学",
        "major": "计算机科学与技术",
        "graduation_date": "2021-06-30",
        "certificate_number": "103711202105002468",
    },
    ("social_insurance", R, QIANBA): {
        "name": "钱八",
        "status": "正常参保",
        "employer": "阜阳颍泉智联软件有限公司",
        "since": "2025-03",
        "months": 20,
        "continuous_months": 20,
        "employed": True,
    },
    ("criminal_record", R, QIANBA): {"name": "钱八", "has_criminal_record": False, "records": []},
    # --- 孙九 (verification demo): a college diploma, no degree (a commitment to a bachelor's
    # degree is untrue); 60 contribution months (true).
    ("household", R, SUNJIU): {
        "name": "孙九",
        "gender": "女",
        "birth_date": "1996-07-16",
        "household_address": "安徽省阜阳市阜南县鹿城镇",
        "household_type": "家庭户",
        "relation": "配偶",
    },
    ("education", R, SUNJIU): {
        "name": "孙九",
        "education_level": "专科",
        "degree": "",
        "school": "阜阳职业技术学院",
        "major": "会计",
        "graduation_date": "2017-06-30",
        "certificate_number": "139181201706005566",
    },
    ("social_insurance", R, SUNJIU): {
        "name": "孙九",
        "status": "正常参保",
        "employer": "阜南县鹿城会计服务有限公司",
        "since": "2021-11",
        "months": 60,
        "continuous_months": 60,
        "employed": True,
    },
    ("marriage", R, SUNJIU): {
        "name": "孙九",
        "marital_status": "已婚",
        "registrations": [{"kind": "结婚登记", "date": "2020-09-26", "office": "阜南县民政局"}],
    },
    # --- 周十 (verification demo): insured as employed by a new employer (a commitment to
    # unemployment not of his own will is untrue).
    ("household", R, ZHOUSHI): {
        "name": "周十",
        "gender": "男",
        "birth_date": "1997-05-03",
        "household_address": "安徽省阜阳市颍上县慎城镇",
        "household_type": "家庭户",
        "relation": "户主",
    },
    ("social_insurance", R, ZHOUSHI): {
        "name": "周十",
        "status": "正常参保",
        "employer": "颍上县慎城建材贸易有限公司",
        "since": "2026-09",
        "months": 52,
        "continuous_months": 3,
        "employed": True,
    },
}


def bench_inconsistent(id_number: str) -> bool:
    """Whether a bench subject's record contradicts the bench commitment (~5 %)."""
    digest = hashlib.sha256(id_number.encode("ascii", "replace")).digest()
    return int.from_bytes(digest[:4], "big") % 100 < BENCH_INCONSISTENT_PERCENT


def _bench_record(source: str, id_type: str, id_number: str) -> dict[str, Any]:
    bad = bench_inconsistent(id_number)
    tail = id_number[-6:]
    name = f"测试{tail}"
    if source == "household":
        return {"name": name, "household_address": "安徽省阜阳市颍州区", "relation": "户主"}
    if source == "marriage":
        return {"name": name, "marital_status": "离婚" if bad else "已婚", "registrations": []}
    if source == "social_insurance":
        months = 6 if bad else 36
        return {
            "name": name,
            "status": "中断缴费" if bad else "正常参保",
            "employer": "阜阳市某某测试有限公司",
            "months": months,
            "continuous_months": months,
            "employed": not bad,
        }
    if source == "education":
        return {"name": name, "education_level": "大专" if bad else "本科", "degree": "学士"}
    if source == "criminal_record":
        return {"name": name, "has_criminal_record": bad, "records": []}
    if source == "business_licence":
        return {"name": f"阜阳市测试{tail}有限公司", "status": "吊销" if bad else "存续"}
    return {"name": name, "properties": [], "property_count": 0 if bad else 1}


def record_of(source: str, id_type: str, id_number: str) -> dict[str, Any] | None:
    """The source's record of one subject, or None when it has none."""
    number = id_number.strip().upper()
    if number.startswith(BENCH_PREFIX):
        return _bench_record(source, id_type, number)
    found = RECORDS.get((source, id_type, number))
    return dict(found) if found is not None else None
