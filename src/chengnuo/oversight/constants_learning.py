"""The catalog learns from outcomes (R-8.1, R-7.2, R-4.1/R-4.2: verification intensity): kinds
of suggestion, their states, the agency's answer and the event codes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuggestionKind(models.TextChoices):
    STRONGER = "stronger", _("加强核查")
    REVIEW = "review", _("评估是否继续实行告知承诺")
    LIGHTER = "lighter", _("减轻核查")


class SuggestionStatus(models.TextChoices):
    SUGGESTED = "suggested", _("待研判")
    ADOPTED = "adopted", _("已采纳，已向实施机关提出建议")
    DISMISSED = "dismissed", _("不予采纳")


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ACCEPTED = "accepted", _("已采纳并落实")
    DECLINED = "declined", _("不予采纳（已说明理由）")


class ProposalDecision(models.TextChoices):
    ACCEPT = "accept", _("采纳")
    DECLINE = "decline", _("不予采纳")


class Event(models.TextChoices):
    """Event codes of the catalog's learning from outcomes (stable strings, ADR 0009)."""

    SUGGESTION_RAISED = "oversight.learning_suggested", _("生成目录评估建议")
    SUGGESTION_ADOPTED = "oversight.learning_adopted", _("采纳目录评估建议并向实施机关提出")
    SUGGESTION_DISMISSED = "oversight.learning_dismissed", _("不予采纳目录评估建议")
    PROPOSAL_ANSWERED = "oversight.learning_answered", _("实施机关答复目录评估建议")


# the defaults of settings.OVERSIGHT_LEARNING (each key may be overridden there)
DEFAULTS: dict[str, float] = {
    "period_days": 365,  # the window the figures cover, ending yesterday
    "stronger_lower": 0.05,  # Wilson lower bound above this: stronger verification
    "review_lower": 0.15,  # … above this: review whether it belongs under commitment
    "lighter_min": 200,  # this many verified and none untrue: a lighter plan
    "min_verified": 10,  # fewer verified than this: no rate-based suggestion at all
    "evidence_rows": 20,  # outcomes listed as the evidence of one suggestion
}

# a dismissed (or answered) suggestion of a kind comes back only when the figures moved beyond
# what was decided: the lower bound half again as high (stronger, review), the volume doubled
# with still nothing untrue (lighter)
RECUR_LOWER_FACTOR = 1.5
RECUR_VOLUME_FACTOR = 2

Z95 = 1.959963984540054  # the standard normal quantile of 97.5 %

# what the agency is asked to do, per kind (the proposal's text)
ADVICE = {
    SuggestionKind.STRONGER: _(
        "该证明事项经核查的承诺不实比例偏高。建议调整核查计划：提高核查比例、优先采用现场核查或"
        "在线比对，缩短核查时限，并对信用状况较差的承诺人全部核查。"
    ),
    SuggestionKind.REVIEW: _(
        "该证明事项经核查的承诺不实比例明显偏高。建议评估该证明事项是否继续实行告知承诺制；"
        "确需调整的，按目录调整程序提出申报并报司法局备案。"
    ),
    SuggestionKind.LIGHTER: _(
        "该证明事项核查量大且评估期内未发现承诺不实。建议调整核查计划：对信用状况良好的承诺人"
        "降低抽查比例，减少对企业和群众的打扰。"
    ),
}
