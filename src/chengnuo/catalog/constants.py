from django.db import models
from django.utils.translation import gettext_lazy as _


class MatterType(models.TextChoices):
    """R-1.1: application-based administrative matters."""

    LICENSING = "licensing", _("行政许可")
    CONFIRMATION = "confirmation", _("行政确认")
    BENEFIT = "benefit", _("行政给付")
    OTHER = "other", _("其他依申请事项")


class PriorityDomain(models.TextChoices):
    """R-1.2: domains where commitment is to be rolled out first, tagged and reported on."""

    HOUSEHOLD_REGISTRATION = "household_registration", _("户籍管理")
    MARKET_ENTITY_OPERATION = "market_entity_operation", _("市场主体准营")
    QUALIFICATION_EXAM = "qualification_exam", _("资格考试")
    SOCIAL_INSURANCE = "social_insurance", _("社会保险")
    SOCIAL_ASSISTANCE = "social_assistance", _("社会救助")
    HEALTH_CHECK = "health_check", _("健康体检")
    LEGAL_SERVICES = "legal_services", _("法律服务")


class ExcludedDomain(models.TextChoices):
    """R-1.3: an item touching any of these can never be under commitment."""

    NATIONAL_SECURITY = "national_security", _("国家安全")
    STATE_SECRETS = "state_secrets", _("国家秘密")
    PUBLIC_SAFETY = "public_safety", _("公共安全")
    FINANCIAL_PRUDENTIAL = "financial_prudential", _("金融业审慎监管")
    ECOLOGICAL_ENVIRONMENT = "ecological_environment", _("生态环境保护")
    PERSONAL_HEALTH_SAFETY = "personal_health_safety", _("直接关系人身健康、生命财产安全")
    FOREIGN_AFFAIRS = "foreign_affairs", _("重要涉外")


class VerificationMethod(models.TextChoices):
    """R-4.1: how a commitment is verified (used by the verification issue)."""

    ONLINE = "online", _("在线核查")
    ON_SITE = "on_site", _("现场核查")
    ASSISTANCE = "assistance", _("协助核查")
    EXEMPT = "exempt", _("免于核查")


class DisclosureScope(models.TextChoices):
    """R-6.3: where published commitment letters appear."""

    NONE = "", _("不公开")
    SERVICE_HALL = "service_hall", _("服务场所")
    WEBSITE = "website", _("门户网站")
    NATIONAL_PLATFORM = "national_platform", _("门户网站及全国一体化政务服务平台")


class ItemStatus(models.TextChoices):
    IN_FORCE = "in_force", _("施行中")
    REMOVED = "removed", _("已取消")


class ChangeAction(models.TextChoices):
    ADD = "add", _("新增")
    AMEND = "amend", _("调整")
    REMOVE = "remove", _("取消")


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待备案")
    FILED = "filed", _("已备案（待生效）")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")
    EFFECTIVE = "effective", _("已生效")


class Event(models.TextChoices):
    """Audit event codes of the catalog (stable strings)."""

    MATTER_CREATED = "catalog.matter_created", _("新增行政事项")
    MATTER_UPDATED = "catalog.matter_updated", _("修改行政事项")
    PROPOSAL_SUBMITTED = "catalog.proposal_submitted", _("提交目录调整申报")
    PROPOSAL_FILED = "catalog.proposal_filed", _("目录调整备案")
    PROPOSAL_RETURNED = "catalog.proposal_returned", _("退回目录调整申报")
    PROPOSAL_WITHDRAWN = "catalog.proposal_withdrawn", _("撤回目录调整申报")
    PROPOSAL_RESUBMITTED = "catalog.proposal_resubmitted", _("修改后重新提交申报")
    ITEM_ADDED = "catalog.item_added", _("新增证明事项")
    ITEM_AMENDED = "catalog.item_amended", _("调整证明事项")
    ITEM_REMOVED = "catalog.item_removed", _("取消证明事项")
    VERSION_PUBLISHED = "catalog.version_published", _("发布目录版本")
    IMPORT_SUBMITTED = "catalog.import_submitted", _("批量导入目录清单")
