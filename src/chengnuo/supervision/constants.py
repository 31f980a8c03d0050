"""Routine supervision (双随机、一公开, 重点监管): kinds, states, outcomes and event codes
(R-4.3, R-4.4, R-5.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from chengnuo.core.outbox import OutboxStatus


class ItemKind(models.TextChoices):
    GENERAL = "general", _("一般检查事项")
    KEY = "key", _("重点检查事项")


class Method(models.TextChoices):
    ON_SITE = "on_site", _("现场检查")
    DOCUMENTS = "documents", _("书面检查")
    ONLINE = "online", _("网络监测")


class Frequency(models.TextChoices):
    YEARLY = "yearly", _("每年")
    HALF_YEARLY = "half_yearly", _("每半年")
    QUARTERLY = "quarterly", _("每季度")


class Route(models.TextChoices):
    """How the subject obtained the approval: never a ground of selection (R-4.4)."""

    COMMITMENT = "commitment", _("告知承诺")
    PROOF = "proof", _("提交证明")


class CreditClass(models.TextChoices):
    """The credit class (R-5.3) from `credit.rules.risk_level`: A is the best."""

    A = "A", _("A类（信用良好）")
    B = "B", _("B类（信用一般）")
    C = "C", _("C类（信用较差）")
    D = "D", _("D类（信用差）")


class PeriodKind(models.TextChoices):
    YEARLY = "yearly", _("年度计划")
    QUARTERLY = "quarterly", _("季度计划")


class Stratify(models.TextChoices):
    """Strata of a draw: always the credit class (its ratio, R-5.3), optionally by region too."""

    CREDIT_CLASS = "credit_class", _("按信用分类分层")
    REGION = "region", _("按行政区划和信用分类分层")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("草拟")
    DRAWING = "drawing", _("抽取中")
    DRAWN = "drawn", _("已抽取")
    CLOSED = "closed", _("已结束")


class DrawStatus(models.TextChoices):
    COMMITTING = "committing", _("等待各方提交随机数承诺")
    # the Justice Bureau holds its share itself: the pools are frozen, it reveals the share next
    FROZEN = "frozen", _("名录已冻结，等待市司法局公开随机数")
    DONE = "done", _("已抽取")
    SUPERSEDED = "superseded", _("已重新抽取（保留）")


class Party(models.TextChoices):
    LEAD = "lead", _("牵头机关")
    JUSTICE = "justice", _("市司法局")


class TaskStatus(models.TextChoices):
    ASSIGNED = "assigned", _("待检查")
    DONE = "done", _("已检查")
    PUBLISHED = "published", _("已公开")
    CANCELLED = "cancelled", _("已取消")


class Outcome(models.TextChoices):
    NO_PROBLEM = "no_problem", _("未发现问题")
    RECTIFY = "rectify", _("责令整改")
    REFERRED = "referred", _("移交处理")
    NOT_FOUND = "not_found", _("未找到检查对象")
    UNTRUE_COMMITMENT = "untrue_commitment", _("发现承诺不实")


FINDING_OUTCOMES = frozenset({Outcome.RECTIFY, Outcome.REFERRED, Outcome.UNTRUE_COMMITMENT})


class Recusal(models.TextChoices):
    """Why an inspector may not inspect a subject (回避), as data (R-4.3)."""

    HANDLED_CASE = "handled_case", _("办理过该对象的办件")
    DECLARED = "declared", _("本人申报的利害关系")
    HOUSEHOLD = "household", _("同户家庭成员")
    FORMER_EMPLOYER = "former_employer", _("曾在该单位任职")


class KeyReason(models.TextChoices):
    DISHONESTY = "dishonesty", _("有失信记录")
    COMPLAINT = "complaint", _("被投诉举报")
    CREDIT_CLASS = "credit_class", _("信用分类较差")


PushStatus = OutboxStatus  # a result push is a row of an outbox (core.outbox)


class Event(models.TextChoices):
    """Event codes of routine supervision (stable strings, ADR 0009)."""

    ITEM_SAVED = "supervision.item_saved", _("保存抽查事项")
    ITEM_PUBLISHED = "supervision.item_published", _("公布抽查事项清单")
    SUBJECT_LISTED = "supervision.subject_listed", _("纳入检查对象名录库")
    INSPECTOR_SAVED = "supervision.inspector_saved", _("保存执法检查人员")
    RECUSAL_DECLARED = "supervision.recusal_declared", _("申报回避关系")
    PLAN_CREATED = "supervision.plan_created", _("制定抽查计划")
    SEED_COMMITTED = "supervision.seed_committed", _("提交随机数承诺")
    POOL_FROZEN = "supervision.pool_frozen", _("冻结检查对象名录")
    DRAWN = "supervision.drawn", _("随机抽取")
    REDRAWN = "supervision.redrawn", _("重新抽取")
    TASK_NOTICE = "supervision.task_notice", _("告知检查对象")
    TASK_DONE = "supervision.task_done", _("录入检查结果")
    RESULT_PUBLISHED = "supervision.result_published", _("公开检查结果")
    KEY_LISTED = "supervision.key_listed", _("列入重点监管名单")
    KEY_REMOVED = "supervision.key_removed", _("移出重点监管名单")
    PARITY_REPORTED = "supervision.parity_reported", _("报送非歧视性监管分析")


# statuses of a draw under way (one per plan at a time)
DRAW_UNDER_WAY = (DrawStatus.COMMITTING, DrawStatus.FROZEN)

# results are public within this many working days of the inspection (setting overrides)
DEFAULT_PUBLICATION_DAYS = 20
# inspectors per task: two of the lead agency, one of each member of a joint inspection
LEAD_INSPECTORS = 2
MEMBER_INSPECTORS = 1
# at most this many members of a pool are shown inline in the public JSON; the whole pool is
# always a download (one reference per line)
INLINE_POOL_LIMIT = 20_000
