"""Complaints and reports from the public (投诉举报, R-8.1): kinds, states, ratings, channels
and event codes. The deadlines of each kind are data in `rules.KIND_RULES`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What the complaint or report is about."""

    PROOF_DEMANDED = "proof_demanded", _("要求提供已实行告知承诺的证明")
    WRONGLY_REFUSED = "wrongly_refused", _("错误拒绝适用告知承诺")
    OVERDUE = "overdue", _("办理超期")
    ATTITUDE = "attitude", _("服务态度")
    FALSE_COMMITMENT = "false_commitment", _("举报虚假承诺")
    PUBLISHED_CONTENT = "published_content", _("公开内容有误")


class Category(models.TextChoices):
    HANDLING = "handling", _("对机关办理的投诉")
    REPORT = "report", _("举报")
    CONTENT = "content", _("对公开内容的意见")


class Concern(models.TextChoices):
    """What a complaint names, chosen from published data."""

    AGENCY = "agency", _("机关")
    MATTER = "matter", _("办事事项")
    ITEM = "item", _("证明事项")
    COMMITMENT = "commitment", _("公开的承诺书")


class Channel(models.TextChoices):
    WEB = "web", _("网上投诉")
    HOTLINE = "hotline", _("12345热线")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("办理中")
    DECLINED = "declined", _("不予受理")
    ANSWERED = "answered", _("已答复")


OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class VerificationState(models.TextChoices):
    """The verification a report of a false commitment opened, as it came back."""

    NONE = "", _("未启动核查")
    OPEN = "open", _("核查中")
    CONSISTENT = "consistent", _("经核查承诺属实")
    INCONSISTENT = "inconsistent", _("经核查承诺不实")
    UNABLE = "unable", _("无法核查")


class Event(models.TextChoices):
    """Event codes of complaints (stable strings, ADR 0009)."""

    SUBMITTED = "complaints.submitted", _("提交投诉举报")
    ACCEPTED = "complaints.accepted", _("受理")
    DECLINED = "complaints.declined", _("不予受理")
    TRANSFERRED = "complaints.transferred", _("转办")
    EXTENDED = "complaints.extended", _("延期办理")
    ANSWERED = "complaints.answered", _("答复")
    REMINDED = "complaints.reminded", _("催办")
    OVERDUE = "complaints.overdue", _("超期")
    SUPERVISED = "complaints.supervised", _("督办")
    RATED = "complaints.rated", _("评价答复")
    REOPENED = "complaints.reopened", _("重新办理")
    ESCALATED = "complaints.escalated", _("升级至司法局")
    VERIFICATION_OPENED = "complaints.verification_opened", _("启动承诺核查")
    VERIFICATION_OUTCOME = "complaints.verification_outcome", _("承诺核查结论")
    IDENTITY_VIEWED = "complaints.identity_viewed", _("查看投诉人身份信息")


# the steps the complainant follows on the receipt page (the others are for staff)
PUBLIC_STEPS = (
    Event.SUBMITTED,
    Event.ACCEPTED,
    Event.DECLINED,
    Event.TRANSFERRED,
    Event.EXTENDED,
    Event.ANSWERED,
    Event.RATED,
    Event.REOPENED,
    Event.ESCALATED,
    Event.VERIFICATION_OPENED,
    Event.VERIFICATION_OUTCOME,
)

# the receipt code: "TS" and random characters that are not easily confused
CODE_PREFIX = "TS"
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 10
SECRET_LENGTH = 8
SEALED = _("（已保密）")
