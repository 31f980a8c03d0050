from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    """阜阳市 and its counties, districts and county-level city (issue: agencies)."""

    FUYANG = "fuyang", _("阜阳市")
    YINGZHOU = "yingzhou", _("颍州区")
    YINGDONG = "yingdong", _("颍东区")
    YINGQUAN = "yingquan", _("颍泉区")
    JIESHOU = "jieshou", _("界首市")
    LINQUAN = "linquan", _("临泉县")
    TAIHE = "taihe", _("太和县")
    FUNAN = "funan", _("阜南县")
    YINGSHANG = "yingshang", _("颍上县")


class Level(models.TextChoices):
    CITY = "city", _("市级")
    COUNTY = "county", _("县（市、区）级")


class AgencyKind(models.TextChoices):
    """What an agency is, where the platform gives it a special part (Justice Bureau files)."""

    ORDINARY = "ordinary", _("行政机关")
    JUSTICE_BUREAU = "justice_bureau", _("司法局")
    DATA_BUREAU = "data_bureau", _("数据资源局")
    CREDIT_AUTHORITY = "credit_authority", _("发展改革委（信用办）")


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    CASE_OFFICER = "case_officer", _("承办人员")
    INSPECTOR = "inspector", _("核查人员")
    AGENCY_ADMIN = "agency_admin", _("部门管理员")
    JUSTICE_REVIEWER = "justice_reviewer", _("司法局审核人员")
    CREDIT_OFFICER = "credit_officer", _("信用管理人员")
    DATA_ADMIN = "data_admin", _("数据管理员")
    AUDITOR = "auditor", _("审计人员")
    # handles complaints and reports from the public: in an agency, those about the agency; in
    # the Justice Bureau, the oversight of every agency it oversees and the sealed identities
    COMPLAINT_HANDLER = "complaint_handler", _("投诉处理人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


STAFF_ROLES = frozenset(r for r in Role if r != Role.APPLICANT)


class Event(models.TextChoices):
    """Event codes of agencies and their staff (stable strings, ADR 0009)."""

    AGENCY_CREATED = "agencies.agency_created", _("新建机关")
    AGENCY_UPDATED = "agencies.agency_updated", _("修改机关")
    GRANTED = "agencies.membership_granted", _("授予角色")
    CHANGED = "agencies.membership_changed", _("调整角色")
    REVOKED = "agencies.membership_revoked", _("撤销角色")
