from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTITY = "entity", _("法人和其他组织")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    USCC = "uscc", _("统一社会信用代码")


PERSON_ID_TYPES = (
    IdType.RESIDENT_ID,
    IdType.PASSPORT,
    IdType.HK_MACAO_PERMIT,
    IdType.TAIWAN_PERMIT,
)


class RecordKind(models.TextChoices):
    FALSE_COMMITMENT = "false_commitment", _("虚假承诺")
    COMMITMENT_KEPT = "commitment_kept", _("守诺")
    EXTERNAL_DISHONESTY = "external_dishonesty", _("其他失信记录（信用平台）")


class Grade(models.TextChoices):
    """R-5.5: dishonesty graded by social impact."""

    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("较重")
    SEVERE = "severe", _("严重")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("有效")
    UNDER_OBJECTION = "under_objection", _("异议处理中")
    REPAIRED = "repaired", _("已修复")
    REMOVED = "removed", _("已撤销")


class RepairStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已准予修复")
    REFUSED = "refused", _("不予修复")


class ObjectionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("处理中")
    CORRECTED = "corrected", _("已更正")
    UPHELD = "upheld", _("维持原记录")


class RiskLevel(models.TextChoices):
    """R-6.4: pre-event credit warning; A is the best."""

    A = "A", _("A 信用良好")
    B = "B", _("B 信用一般")
    C = "C", _("C 信用较差")
    D = "D", _("D 信用差")


class Event(models.TextChoices):
    SUBJECT_REGISTERED = "credit.subject_registered", _("登记申请人")
    SUBJECT_LINKED = "credit.subject_linked", _("关联申请人账号")
    IDENTIFIER_VIEWED = "credit.identifier_viewed", _("查看完整证件号码")
    # an exact lookup by the full identifier found this subject: a lawful context
    SUBJECT_FOUND = "credit.subject_found", _("按证件号码精确查询")
    CREDIT_LOOKUP = "credit.lookup", _("事中核查信用")
    RECORD_CREATED = "credit.record_created", _("记入信用记录")
    REPAIR_SUBMITTED = "credit.repair_submitted", _("申请信用修复")
    REPAIR_MATERIAL_ADDED = "credit.repair_material_added", _("补充信用修复材料")
    REPAIR_APPROVED = "credit.repair_approved", _("准予信用修复")
    REPAIR_REFUSED = "credit.repair_refused", _("不予信用修复")
    OBJECTION_SUBMITTED = "credit.objection_submitted", _("提出异议")
    OBJECTION_CORRECTED = "credit.objection_corrected", _("异议成立，更正记录")
    OBJECTION_UPHELD = "credit.objection_upheld", _("异议不成立，维持记录")
