"""The reviewed rules of the text linter (R-3.2), as data.

R-3.2: requirements stated to applicants must be quantifiable and operable — no vague wording
(模糊表述) and no catch-all clauses (兜底条款). Each rule is a dict:

    id          stable identifier, "<category>.<name>"
    category    "vague" (模糊表述) or "catch_all" (兜底条款)
    pattern     a literal phrase, or a regular expression when "regex" is True; a regex may name a
                group `hit`, and then only that group is reported (the rest is context)
    regex       optional, default False
    severity    "blocking" (stops publication unless a reviewer overrides) or "warning"
    reason      why the wording is unclear (Chinese, shown to the editor)
    suggestion  how to rewrite it (Chinese)

A regex may name a family of wording in angle brackets — <OTHER> is 其他 or 其它, <RELATED> 相关 or
有关, <MATERIAL> 材料/资料/证明/证件/文件/手续 …, <RULE> 规定/要求/政策/标准 …, <ACCORDING> 按/按照/
依照/根据 …, <DEPT> 部门/单位/机关/机构, <SITUATION> 具体/实际 + 情况/需要 (`FAMILIES`) — so that
one rule catches the variants people write ("按有关规定执行", "按照相关规定办理", "及其它相关资料"),
not one fixed string. Rules in LINT_RULES_FILE may use the families too.

When matches overlap, the longer one wins, and for the same span the earlier rule in the list.
`EXCEPTIONS` are phrases inside which nothing is reported (等级, 平等, 办理时限及时限要求 ...).

More rules and exceptions are added without code: settings.LINT_RULES_FILE may name a JSON file
holding either a list of rules or {"rules": [...], "exceptions": [...]}; they extend these.
"""

from __future__ import annotations

from typing import Any

VAGUE = "vague"
CATCH_ALL = "catch_all"
CATEGORIES = (VAGUE, CATCH_ALL)
BLOCKING = "blocking"
WARNING = "warning"
SEVERITIES = (BLOCKING, WARNING)

# Families of wording a regex rule names as <NAME> (see the module docstring).
FAMILIES: dict[str, str] = {
    "OTHER": r"其[他它余]",
    "RELATED": r"(?:相关|有关)",
    "MATERIAL": r"(?:材料|资料|证明|证件|文件|手续|凭证|证照)",
    "RULE": r"(?:规定|要求|政策|标准|程序|办法)",
    "ACCORDING": r"(?:按照|依照|依据|根据|参照|遵照|按|依)",
    "DEPT": r"(?:部门|单位|机关|机构)",
    "SITUATION": r"(?:具体|实际)(?:情况|需要)",
}

# Characters before 等 that make it part of a word (平等, 同等, 中等, 一等奖 ...), not a list's end.
_NOT_LIST_BEFORE = "平同中高初相对均不上下优次特头何此劣超低甲乙丙丁一二三四五六七八九十"
# Characters after 等 that make it part of a word (等级, 等于, 等待 ...).
_NOT_LIST_AFTER = "级于待候同额量值价效比距次第号位高到身分"
# Nouns after 等 that close a list of ways, channels or areas (…等方式, …等渠道, …等领域): an
# illustration of how or where, not an open list of what is required.
_MEANS_AFTER = (
    r"(?:多种|各种)?(?:方式|渠道|途径|形式|手段|媒体|平台|领域|方面|环节|措施|问题|原则|依申请)"
)
# What an enumerated item may contain: no clause punctuation and no further 、.
_ITEM = r"[^、，,。；;：:！!？?\n]"

RULES: list[dict[str, Any]] = [
    # ---- catch-all clauses (兜底条款); the longest, most specific first -------------------------
    {
        "id": "catch_all.authority_other_conditions",
        "category": CATCH_ALL,
        "pattern": (
            r"(?:<RELATED>|<OTHER>)(?:行政)?<DEPT>(?:要求|规定|认为需要|认为必要|认定)的"
            r"<OTHER>(?:条件|<MATERIAL>|事项)"
        ),
        "regex": True,
        "severity": BLOCKING,
        "reason": "由“有关部门”另行要求的其他条件或材料，申请人无法事先知道要满足什么",
        "suggestion": "逐项列明条件或材料的名称、数量及依据；确无其他要求的，删除该表述",
    },
    {
        "id": "catch_all.including_not_limited",
        "category": CATCH_ALL,
        "pattern": r"包括(?:但)?不(?:限|仅限)于",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“包括但不限于”使列举之外的要求无边界，申请人无法确定应当提交或满足的全部内容",
        "suggestion": "改为穷尽式列举，例如“包括以下材料：1.……；2.……”",
    },
    {
        "id": "catch_all.other_related_materials",
        "category": CATCH_ALL,
        "pattern": (
            r"<OTHER>(?:需要|需|应当|应|必须|所需)?(?:提供|提交|补充|出具|补交)?的?"
            r"(?:<RELATED>|必要|所需)?(?:的)?(?:有效|合法)?(?:的)?(?:身份)?(?:证明)?<MATERIAL>"
        ),
        "regex": True,
        "severity": BLOCKING,
        "reason": "“其他（相关）材料”未说明是哪些材料，属于兜底条款，申请人无法准备",
        "suggestion": "列明具体材料名称、份数及原件或复印件要求",
    },
    {
        "id": "catch_all.deng_related_proof",
        "category": CATCH_ALL,
        "pattern": r"等<RELATED>证明",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“等相关证明”把列举之外的证明也纳入要求，申请人无法确定须提交哪些证明",
        "suggestion": "删除“等”，列明全部证明的名称；可以告知承诺替代的，注明“实行告知承诺制”",
    },
    {
        "id": "catch_all.deng_generic_noun",
        "category": CATCH_ALL,
        "pattern": (
            rf"(?<![{_NOT_LIST_BEFORE}])等(?:<OTHER>|<RELATED>|必要)?"
            r"(?:<MATERIAL>|情形|情况|事项|<DEPT>|条件|规定)"
        ),
        "regex": True,
        "severity": BLOCKING,
        "reason": "以“等”结束列举后接泛称，列举之外的材料或范围不确定",
        "suggestion": (
            "删除“等”并列明全部项目，例如“居民身份证、户口簿”；"
            "可以告知承诺替代的，注明“实行告知承诺制”"
        ),
    },
    {
        "id": "catch_all.dengdeng",
        "category": CATCH_ALL,
        "pattern": "等等",
        "severity": BLOCKING,
        "reason": "“等等”表示列举未完，其余内容不确定",
        "suggestion": "列明全部项目；如确需开放式表述，说明判断标准",
    },
    {
        "id": "catch_all.and_other",
        "category": CATCH_ALL,
        "pattern": r"以及<OTHER>",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“以及其他”在列举之外设兜底，范围不确定",
        "suggestion": "删除“以及其他……”，把确需的内容逐项列入",
    },
    {
        "id": "catch_all.other_conditions",
        "category": CATCH_ALL,
        "pattern": r"<OTHER>(?:<RELATED>|必要)?(?:条件|要求|承诺)",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“其他条件”未说明是什么条件，申请人无法判断自己是否符合",
        "suggestion": "逐项列明条件及其量化标准",
    },
    {
        "id": "catch_all.other_circumstances",
        "category": CATCH_ALL,
        "pattern": r"<OTHER>(?:<RELATED>)?情形",
        "regex": True,
        "severity": WARNING,
        "reason": "“其他情形”为兜底表述；引用法律条文原文时可以保留，自拟条款应当列明",
        "suggestion": "自拟条款中逐项列明情形；引用法规原文的，注明条款出处",
    },
    {
        "id": "catch_all.list_final_deng",
        "category": CATCH_ALL,
        "pattern": (
            rf"、{_ITEM}{{1,30}}?(?P<hit>(?<![{_NOT_LIST_BEFORE}])等(?![{_NOT_LIST_AFTER}])"
            rf"(?!{_MEANS_AFTER}))"
        ),
        "regex": True,
        "severity": BLOCKING,
        "reason": "列举以“等”结尾，未列出的项目是否也在要求之内不确定",
        "suggestion": "删除“等”，完整列明全部项目",
    },
    # ---- vague wording (模糊表述) ---------------------------------------------------------------
    {
        "id": "vague.unnamed_rules",
        "category": VAGUE,
        "pattern": (
            r"(?<!》)(?<!》的)(?:<ACCORDING>(?:国家|省|市|上级|现行)?<RELATED>?"
            r"(?:法律法规|法律|法规|管理|政策)?<RULE>|<RELATED>(?:法律法规|法律|法规|政策)?规定)"
        ),
        "regex": True,
        "severity": BLOCKING,
        "reason": "“按有关规定”未指明是哪部法规的哪一条，申请人无法据以准备或判断",
        "suggestion": (
            "写明法规名称和条款，例如“按《社会救助暂行办法》第十一条”，或直接写出要求本身"
        ),
    },
    {
        "id": "vague.in_principle",
        "category": VAGUE,
        "pattern": "原则上",
        "severity": BLOCKING,
        "reason": "“原则上”暗示存在未写明的例外，办理标准不确定",
        "suggestion": "写明确定的要求；有例外的，逐项列明例外情形",
    },
    {
        "id": "vague.depending_on_situation",
        "category": VAGUE,
        "pattern": (
            r"(?:视|<ACCORDING>|结合)(?:<SITUATION>|情况|(?:工作)?需要)|视(?:具体|实际)?情"
            r"|结合(?:自身|工作|本地|当地)?实际"
        ),
        "regex": True,
        "severity": BLOCKING,
        "reason": "“视情况”“根据实际情况”把判断留给经办人，申请人无法预知结果",
        "suggestion": "列明每种情况及对应的处理方式，例如“逾期未补正的，不予受理”",
    },
    {
        "id": "vague.when_necessary",
        "category": VAGUE,
        "pattern": r"(?:必要|需要)时|确(?:需|有(?:原因|困难|必要|需要))|认为(?:有)?必要",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“必要时”未说明何种情形属于必要，执行尺度不一",
        "suggestion": "写明触发条件，例如“数据比对不一致的，开展现场核查”",
    },
    {
        "id": "vague.at_discretion",
        "category": VAGUE,
        "pattern": "酌情",
        "severity": BLOCKING,
        "reason": "“酌情”赋予经办人不受约束的裁量，结果不可预期",
        "suggestion": "写明裁量基准和具体幅度",
    },
    {
        "id": "vague.appropriate",
        "category": VAGUE,
        "pattern": "适当",
        "severity": BLOCKING,
        "reason": "“适当”没有可衡量的标准",
        "suggestion": "改为具体数量、期限或比例，例如“延长10个工作日”",
    },
    {
        "id": "vague.generally",
        "category": VAGUE,
        "pattern": r"一般(?:应当|应|情况下|不超过|在)",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“一般”意味着存在未写明的例外，要求不确定",
        "suggestion": "删除“一般”，写明确定的要求；有例外的，列明例外情形",
    },
    {
        "id": "vague.relevant_department",
        "category": VAGUE,
        "pattern": r"(?:<RELATED>|<OTHER>)(?:行政|主管|职能|监管|执法)?(?:<DEPT>|人员|主体|场所)",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“有关部门”“相关单位”未指明是哪个机关，申请人不知道向谁办理或由谁核查",
        "suggestion": "写明机关全称，例如“阜阳市市场监督管理局”",
    },
    {
        "id": "vague.relevant_materials",
        "category": VAGUE,
        "pattern": r"(?<![等他它])<RELATED>(?:的)?(?:证明)?<MATERIAL>",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“相关材料”未说明是哪些材料，申请人无法准备",
        "suggestion": "列明具体材料名称、份数及原件或复印件要求",
    },
    {
        "id": "vague.degree",
        "category": VAGUE,
        "pattern": r"(?:比)?较(?:为)?(?:大|高|多|少|严重|低|小|长|短|好|差)",
        "regex": True,
        "severity": WARNING,
        "reason": "“较大”“较高”是比较的说法，没有可衡量的门槛",
        "suggestion": "写明数值门槛，例如“金额10万元以上”“年受理量500件以上”",
    },
    {
        "id": "vague.unmeasured_condition",
        "category": VAGUE,
        "pattern": r"合理(?:理由|原因)|情节(?:严重|较重)|(?:造成)?不良影响|具备条件",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“有合理理由”“情节严重”由经办人判断，申请人无法事先知道是否符合",
        "suggestion": "列明具体情形，例如“因疾病住院、自然灾害等不可抗力（列明）不能按期提交的”",
    },
    {
        "id": "vague.corresponding",
        "category": VAGUE,
        "pattern": r"相应(?:的)?(?:处理|措施|惩戒措施|证明|材料|文件|证明文件|手续)",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“相应的材料”“相应处理”没有说明是什么",
        "suggestion": "写明材料名称或处理措施及其依据",
    },
    {
        "id": "vague.notified_later",
        "category": VAGUE,
        "pattern": r"另行(?:通知|告知|公布|确定|规定)",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“另行通知”未说明通知的时间、方式和内容，申请人无法安排",
        "suggestion": "写明具体时间和地点，或写明通知的期限和方式，例如“受理后3个工作日内短信通知”",
    },
    {
        "id": "vague.several",
        "category": VAGUE,
        "pattern": "若干",
        "severity": BLOCKING,
        "reason": "“若干”没有确定的数量",
        "suggestion": "写明具体数量，例如“复印件2份”",
    },
    {
        "id": "vague.certain_amount",
        "category": VAGUE,
        "pattern": r"一定(?:期限|期间|数量|规模|时间|比例|条件|金额|范围)",
        "regex": True,
        "severity": BLOCKING,
        "reason": "“一定期限/数量”没有具体数值",
        "suggestion": "写明具体数值，例如“30日”“不少于5人”",
    },
    {
        "id": "vague.timely",
        "category": VAGUE,
        "pattern": r"及时|适时|逐步|抓紧",
        "regex": True,
        "severity": WARNING,
        "reason": "“及时”“适时”没有明确期限",
        "suggestion": "写明期限，例如“在3个工作日内”",
    },
    {
        "id": "vague.as_soon_as_possible",
        "category": VAGUE,
        "pattern": r"尽快|尽早|从速",
        "regex": True,
        "severity": WARNING,
        "reason": "“尽快”没有明确期限",
        "suggestion": "写明期限，例如“自收到通知之日起5个工作日内”",
    },
]

# Phrases inside which no finding is reported: words that merely contain a rule's phrase, and
# titles of regulations that contain 若干.
EXCEPTIONS: list[str] = [
    "等级",
    "等于",
    "等待",
    "等候",
    "等同",
    "平等",
    "同等",
    "中等",
    "高等",
    "初等",
    "相等",
    "对等",
    "均等",
    "及时限",  # 办理流程及时限
    "及时间",  # 日期及时间
    "及时效",  # 准确性以及时效性
    "及时任",  # 及时任法定代表人
    "相关部门规章",  # 法定术语“部门规章”
    "有关部门规章",
    "适当性",  # 投资者适当性管理（法定术语）
    "若干规定",
    "若干意见",
    "若干措施",
    "若干问题",
    "若干条例",
]
