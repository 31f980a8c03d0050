"""Django admin for the catalog.

Items and versions are read-only here: items change only through filed proposals (R-7.2).
A proposal added here goes through the same rules as the workbench (services.validate_proposal
in the form's clean(), services.proposal_submit on save); existing proposals are read-only
(filing happens in the workbench). Matters are saved through matter_create / matter_update.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from chengnuo.agencies.constants import Role
from chengnuo.agencies.models import Agency
from chengnuo.agencies.policies import agency_ids_with_role
from chengnuo.core.admin import ReadOnlyAdmin

from . import policies, services
from .constants import ChangeAction
from .forms import SECTIONS, ItemFieldsForm
from .models import CatalogVersion, CertificationItem, ChangeProposal, Matter
from .rules import FIELD_LABELS, ITEM_FIELDS
from .views import PROPOSAL_LABELS, display_value


def _add_field_errors(form: forms.BaseForm, errors, labels: dict[str, Any]) -> None:
    for error in errors:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
        else:
            label = labels.get(error.field)
            form.add_error(None, f"{label}：{error.message}" if label else error.message)


# --- matters --------------------------------------------------------------------------------


class MatterAdminForm(forms.ModelForm):
    materials = forms.CharField(
        label=_("申请材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一项"),
    )
    request_user: Any = None

    class Meta:
        model = Matter
        fields = ("agency", "code", "name", "matter_type", "legal_basis", "materials")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["materials"] = "\n".join(self.instance.materials or [])
        for name in ("code", "name", "legal_basis"):
            if name in self.fields:
                self.fields[name].required = False  # the service names what is missing

    def clean_materials(self) -> list[str]:
        text = self.cleaned_data.get("materials") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate_unique(self):
        """Uniqueness of the code is the service's rule (matter_validate)."""

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        creating = self.instance.pk is None
        agency = cleaned.get("agency") if creating else self.instance.agency
        if agency is None:
            return cleaned
        errors = services.matter_validate(
            actor=self.request_user,
            agency=agency,
            data=self.service_data(),
            creating=creating,
        )
        _add_field_errors(self, errors, {})
        return cleaned

    def service_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        data = {
            "name": cleaned.get("name") or "",
            "matter_type": cleaned.get("matter_type") or "",
            "legal_basis": cleaned.get("legal_basis") or "",
            "materials": cleaned.get("materials") or [],
        }
        if self.instance.pk is None:
            data["code"] = (cleaned.get("code") or "").strip()
        return data


@admin.register(Matter)
class MatterAdmin(admin.ModelAdmin):
    form = MatterAdminForm
    list_display = ("code", "name", "matter_type", "agency")
    list_filter = ("matter_type", "agency__level")
    search_fields = ("code", "name")
    list_select_related = ("agency",)

    def get_readonly_fields(self, request, obj=None):
        return ("agency", "code") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            ids = agency_ids_with_role(request.user, Role.AGENCY_ADMIN)
            if ids:
                kwargs["queryset"] = Agency.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.service_data()
        if change:
            saved = services.matter_update(actor=request.user, matter=obj, data=data)
        else:
            saved = services.matter_create(
                actor=request.user, agency=form.cleaned_data["agency"], data=data
            )
        obj.__dict__.update(saved.__dict__)

    def has_delete_permission(self, request, obj=None):
        return False


# --- items and versions (read-only) ---------------------------------------------------------


@admin.register(CertificationItem)
class CertificationItemAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "agency", "under_commitment", "status", "effective_date")
    list_filter = ("status", "under_commitment", "agency__level")
    search_fields = ("code", "name", "issuer")
    list_select_related = ("agency",)
    readonly_fields = ("workbench_link",)

    @admin.display(description=_("调整"))
    def workbench_link(self, obj: CertificationItem):
        url = reverse("catalog:proposal_create")
        return format_html(
            '<a href="{}?action=amend&amp;agency={}&amp;item={}">{}</a>',
            url,
            obj.agency_id,
            obj.code,
            _("在工作台申报调整"),
        )


@admin.register(CatalogVersion)
class CatalogVersionAdmin(ReadOnlyAdmin):
    list_display = ("agency", "number", "effective_date", "published_at", "item_count", "digest")
    list_filter = ("agency__level",)
    search_fields = ("agency__name",)
    list_select_related = ("agency",)
    fields = ("agency", "number", "effective_date", "published_at", "digest", "item_count", "items")
    readonly_fields = fields

    @admin.display(description=_("证明事项数"))
    def item_count(self, obj: CatalogVersion) -> int:
        return len(obj.items or {})


# --- proposals ------------------------------------------------------------------------------


class ChangeProposalAdminForm(ItemFieldsForm, forms.ModelForm):
    """Adding a proposal in the admin: the same fields and the same rules as the workbench."""

    matter_codes = forms.CharField(  # type: ignore[assignment]  # codes typed, not ticked
        label=_("适用事项编码"),
        required=False,
        help_text=_("本机关行政事项编码，多个以逗号分隔"),
        widget=forms.TextInput(attrs={"size": 60}),
    )
    request_user: Any = None

    class Meta:
        model = ChangeProposal
        fields = ("agency", "action", "item_code", "reason", "law_change", "effective_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("item_code", "reason", "law_change", "effective_date"):
            self.fields[name].required = False  # validate_proposal names what is missing
        self.submit_payload: dict[str, Any] | None = None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        agency, action = cleaned.get("agency"), cleaned.get("action")
        if agency is None or not action:
            return cleaned
        if not policies.can_manage_catalog(self.request_user, agency.pk):
            self.add_error("agency", _("只有本机关的部门管理员可以申报目录调整"))
        payload = None if action == ChangeAction.REMOVE else self.item_payload()
        _clean, _item, errors = services.validate_proposal(
            agency=agency,
            action=action,
            item_code=(cleaned.get("item_code") or "").strip(),
            payload=payload,
            reason=cleaned.get("reason") or "",
            law_change=cleaned.get("law_change") or "",
            effective_date=cleaned.get("effective_date"),
        )
        _add_field_errors(self, errors, PROPOSAL_LABELS)
        self.submit_payload = payload
        return cleaned


ADD_FIELDSETS = [
    (_("申报"), {"fields": ("agency", "action", "item_code")}),
    *[
        (
            title,
            {
                "fields": tuple(f for f in names if f not in ("action", "item_code")),
                "description": _("调整类型为“取消”时无需填写证明事项字段。") if i == 0 else "",
            },
        )
        for i, (title, names) in enumerate(SECTIONS)
    ],
]
VIEW_FIELDS = (
    "agency",
    "action",
    "item_code",
    "item",
    "status",
    "payload_display",
    "reason",
    "law_change",
    "effective_date",
    "submitted_by",
    "created_at",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
    "version",
    "import_batch",
    "workbench_link",
)


@admin.register(ChangeProposal)
class ChangeProposalAdmin(admin.ModelAdmin):
    form = ChangeProposalAdminForm
    list_display = (
        "id",
        "agency",
        "action",
        "item_code",
        "effective_date",
        "status",
        "submitted_by",
        "created_at",
    )
    list_filter = ("status", "action", "agency__level")
    search_fields = ("item_code", "reason", "agency__name")
    list_select_related = ("agency", "submitted_by")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ADD_FIELDSETS
        return ((None, {"fields": VIEW_FIELDS}),)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else VIEW_FIELDS

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["form"] = forms.ModelForm  # read-only display of an existing proposal
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # type: ignore[attr-defined]
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "agency":
            ids = agency_ids_with_role(request.user, Role.AGENCY_ADMIN)
            if ids:
                kwargs["queryset"] = Agency.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return  # existing proposals are read-only (filing happens in the workbench)
        data = form.cleaned_data
        proposal = services.proposal_submit(
            actor=request.user,
            agency=data["agency"],
            action=data["action"],
            item_code=(data.get("item_code") or "").strip(),
            payload=form.submit_payload,
            reason=data.get("reason") or "",
            law_change=data.get("law_change") or "",
            effective_date=data.get("effective_date"),
        )
        obj.__dict__.update(proposal.__dict__)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("拟调整内容"))
    def payload_display(self, obj: ChangeProposal):
        if not obj.payload:
            return "—"
        rows = (
            (FIELD_LABELS[field], display_value(field, obj.payload.get(field)))
            for field in ITEM_FIELDS
            if field in obj.payload
        )
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description=_("工作台"))
    def workbench_link(self, obj: ChangeProposal):
        url = reverse("catalog:proposal_detail", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("在工作台查看、备案或退回"))
