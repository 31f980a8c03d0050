"""The R-3.2 text linter: vague wording (模糊表述) and catch-all clauses (兜底条款)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from chengnuo.documents import lint_rules
from chengnuo.documents.linter import (
    Finding,
    RuleError,
    blocking,
    compile_rules,
    lint,
    lint_fields,
)

CORPUS = json.loads((Path(__file__).parent / "lint_corpus.json").read_text(encoding="utf-8"))
API = "/api/v1/documents"


def phrases(findings: list[Finding]) -> list[dict[str, str]]:
    return [{"phrase": f.phrase, "category": f.category} for f in findings]


# ---- the corpus ---------------------------------------------------------------------------------


def test_corpus_has_at_least_40_sentences_both_good_and_bad():
    assert len(CORPUS) >= 40
    assert sum(1 for row in CORPUS if row["expected"]) >= 15
    assert sum(1 for row in CORPUS if not row["expected"]) >= 15


@pytest.mark.parametrize("row", CORPUS, ids=[row["text"][:20] for row in CORPUS])
def test_corpus_sentence_gives_exactly_its_expected_findings(row):
    assert phrases(lint(row["text"])) == row["expected"]


# ---- rules as data ------------------------------------------------------------------------------


def test_every_reviewed_rule_has_a_chinese_reason_and_suggestion_and_compiles():
    ruleset = compile_rules(lint_rules.RULES, lint_rules.EXCEPTIONS)
    assert len(ruleset.rules) == len(lint_rules.RULES)
    ids = [r["id"] for r in lint_rules.RULES]
    assert len(ids) == len(set(ids))
    for rule in lint_rules.RULES:
        assert rule["reason"] and rule["suggestion"]
        assert rule["id"].startswith(rule["category"] + ".")


@pytest.mark.parametrize(
    "phrase",
    [
        "原则上",
        "视情况",
        "必要时",
        "适当",
        "一般应",
        "相关部门",
        "有关部门",
        "其他材料",
        "等相关证明",
        "有关部门要求的其他条件",
        "以及其他",
        "其他相关材料",
        "另行通知",
        "酌情",
        "若干",
        "及时",
        "尽快",
        "等等",
        "包括但不限于",
    ],
)
def test_each_phrase_named_in_r_3_2_and_the_issue_is_found_whole(phrase):
    findings = lint(f"申请人{phrase}办理。")
    assert [f.phrase for f in findings] == [phrase]


def test_timely_and_as_soon_as_possible_are_warnings_others_block():
    findings = lint("原则上请尽快提交，我们将及时处理。")
    assert [(f.phrase, f.severity) for f in findings] == [
        ("原则上", "blocking"),
        ("尽快", "warning"),
        ("及时", "warning"),
    ]
    assert [f.phrase for f in blocking(findings)] == ["原则上"]


def test_a_rule_with_a_missing_field_is_refused_naming_the_rule():
    with pytest.raises(RuleError, match=r"bad\.rule"):
        compile_rules([{"id": "bad.rule", "category": "vague", "pattern": "x"}])


def test_a_rule_with_an_invalid_regex_is_refused():
    rule = {
        "id": "vague.broken",
        "category": "vague",
        "pattern": "(",
        "regex": True,
        "severity": "blocking",
        "reason": "r",
        "suggestion": "s",
    }
    with pytest.raises(RuleError, match=r"vague\.broken"):
        compile_rules([rule])


# ---- enumeration-final 等 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "证书等级为二级。",
        "学历为本科或同等学力。",
        "各方地位平等。",
        "中等职业学校毕业。",
        "请在大厅等待叫号。",
        "出资额等于注册资本。",
        "获三等奖以上奖励。",
        "享有平等、自愿的权利。",
    ],
)
def test_deng_inside_a_word_is_not_flagged(text):
    assert lint(text) == []


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("提交身份证、户口簿等。", "等"),
        ("提交身份证、户口簿等相关证明。", "等相关证明"),
        ("提交户口簿等材料。", "等材料"),
        ("提交身份证、户口簿等有效证件。", "等"),
    ],
)
def test_deng_at_the_end_of_an_enumeration_is_a_catch_all(text, phrase):
    findings = lint(text)
    assert [(f.phrase, f.category) for f in findings] == [(phrase, "catch_all")]


# ---- positions ---------------------------------------------------------------------------------


def test_positions_lines_and_columns_are_character_based_and_one_based():
    text = "第一行没有问题。\n第二行原则上可以。\n  必要时另行通知。"
    findings = lint(text)
    assert [(f.phrase, f.line, f.column) for f in findings] == [
        ("原则上", 2, 4),
        ("必要时", 3, 3),
        ("另行通知", 3, 6),
    ]
    for f in findings:
        assert text[f.start : f.end] == f.phrase
    assert findings[0].start == text.index("原则上")


def test_findings_are_sorted_by_position():
    findings = lint("尽快提交其他材料，原则上不予退回，必要时适当延长。")
    starts = [f.start for f in findings]
    assert starts == sorted(starts)
    assert len(findings) == 5


def test_overlapping_matches_are_reported_once_by_the_most_specific_rule():
    findings = lint("申请人应当满足有关部门要求的其他条件。")
    assert len(findings) == 1
    assert findings[0].rule_id == "catch_all.authority_other_conditions"


# ---- exceptions --------------------------------------------------------------------------------


def test_exception_phrases_suppress_a_matching_rule():
    assert lint("办理流程及时限见附件。") == []
    assert lint("依据《关于深化改革的若干意见》执行。") == []
    assert [f.phrase for f in lint("收到后及时处理。")] == ["及时"]


def test_rules_passed_explicitly_still_honour_the_exceptions():
    rule = {
        "id": "vague.deng",
        "category": "vague",
        "pattern": "等",
        "severity": "warning",
        "reason": "r",
        "suggestion": "s",
    }
    assert [f.phrase for f in lint("等级与等", [rule])] == ["等"]


# ---- rules extended without code (settings.LINT_RULES_FILE) -------------------------------------


def test_extra_rules_and_exceptions_from_the_settings_file_are_applied(tmp_path, settings):
    path = tmp_path / "rules.json"
    extra = {
        "rules": [
            {
                "id": "vague.in_time",
                "category": "vague",
                "pattern": "按时",
                "severity": "warning",
                "reason": "“按时”未说明期限",
                "suggestion": "写明具体期限",
            },
            {  # a file's rule may name the families of wording too
                "id": "catch_all.other_forms",
                "category": "catch_all",
                "pattern": r"<OTHER>(表格|表单)",
                "regex": True,
                "severity": "blocking",
                "reason": "未列明表格名称",
                "suggestion": "列明表格名称",
            },
        ],
        "exceptions": ["原则上同意"],
    }
    path.write_text(json.dumps(extra, ensure_ascii=False), encoding="utf-8")
    text = "请按时提交其它表格，原则上同意。"
    assert [f.phrase for f in lint(text)] == ["原则上"]

    settings.LINT_RULES_FILE = str(path)
    findings = lint(text)
    assert [(f.phrase, f.rule_id) for f in findings] == [
        ("按时", "vague.in_time"),
        ("其它表格", "catch_all.other_forms"),
    ]
    assert findings[0].reason == "“按时”未说明期限"


def test_without_the_setting_only_the_reviewed_rules_apply(settings):
    settings.LINT_RULES_FILE = None
    assert lint("请按时提交。") == []


def test_a_settings_file_with_a_bad_rule_is_refused(tmp_path, settings):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps([{"id": "x", "category": "fuzzy"}]), encoding="utf-8")
    settings.LINT_RULES_FILE = str(path)
    with pytest.raises(RuleError):
        lint("任何文本")


# ---- multi-field documents and speed -------------------------------------------------------------


def test_lint_fields_reports_per_field_with_positions_within_the_field():
    result = lint_fields({"legal_basis": "《行政许可法》", "materials": "身份证、户口簿等材料"})
    assert result["legal_basis"] == []
    assert [(f.phrase, f.start) for f in result["materials"]] == [("等材料", 7)]


# ---- API ---------------------------------------------------------------------------------------


def test_api_lint_returns_findings_and_counts():
    response = Client().post(
        f"{API}/lint",
        {"text": "原则上请尽快提交其他材料。"},
        content_type="application/json",
    )
    assert response.status_code == 200
    data = response.json()
    assert [f["phrase"] for f in data["findings"]] == ["原则上", "尽快", "其他材料"]
    assert data["blocking"] == 2
    assert data["warnings"] == 1
    first = data["findings"][0]
    assert first["start"] == 0 and first["line"] == 1 and first["column"] == 1
    assert first["category"] == "vague" and first["reason"] and first["suggestion"]


def test_api_lint_of_a_clean_text_has_no_findings():
    response = Client().post(
        f"{API}/lint", {"text": "本事项不收取费用。"}, content_type="application/json"
    )
    assert response.json() == {"findings": [], "blocking": 0, "warnings": 0}


@pytest.mark.parametrize(
    "body",
    [{}, {"text": 123}, {"text": None}, {"text": "长" * 20001}, {"txt": "原则上"}],
)
def test_api_lint_bad_input_is_422_invalid_input_naming_the_field(body):
    response = Client().post(f"{API}/lint", body, content_type="application/json")
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid_input"
    assert data["field"] == "text"


def test_api_lint_unparsable_body_is_a_clear_error_not_500():
    response = Client().post(f"{API}/lint", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "code" in response.json()


# ---- properties --------------------------------------------------------------------------------

RULE_CHARS = (
    "等级平同中、，。\n其他相关材料证明有部门要求的条件"
    + "以及原则上视情况必要时适当一般应及时限尽快若干"
)


@given(st.text(max_size=300) | st.text(alphabet=RULE_CHARS, max_size=300))
def test_lint_never_raises_and_every_finding_is_its_phrase_in_order_without_overlap(text):
    findings = lint(text)
    previous_end = 0
    for f in findings:
        assert text[f.start : f.end] == f.phrase
        assert f.start >= previous_end
        previous_end = f.end
        assert f.line == text.count("\n", 0, f.start) + 1
        assert f.column == f.start - (text.rfind("\n", 0, f.start) + 1) + 1


# ---- families of wording (issue 11 §6) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "category"),
    [
        # the variants the fixed strings missed
        ("逾期按有关规定执行。", "按有关规定", "vague"),
        ("未尽事宜按照相关规定办理。", "按照相关规定", "vague"),
        ("申请人根据实际情况提交。", "根据实际情况", "vague"),
        ("申请人还应提交其他需要提供的证明材料。", "其他需要提供的证明材料", "catch_all"),
        ("身份证复印件及其它相关资料。", "其它相关资料", "catch_all"),
        # the families: 其他/其它, 材料/资料/证明, 有关/相关, 规定/要求, 按/按照/根据
        ("请提交其它材料。", "其它材料", "catch_all"),
        ("请提交其他资料。", "其他资料", "catch_all"),
        ("依据有关要求补正。", "依据有关要求", "vague"),
        ("符合相关规定的予以受理。", "相关规定", "vague"),
        ("向相关单位申请。", "相关单位", "vague"),
        ("提交户口簿等其他证件。", "等其他证件", "catch_all"),
        ("满足其它条件。", "其它条件", "catch_all"),
        ("结果另行告知。", "另行告知", "vague"),
        ("视具体情况决定。", "视具体情况", "vague"),
    ],
)
def test_rules_match_families_of_wording_not_fixed_strings(text, phrase, category):
    findings = lint(text)
    assert [(f.phrase, f.category) for f in findings] == [(phrase, category)]


@pytest.mark.parametrize(
    "text",
    [
        "依照《社会救助暂行办法》有关规定办理。",  # the rule named: not vague
        "按《中华人民共和国行政许可法》的相关规定执行。",
        "申请人提交居民身份证原件。",
        "本事项依据《中华人民共和国律师法》第五条设定。",
    ],
)
def test_a_named_law_and_a_definite_requirement_are_not_flagged(text):
    assert lint(text) == []


def test_an_unknown_family_in_a_rule_is_refused_naming_it():
    with pytest.raises(RuleError, match="NOPE"):
        compile_rules(
            [
                {
                    "id": "x.y",
                    "category": "vague",
                    "pattern": "<NOPE>",
                    "regex": True,
                    "severity": "warning",
                    "reason": "r",
                    "suggestion": "s",
                }
            ]
        )


@pytest.mark.parametrize("name", ["lint_corpus_real.json", "lint_corpus_holdout.json"])
def test_the_real_text_corpora_are_well_formed(name):
    """Real published sentences labelled by hand (bench/linter_quality.py reports them)."""
    corpus = json.loads((Path(__file__).parent / name).read_text(encoding="utf-8"))
    assert corpus["guideline"] and len(corpus["sentences"]) >= 100
    sources = {s["id"] for s in corpus["sources"]}
    unlabelled = 0
    for row in corpus["sentences"]:
        assert row["source"] in sources
        unlabelled += not row["expected"]
        for label in row["expected"]:
            assert label["category"] in ("vague", "catch_all")
            count = sum(1 for e in row["expected"] if e["phrase"] == label["phrase"])
            assert row["text"].count(label["phrase"]) >= count, label
    assert unlabelled * 3 >= len(corpus["sentences"])  # enough negatives to measure precision


def test_the_held_out_corpus_shares_no_sentence_with_the_development_one():
    here = Path(__file__).parent
    real = json.loads((here / "lint_corpus_real.json").read_text(encoding="utf-8"))
    held = json.loads((here / "lint_corpus_holdout.json").read_text(encoding="utf-8"))
    assert not {r["text"] for r in real["sentences"]} & {r["text"] for r in held["sentences"]}
