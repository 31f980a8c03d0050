"""What each required element of a notification (R-3.1) and commitment (R-3.3) must say, as data.

Being non-empty is not enough: "无" in the three liability fields once passed. Each element has

    min_length    characters of real content (punctuation and spaces not counted)
    must_mention  groups of wording of which the text must contain at least one per group, each
                  with what the group stands for ("责任种类", "法律依据" ...), named in the refusal
    unless        phrases that make `must_mention` moot (a disclosure that says 不予公开 names no
                  scope or period)

and every element refuses placeholders (`PLACEHOLDERS`: 无, 暂无, 略, 同上 ...; the whole text
made of them) and content deferred elsewhere (`DEFERRALS`: 详见附件, 另行通知, 同上 ...). A pure
function of (field, text), tested without the database; the publishing services refuse with every
problem, naming the element and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chengnuo.core.rules import FieldError

PLACEHOLDERS: frozenset[str] = frozenset(
    {
        "无",
        "暂无",
        "没有",
        "略",
        "同上",
        "待定",
        "待补充",
        "详见附件",
        "另行通知",
        "见附件",
        "空",
        "不详",
        "不适用",
        "na",
        "n/a",
        "none",
        "null",
        "无内容",
        "以下空白",
        "xxx",
    }
)
# Phrases that put the element's content somewhere else; refused anywhere in the text.
DEFERRALS: tuple[str, ...] = (
    "详见附件",
    "见附件",
    "另行通知",
    "另行告知",
    "另行公布",
    "同上",
    "参照上述",
    "待定",
    "待补充",
)
# Characters that carry no content (spaces, punctuation, dashes, slashes, brackets).
_NOISE = re.compile(r"[\s\u3000，,。.；;：:、！!？?…·\-—_/\\|（）()【】\[\]《》<>“”\"'‘’*]+")

# A legal source is cited by its title in book-title marks (《中华人民共和国行政许可法》), or a
# normative document by its number (国办发〔2020〕42号); "依法" alone names none.
LEGAL_SOURCE = ("《", "〔")


@dataclass(frozen=True)
class Mention:
    what: str  # what the group stands for, as the refusal names it
    any_of: tuple[str, ...]
    example: str = ""


@dataclass(frozen=True)
class ElementRule:
    label: str
    min_length: int = 4
    must_mention: tuple[Mention, ...] = ()
    unless: tuple[str, ...] = ()  # phrases after which the mentions are not required


@dataclass(frozen=True)
class Problem:
    field: str
    code: str  # placeholder, deferred, too_short, must_mention
    message: str

    def as_field_error(self) -> FieldError:
        return FieldError(self.field, self.code, self.message)


def _liability(kind: str, words: tuple[str, ...], source_example: str) -> ElementRule:
    return ElementRule(
        label=f"不实承诺的{kind}",
        min_length=15,
        must_mention=(
            Mention("责任种类", words, f"如“{words[0]}”"),
            Mention("法律依据", LEGAL_SOURCE, f"如{source_example}"),
        ),
    )


ELEMENT_RULES: dict[str, ElementRule] = {
    # the written notification
    "matter_name": ElementRule("事项名称", min_length=2),
    "legal_basis": ElementRule(
        "设定依据",
        min_length=6,
        must_mention=(Mention("法律法规名称", LEGAL_SOURCE, "如《社会救助暂行办法》第十一条"),),
    ),
    "proof_content": ElementRule("证明内容或许可条件和材料要求", min_length=8),
    "how_to_commit": ElementRule(
        "承诺方式",
        min_length=8,
        must_mention=(
            Mention(
                "签署方式",
                ("签署", "签字", "签名", "盖章", "书面", "在线", "网上", "现场", "窗口"),
                "如“在线签署”或“到窗口签署书面承诺书”",
            ),
        ),
    ),
    "civil_liability": _liability(
        "民事责任", ("民事责任", "赔偿", "民事"), "《中华人民共和国民法典》"
    ),
    "administrative_liability": _liability(
        "行政责任",
        ("行政责任", "行政处罚", "撤销", "终止办理", "信用记录", "行政"),
        "《中华人民共和国行政许可法》",
    ),
    "criminal_liability": _liability(
        "刑事责任", ("刑事责任", "追究刑事", "移送司法机关", "刑事"), "《中华人民共和国刑法》"
    ),
    "verification_power": ElementRule(
        "行政机关核查权力",
        min_length=12,
        must_mention=(
            Mention(
                "核查对象", ("核查", "核实", "核验", "检查", "调查"), "如“对承诺的真实性进行核查”"
            ),
            Mention(
                "核查方式",
                ("在线", "数据", "比对", "共享", "现场", "实地", "协助", "函询", "检查", "勘验"),
                "如“通过数据共享在线比对、现场检查或请求其他部门协助核查”",
            ),
        ),
        # an exempt item says so, and how it is supervised instead
        unless=("免于核查",),
    ),
    "disclosure": ElementRule(
        "承诺书是否公开及公开范围、时限",
        min_length=4,
        must_mention=(
            Mention(
                "公开范围",
                ("网站", "平台", "窗口", "大厅", "场所", "栏", "网"),
                "如“在阜阳市政府网站公开”",
            ),
            Mention("公开时限", ("日", "天", "月", "年", "期限", "期间"), "如“公开期限为30日”"),
        ),
        unless=("不公开", "不予公开", "不对外公开", "无需公开", "不需公开"),
    ),
    # the written commitment's four declarations
    "knows_notification": ElementRule(
        "已知晓告知事项",
        min_length=6,
        must_mention=(Mention("知晓告知内容", ("知晓", "知悉", "已阅读", "明白", "了解")),),
    ),
    "meets_conditions": ElementRule(
        "已符合相关条件",
        min_length=6,
        must_mention=(Mention("符合条件", ("符合", "满足", "具备")),),
    ),
    "accepts_liability": ElementRule(
        "愿意承担不实承诺的法律责任",
        min_length=6,
        must_mention=(Mention("承担法律责任", ("责任",)),),
    ),
    "true_intent": ElementRule(
        "承诺的意思表示真实",
        min_length=6,
        must_mention=(Mention("意思表示真实", ("真实",)),),
    ),
}


def _content(text: str) -> str:
    return _NOISE.sub("", text or "")


def _is_placeholder(content: str) -> str | None:
    """The placeholder the whole text is made of (repeated or joined), else None."""
    lowered = content.lower()
    if not lowered:
        return None
    if lowered in PLACEHOLDERS:
        return lowered
    # made only of placeholders: 无无无, 无无 ...
    pattern = "|".join(sorted((re.escape(p) for p in PLACEHOLDERS), key=len, reverse=True))
    if re.fullmatch(f"(?:{pattern})+", lowered):
        return re.match(f"(?:{pattern})", lowered).group(0)  # type: ignore[union-attr]
    return None


def placeholder_problem(field_name: str, label: str, text: str) -> Problem | None:
    """A section of a service guide or work rules made only of a placeholder (无, 略, 详见附件 …):
    its content is not there. None when the text says something."""
    raw = text.strip()
    content = _content(raw)
    placeholder = _is_placeholder(content) if content else raw
    if not placeholder:
        return None
    shown = raw if len(raw) <= 12 else placeholder
    return Problem(field_name, "placeholder", f"{label}：“{shown}”是占位内容，请写明具体内容")


def element_problems(field_name: str, text: str | None) -> list[Problem]:
    """Why `text` does not carry the element `field_name` (empty list: it does). An element
    without a rule only has to be non-empty."""
    rule = ELEMENT_RULES.get(field_name)
    raw = text if isinstance(text, str) else ""
    content = _content(raw)
    label = rule.label if rule else field_name
    if not raw.strip():
        return [Problem(field_name, "missing_element", f"缺少必备要素：{label}")]
    if rule is None:
        return []
    placeholder = _is_placeholder(content) if content else raw.strip()
    if placeholder is not None:
        shown = raw.strip() if len(raw.strip()) <= 12 else placeholder
        return [
            Problem(
                field_name,
                "placeholder",
                f"{label}：“{shown}”是占位内容，不是该要素的内容，请写明具体内容",
            )
        ]
    problems: list[Problem] = []
    deferred = next((d for d in DEFERRALS if d in raw), None)
    if deferred:
        problems.append(
            Problem(
                field_name,
                "deferred",
                f"{label}：“{deferred}”把内容放到了别处，告知书须在本要素中直接写明",
            )
        )
    if len(content) < rule.min_length:
        problems.append(
            Problem(
                field_name,
                "too_short",
                f"{label}：内容过短（{len(content)}字），至少应有{rule.min_length}个字的具体内容",
            )
        )
    if not any(phrase in raw for phrase in rule.unless):
        missing = [m for m in rule.must_mention if not any(w in raw for w in m.any_of)]
        if missing:
            parts = "、".join(m.what + (f"（{m.example}）" if m.example else "") for m in missing)
            problems.append(Problem(field_name, "must_mention", f"{label}：须写明{parts}"))
    return problems


def elements_problems(values: dict[str, str | None], fields: tuple[str, ...]) -> list[Problem]:
    """Every problem of every element in `fields`, in their order."""
    return [p for f in fields for p in element_problems(f, values.get(f))]
