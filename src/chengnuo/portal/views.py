"""The public portal (R-7.1, R-3.5, R-7.2): catalog search, items, matters, agencies, catalog
versions and their comparison, downloads; plus the staff workbench landing page.

Views are thin: every read goes through `catalog.selectors`; a selector's NotFound becomes a
404. Query parameters are untrusted: unknown values are ignored with a message in Chinese,
never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chengnuo.agencies.constants import AgencyKind, Region, Role
from chengnuo.agencies.policies import auditable_agency_ids, is_system_admin, memberships
from chengnuo.catalog import exports, selectors
from chengnuo.catalog.constants import MatterType, PriorityDomain
from chengnuo.catalog.models import CertificationItem
from chengnuo.catalog.rules import FIELD_LABELS, diff_snapshots
from chengnuo.core.errors import NotFound
from chengnuo.documents import guides as document_guides
from chengnuo.documents import selectors as document_selectors

PAGE_SIZE = 30
MAX_Q_LENGTH = 100
MAX_DB_ID = 2**63 - 1  # ids beyond a signed 64-bit integer cannot exist
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

T = TypeVar("T")


# --- helpers --------------------------------------------------------------------------------


def _get_or_404(getter: Callable[..., T], *args: Any) -> T:
    try:
        return getter(*args)
    except NotFound as exc:
        raise Http404 from exc


def _parse_id(raw: str | None) -> int | None:
    """A positive database id from a query parameter, or None when not one."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 19 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_DB_ID else None


def _check_pk(pk: int) -> int:
    if not 0 < pk <= MAX_DB_ID:
        raise Http404
    return pk


def _choice(raw: str | None, values: Iterable[str]) -> str | None:
    """The value if it is one of `values`, "" when absent, None when unknown."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    return raw if raw in set(values) else None


def _clean_q(raw: str | None, warnings: list[str]) -> str:
    q = _CONTROL_CHARS.sub(" ", raw or "").strip()
    if len(q) > MAX_Q_LENGTH:
        warnings.append(
            _("检索词过长，仅按前%(n)d个字符检索。") % {"n": MAX_Q_LENGTH},
        )
        q = q[:MAX_Q_LENGTH].strip()
    return q


def _paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page:
    # get_page() turns a non-integer page into page 1 and a too-large one into the last page.
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _is_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _label_items(items: Iterable[CertificationItem]) -> list[CertificationItem]:
    """Attach the Chinese labels of the priority domains for the item table."""
    labelled = list(items)
    for item in labelled:
        item.priority_domain_labels = exports.domain_labels(  # type: ignore[attr-defined]
            "priority_domains", item.priority_domains
        )
    return labelled


@dataclass
class ItemFilters:
    """The catalog search and export filters (R-7.1), validated."""

    q: str = ""
    agency_id: int | None = None
    region: str = ""
    domain: str = ""
    matter_type: str = ""
    include_all: bool = False
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: QueryDict) -> ItemFilters:
        warnings: list[str] = []
        q = _clean_q(params.get("q"), warnings)
        raw_agency = params.get("agency", "")
        agency_id = _parse_id(raw_agency)
        if raw_agency.strip() and agency_id is None:
            warnings.append(_("“实施机关”参数无效，已忽略该条件。"))
        region = _choice(params.get("region"), Region.values)
        if region is None:
            warnings.append(_("未知的行政区划，已忽略该条件。"))
        domain = _choice(params.get("domain"), PriorityDomain.values)
        if domain is None:
            warnings.append(_("未知的重点领域，已忽略该条件。"))
        matter_type = _choice(params.get("matter_type"), MatterType.values)
        if matter_type is None:
            warnings.append(_("未知的事项类型，已忽略该条件。"))
        return cls(
            q=q,
            agency_id=agency_id,
            region=region or "",
            domain=domain or "",
            matter_type=matter_type or "",
            include_all=params.get("all") == "1",
            warnings=warnings,
        )

    def selector_kwargs(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "agency_id": self.agency_id,
            "region": self.region,
            "domain": self.domain,
            "matter_type": self.matter_type,
            "under_commitment": None if self.include_all else True,
        }

    def querystring(self) -> str:
        params: dict[str, Any] = {
            "q": self.q,
            "agency": self.agency_id or "",
            "region": self.region,
            "domain": self.domain,
            "matter_type": self.matter_type,
            "all": "1" if self.include_all else "",
        }
        return urlencode({k: v for k, v in params.items() if v})


def _export_links(querystring: str) -> list[tuple[str, str]]:
    suffix = f"?{querystring}" if querystring else ""
    return [
        (label, reverse("portal:export", kwargs={"fmt": fmt}) + suffix)
        for fmt, label in (("xlsx", "XLSX"), ("csv", "CSV"), ("json", "JSON"))
    ]


# --- home -----------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    """What the platform is, items under commitment per priority domain (R-1.2), agencies."""
    return render(
        request,
        "portal/home.html",
        {
            "counts": selectors.public_domain_counts(),
            "regions": selectors.public_agencies_by_region(),
        },
    )


# --- catalog --------------------------------------------------------------------------------


def catalog(request: HttpRequest) -> HttpResponse:
    """R-7.1: search the published catalog. With htmx only the results block is returned."""
    filters = ItemFilters.from_params(request.GET)
    page = _paginate(request, selectors.public_items(**filters.selector_kwargs()))
    context: dict[str, Any] = {
        "filters": filters,
        "page_obj": page,
        "items": _label_items(page.object_list),
        "export_links": _export_links(filters.querystring()),
    }
    if _is_partial(request):
        response = render(request, "portal/catalog.html#results", context)
    else:
        context.update(
            agencies=selectors.public_agency_choices(),
            regions=Region.choices,
            domains=PriorityDomain.choices,
            matter_types=MatterType.choices,
        )
        response = render(request, "portal/catalog.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download the catalog for the search filters as XLSX, CSV or JSON."""
    if fmt not in exports.FORMATS:
        raise Http404
    filters = ItemFilters.from_params(request.GET)
    items = selectors.public_items(**filters.selector_kwargs()).iterator(chunk_size=2000)
    body = exports.export_items(items, fmt)
    filename = exports.export_filename(fmt, agency_id=filters.agency_id, on=timezone.localdate())
    response = HttpResponse(body, content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """Every field of an item with Chinese labels, the matters requiring it, its history."""
    item = _get_or_404(selectors.public_item_get, code)
    values = exports.item_values(item)
    meta = CertificationItem._meta
    fields = [
        (meta.get_field("code").verbose_name, item.code),
        (meta.get_field("agency").verbose_name, item.agency.name),
    ]
    fields += [
        (label, exports.display_text(key, values[key]))
        for key, label in FIELD_LABELS.items()
        if key != "matter_codes"
    ]
    fields += [
        (meta.get_field("status").verbose_name, item.get_status_display()),
        (meta.get_field("effective_date").verbose_name, item.effective_date.isoformat()),
    ]
    return render(
        request,
        "portal/item_detail.html",
        {
            "item": item,
            "fields": fields,
            "matters": list(item.matters.all()),
            "versions": selectors.item_versions(item),
            "proposals": selectors.item_effective_proposals(item),
            "domain_labels": exports.domain_labels("priority_domains", item.priority_domains),
            # staff who may read this agency's audit trail get a link to the item's full history
            # the published notification and commitment templates of the item
            "template_versions": [
                v
                for v in (
                    document_selectors.public_latest_version(item, "notification"),
                    document_selectors.public_latest_version(item, "commitment"),
                )
                if v is not None
            ],
            "can_see_audit": request.user.is_authenticated
            and (item.agency_id in auditable_agency_ids(request.user)),
        },
    )


# --- matters --------------------------------------------------------------------------------


def matters(request: HttpRequest) -> HttpResponse:
    warnings: list[str] = []
    q = _clean_q(request.GET.get("q"), warnings)
    raw_agency = request.GET.get("agency", "")
    agency_id = _parse_id(raw_agency)
    if raw_agency.strip() and agency_id is None:
        warnings.append(_("“实施机关”参数无效，已忽略该条件。"))
    matter_type = _choice(request.GET.get("matter_type"), MatterType.values)
    if matter_type is None:
        warnings.append(_("未知的事项类型，已忽略该条件。"))
    queryset = selectors.public_matters_listing(
        agency_id=agency_id, q=q, matter_type=matter_type or ""
    )
    return render(
        request,
        "portal/matters.html",
        {
            "page_obj": _paginate(request, queryset),
            "q": q,
            "agency_id": agency_id,
            "matter_type": matter_type or "",
            "warnings": warnings,
            "agencies": selectors.public_agency_choices(),
            "matter_types": MatterType.choices,
        },
    )


def matter_detail(request: HttpRequest, code: str) -> HttpResponse:
    """R-3.5: the application materials, with each item under commitment marked."""
    matter = _get_or_404(selectors.public_matter_get, code)
    return render(
        request,
        "portal/matter_detail.html",
        {
            "matter": matter,
            "items": selectors.matter_items_in_force(matter),
            "guide": document_guides.public_latest_guide(matter),
        },
    )


# --- agencies -------------------------------------------------------------------------------


def agency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """R-7.1: one agency's published catalog, its versions and downloads."""
    agency = _get_or_404(selectors.public_agency_get, _check_pk(pk))
    page = _paginate(request, selectors.public_items(agency_id=agency.pk))
    return render(
        request,
        "portal/agency_detail.html",
        {
            "agency": agency,
            "page_obj": page,
            "items": _label_items(page.object_list),
            "versions": selectors.public_versions_listing(agency_id=agency.pk),
            "export_links": _export_links(urlencode({"agency": agency.pk})),
        },
    )


# --- versions -------------------------------------------------------------------------------


def versions(request: HttpRequest) -> HttpResponse:
    """R-7.2: the filed catalog versions, each with its SM3 digest."""
    warnings: list[str] = []
    raw_agency = request.GET.get("agency", "")
    agency_id = _parse_id(raw_agency)
    if raw_agency.strip() and agency_id is None:
        warnings.append(_("“机关”参数无效，已忽略该条件。"))
    return render(
        request,
        "portal/versions.html",
        {
            "page_obj": _paginate(request, selectors.public_versions_listing(agency_id=agency_id)),
            "agency_id": agency_id,
            "agencies": selectors.public_agency_choices(),
            "warnings": warnings,
        },
    )


def _snapshot_row(code: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": code,
        "name": fields.get("name", ""),
        "proof_content": fields.get("proof_content", ""),
        "issuer": fields.get("issuer", ""),
        "under_commitment": bool(fields.get("under_commitment")),
        "domains": exports.domain_labels("priority_domains", fields.get("priority_domains")),
        "verification_method": exports.display_text(
            "verification_method", fields.get("verification_method")
        ),
    }


def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _get_or_404(selectors.public_version_get, _check_pk(pk))
    rows = [_snapshot_row(code, fields) for code, fields in sorted(version.items.items())]
    return render(
        request,
        "portal/version_detail.html",
        {
            "version": version,
            "rows": rows,
            "previous": selectors.version_previous(version),
        },
    )


def _changed_fields(fields: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    order = list(FIELD_LABELS)
    keys = sorted(fields, key=lambda f: (order.index(f) if f in order else len(order), f))
    return [
        {
            "label": FIELD_LABELS.get(key, key),
            "before": exports.display_text(key, fields[key]["before"]),
            "after": exports.display_text(key, fields[key]["after"]),
        }
        for key in keys
    ]


def version_compare(request: HttpRequest) -> HttpResponse:
    """R-7.2: what was added, changed (field by field) and removed between two versions.

    `?b=<pk>` alone compares version b with the version just before it."""
    raw_a, raw_b = request.GET.get("a", "").strip(), request.GET.get("b", "").strip()
    a_id, b_id = _parse_id(raw_a), _parse_id(raw_b)
    context: dict[str, Any] = {"a_id": a_id, "b_id": b_id, "error": "", "diff": None}
    status = 200
    if (raw_a and a_id is None) or (raw_b and b_id is None):
        context["error"] = _("版本参数无效：a 和 b 应为目录版本的编号，请在下方重新选择。")
        status = 400
    elif b_id is not None and a_id is None and not raw_a:
        new = _get_or_404(selectors.public_version_get, b_id)
        old = selectors.version_previous(new)
        if old is not None:
            context["a_id"] = a_id = old.pk
    if a_id is not None and b_id is not None and not context["error"]:
        old = _get_or_404(selectors.public_version_get, a_id)
        new = _get_or_404(selectors.public_version_get, b_id)
        context.update(old=old, new=new)
        if old.agency_id != new.agency_id:
            context["error"] = _(
                "只能比较同一机关的目录版本：所选的两个版本分别属于“%(a)s”和“%(b)s”。"
            ) % {"a": old.agency.name, "b": new.agency.name}
            status = 400
        else:
            context["diff"] = _present_diff(diff_snapshots(old.items, new.items), old, new)
    context["all_versions"] = selectors.public_versions()
    return render(request, "portal/version_compare.html", context, status=status)


def _present_diff(diff: dict[str, Any], old: Any, new: Any) -> dict[str, Any]:
    return {
        "added": [_snapshot_row(a["code"], new.items[a["code"]]) for a in diff["added"]],
        "removed": [_snapshot_row(r["code"], old.items[r["code"]]) for r in diff["removed"]],
        "changed": [
            {"code": c["code"], "name": c["name"], "fields": _changed_fields(c["fields"])}
            for c in diff["changed"]
        ],
    }


# --- staff workbench ------------------------------------------------------------------------

# Links by role: (URL name, query string, label). URL names of other apps may not exist yet;
# missing ones are skipped.
ROLE_LINKS: dict[str, list[tuple[str, str, Any]]] = {
    Role.AGENCY_ADMIN: [
        ("catalog:proposal_list", "", gettext_lazy("目录调整申报")),
        ("catalog:proposal_create", "", gettext_lazy("新建目录调整申报")),
        ("catalog:import", "", gettext_lazy("批量导入目录清单")),
        ("catalog:matter_list", "", gettext_lazy("行政事项管理")),
        ("credit:notices", "", gettext_lazy("严重失信通报")),
        ("documents:staff_drafts", "", gettext_lazy("告知书和承诺书编辑")),
        ("documents:guide_staff_drafts", "", gettext_lazy("办事指南和工作规程编辑")),
        ("verification:plans", "", gettext_lazy("核查计划")),
        ("verification:dashboard", "", gettext_lazy("核查工作台")),
        ("verification:assistance_inbox", "", gettext_lazy("协助核查")),
        ("supervision:items", "", gettext_lazy("抽查事项清单")),
        ("supervision:plans", "", gettext_lazy("双随机抽查计划")),
        ("oversight:key_tasks", "", gettext_lazy("重点任务进展报送")),
        ("oversight:reports", "", gettext_lazy("督察情况通报签收")),
        ("oversight:rectifications", "", gettext_lazy("督查整改通知")),
        ("oversight:portal_checks", "", gettext_lazy("网站检查发现的问题")),
        ("oversight:casereview_list", "", gettext_lazy("本单位案卷评查结果")),
        ("oversight:indicator_evaluations", "", gettext_lazy("本单位考评得分")),
        ("oversight:learning_proposals", "", gettext_lazy("司法局目录评估建议")),
        ("oversight:ft_index", "", gettext_lazy("本单位容错审查")),
        ("supervision:key_list", "", gettext_lazy("重点监管名单")),
        ("supervision:parity", "", gettext_lazy("非歧视性监管分析")),
        ("complaints:list", "", gettext_lazy("投诉举报")),
        ("audit:index", "", gettext_lazy("本机关审计记录")),
        ("audit:alerts", "", gettext_lazy("安全提醒")),
    ],
    Role.COMPLAINT_HANDLER: [
        ("complaints:list", "", gettext_lazy("投诉举报")),
        ("complaints:list", "?overdue=1", gettext_lazy("超期的投诉举报")),
        ("complaints:oversight", "", gettext_lazy("投诉举报监督")),
    ],
    Role.JUSTICE_REVIEWER: [
        ("oversight:dashboard", "", gettext_lazy("告知承诺制推进情况总览")),
        ("oversight:key_tasks", "", gettext_lazy("重点任务分解表")),
        ("oversight:joint_list", "", gettext_lazy("联合督查")),
        ("oversight:reports", "", gettext_lazy("督察情况通报")),
        ("oversight:rectifications", "", gettext_lazy("整改通知")),
        ("oversight:portal_checks", "", gettext_lazy("浏览政务服务网站")),
        ("oversight:casereview_list", "", gettext_lazy("调阅案卷和案卷评查")),
        ("oversight:indicator_evaluations", "", gettext_lazy("考评指标和考评结果")),
        ("oversight:learning_items", "", gettext_lazy("告知承诺事项核查结果评估")),
        ("oversight:ft_index", "", gettext_lazy("容错审查")),
        ("catalog:proposal_list", "?status=submitted", gettext_lazy("待备案的目录调整申报")),
        ("documents:staff_drafts", "", gettext_lazy("告知书和承诺书编辑")),
        ("documents:guide_staff_drafts", "", gettext_lazy("办事指南和工作规程编辑")),
        ("verification:assistance_overdue", "", gettext_lazy("协助核查超期情况")),
        ("supervision:plans", "", gettext_lazy("双随机抽查（提交随机数承诺）")),
        ("supervision:parity", "", gettext_lazy("非歧视性监管分析")),
        ("complaints:oversight", "", gettext_lazy("投诉举报监督")),
        ("audit:index", "", gettext_lazy("审计记录")),
        ("audit:log_status", "", gettext_lazy("存证日志见证情况")),
    ],
    Role.WINDOW_CLERK: [
        ("cases:window", "", gettext_lazy("窗口受理")),
        ("cases:queue", "?status=draft", gettext_lazy("填报中的办件")),
        ("credit:lookup", "", gettext_lazy("事中核查信用")),
        ("credit:notices", "", gettext_lazy("严重失信通报")),
    ],
    Role.CASE_OFFICER: [
        ("cases:queue", "", gettext_lazy("办件队列（待决定）")),
        ("cases:queue", "?overdue=1", gettext_lazy("超期办件")),
        ("verification:dashboard", "", gettext_lazy("核查工作台")),
        ("verification:assistance_inbox", "", gettext_lazy("协助核查")),
        ("credit:lookup", "", gettext_lazy("事中核查信用")),
        ("credit:notices", "", gettext_lazy("严重失信通报")),
    ],
    Role.INSPECTOR: [
        ("verification:inspection_list", "", gettext_lazy("现场核查任务")),
        ("supervision:tasks", "", gettext_lazy("双随机抽查任务")),
        ("verification:assistance_inbox", "", gettext_lazy("协助核查")),
        ("credit:lookup", "", gettext_lazy("事中核查信用")),
        ("credit:notices", "", gettext_lazy("严重失信通报")),
    ],
    Role.CREDIT_OFFICER: [
        ("credit:officer_queue", "", gettext_lazy("信用修复与异议待办")),
        ("credit:overdue", "", gettext_lazy("超期未办事项")),
        ("credit:push_log", "", gettext_lazy("信用信息推送记录")),
        ("credit:lookup", "", gettext_lazy("事中核查信用")),
    ],
    Role.DATA_ADMIN: [
        ("verification:sources", "", gettext_lazy("数据源登记（在线核查）")),
        ("verification:assistance_inbox", "", gettext_lazy("协助核查")),
    ],
    Role.AUDITOR: [
        ("audit:index", "", gettext_lazy("审计记录")),
        ("audit:alerts", "", gettext_lazy("安全提醒")),
        ("verification:dashboard", "", gettext_lazy("核查工作台")),
        ("verification:assistance_overdue", "", gettext_lazy("协助核查超期情况")),
        ("supervision:plans", "", gettext_lazy("双随机抽查计划")),
        ("supervision:parity", "", gettext_lazy("非歧视性监管分析")),
        ("complaints:list", "", gettext_lazy("投诉举报")),
        ("complaints:oversight", "", gettext_lazy("投诉举报监督")),
        ("audit:log_status", "", gettext_lazy("存证日志见证情况")),
    ],
    Role.APPLICANT: [
        ("cases:mine", "", gettext_lazy("我的办件")),
        ("cases:start", "", gettext_lazy("网上申请办理")),
        ("credit:my_credit", "", gettext_lazy("我的信用（修复与异议）")),
    ],
}


# pages only the Justice Bureau's members use: shown to a role only where the user holds it
# in a Justice Bureau (an ordinary agency's auditor would be refused there)
JUSTICE_BUREAU_ONLY = frozenset(
    {
        "verification:assistance_overdue",
        "audit:log_status",
        "complaints:oversight",
        "oversight:dashboard",
        "oversight:joint_list",
        "oversight:learning_items",
    }
)


def _links(specs: Iterable[tuple[str, str, Any]]) -> list[tuple[str, str]]:
    links = []
    for name, query, label in specs:
        try:
            links.append((str(label), reverse(name) + query))
        except NoReverseMatch:
            continue
    return links


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """Staff landing page: the user's roles per agency and the pages each role uses."""
    user_memberships = sorted(
        memberships(request.user),
        key=lambda m: (m.agency.name if m.agency else "", m.role),
    )
    in_justice_bureau = {
        m.role for m in user_memberships if m.agency and m.agency.kind == AgencyKind.JUSTICE_BUREAU
    }
    role_sections = []
    for role in Role:
        if any(m.role == role for m in user_memberships) and role in ROLE_LINKS:
            specs = [
                spec
                for spec in ROLE_LINKS[role]
                if spec[0] not in JUSTICE_BUREAU_ONLY or role in in_justice_bureau
            ]
            links = _links(specs)
            if links:
                role_sections.append({"role": role.label, "links": links})
    admin_links = []
    if request.user.is_staff or is_system_admin(request.user):
        admin_links = _links([("admin:index", "", gettext_lazy("系统管理后台"))])
    return render(
        request,
        "portal/workbench.html",
        {
            "memberships": user_memberships,
            "role_sections": role_sections,
            "admin_links": admin_links,
        },
    )
