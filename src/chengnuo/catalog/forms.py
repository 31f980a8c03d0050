"""Forms of the staff workbench. They only collect input: every rule lives in catalog.rules /
catalog.services, and a refusal (DomainError) is mapped back onto the fields here."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .constants import (
    ChangeAction,
    DisclosureScope,
    ExcludedDomain,
    MatterType,
    PriorityDomain,
    ProposalStatus,
    VerificationMethod,
)
from .rules import FIELD_LABELS, ITEM_FIELDS


def _label(field: str):
    """The one label of an item field (rules.FIELD_LABELS), translated lazily."""
    return lazy(lambda: gettext(FIELD_LABELS[field]), str)()


def _text(field: str, *, rows: int | None = None, help_text: Any = "") -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput(attrs={"size": 60})
    # required=False: the service says what is missing, with the rule's own message.
    return forms.CharField(
        label=_label(field), required=False, strip=True, widget=widget, help_text=help_text
    )


def _flag(field: str, help_text: Any = "") -> forms.BooleanField:
    return forms.BooleanField(label=_label(field), required=False, help_text=help_text)


def _days(field: str, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=_label(field),
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )


class ItemFieldsForm(forms.Form):
    """Every field of a certification item (rules.FIELD_LABELS), shared by the workbench form
    and the Django admin's proposal form."""

    name = _text("name")
    proof_content = _text("proof_content", rows=3)
    issuer = _text("issuer")
    legal_basis = _text(
        "legal_basis", rows=3, help_text=_("写明法律、法规、规章或决定的名称及条款")
    )
    matter_codes = forms.MultipleChoiceField(
        label=_label("matter_codes"),
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("实行告知承诺制的证明事项必须关联至少一个本机关的行政事项"),
    )
    priority_domains = forms.MultipleChoiceField(
        label=_label("priority_domains"),
        required=False,
        choices=PriorityDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("重点推行告知承诺制的领域"),
    )
    excluded_domains = forms.MultipleChoiceField(
        label=_label("excluded_domains"),
        required=False,
        choices=ExcludedDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("涉及以下任一领域的证明事项不得实行告知承诺制"),
    )
    other_high_risk = _flag(
        "other_high_risk", help_text=_("风险较大、纠错成本较高、损害难以挽回的其他事项")
    )
    other_high_risk_reason = _text("other_high_risk_reason", rows=2)
    under_commitment = _flag("under_commitment")
    verification_method = forms.ChoiceField(
        label=_label("verification_method"),
        required=False,
        choices=[("", _("—请选择—")), *VerificationMethod.choices],
    )
    verification_time_limit_days = _days("verification_time_limit_days")
    verification_standard = _text("verification_standard", rows=2)
    disclosure_scope = forms.ChoiceField(
        label=_label("disclosure_scope"),
        required=False,
        choices=DisclosureScope.choices,
        help_text=_("涉及公共利益、第三方利益或难以核查的，承诺书应当公开"),
    )
    disclosure_period_days = _days("disclosure_period_days")
    liability_insurance_required = _flag(
        "liability_insurance_required", help_text=_("经济价值较高且难以核查的事项")
    )
    risk_points = _text("risk_points", rows=3)
    risk_controls = _text("risk_controls", rows=3)

    def item_payload(self) -> dict[str, Any]:
        """The item fields as the payload services.proposal_submit expects."""
        data = self.cleaned_data
        return {field: data.get(field) for field in ITEM_FIELDS if field in self.fields}


SECTIONS: list[tuple[Any, list[str]]] = [
    (
        _("基本信息"),
        ["action", "item_code", "name", "proof_content", "issuer", "legal_basis", "matter_codes"],
    ),
    (
        _("适用范围与风险"),
        [
            "priority_domains",
            "excluded_domains",
            "other_high_risk",
            "other_high_risk_reason",
            "under_commitment",
        ],
    ),
    (
        _("核查方案"),
        ["verification_method", "verification_time_limit_days", "verification_standard"],
    ),
    (
        _("公开与保险"),
        ["disclosure_scope", "disclosure_period_days", "liability_insurance_required"],
    ),
    (_("风险防控"), ["risk_points", "risk_controls"]),
    (_("调整依据"), ["reason", "law_change", "effective_date"]),
]


class ProposalForm(ItemFieldsForm):
    """A catalog adjustment (R-7.2): the proposal fields plus the item's fields."""

    action = forms.ChoiceField(label=_("调整类型"), choices=ChangeAction.choices, disabled=True)
    item_code = forms.CharField(
        label=_("证明事项编码"),
        required=False,
        max_length=200,
        help_text=_("1至40位字母、数字、点、横线或下划线"),
    )
    reason = forms.CharField(
        label=_("调整理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    law_change = forms.CharField(
        label=_("依据的法律法规变化"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明新制定、修改或废止的法律、法规、规章或决定"),
    )
    effective_date = forms.DateField(
        label=_("拟生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, action: str, matter_choices=(), item_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal_action = action
        self.fields["action"].initial = action
        if action == ChangeAction.REMOVE:
            for field in ITEM_FIELDS:
                del self.fields[field]
        else:
            cast(forms.ChoiceField, self.fields["matter_codes"]).choices = list(matter_choices)
        if action != ChangeAction.ADD:
            # amend / remove concern the item chosen in the URL; its code is not editable.
            self.fields["item_code"].disabled = True
            self.fields["item_code"].initial = item_code
            self.fields["item_code"].help_text = ""

    def sections(self):
        """(title, [bound fields]) in the order of SECTIONS, skipping removed fields."""
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in SECTIONS
            if any(name in self.fields for name in names)
        ]

    def submit_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "action": self.proposal_action,
            "item_code": (data.get("item_code") or "").strip(),
            "payload": (
                None if self.proposal_action == ChangeAction.REMOVE else self.item_payload()
            ),
            "reason": data.get("reason") or "",
            "law_change": data.get("law_change") or "",
            "effective_date": data.get("effective_date"),
        }


class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *ProposalStatus.choices]
    )
    agency = forms.TypedChoiceField(
        label=_("申报机关"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = [
            ("", _("全部")),
            *[(a.pk, a.name) for a in agencies],
        ]


class FileForm(forms.Form):
    comment = forms.CharField(
        label=_("备案意见（可选）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReturnForm(forms.Form):
    # The service requires the reason (and says so); the browser is only reminded.
    reason = forms.CharField(
        label=_("退回理由"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "required": True}),
    )


class AgencyChoiceForm(forms.Form):
    """Adds an `agency` choice when the actor administers several agencies."""

    def _set_agencies(self, agencies) -> None:
        agencies = list(agencies)
        self.agencies = {a.pk: a for a in agencies}
        if len(agencies) > 1:
            self.fields["agency"] = forms.TypedChoiceField(
                label=_("实施机关"), coerce=int, choices=[(a.pk, a.name) for a in agencies]
            )
            self.order_fields(["agency"])

    def chosen_agency(self):
        if "agency" in self.fields:
            return self.agencies.get(self.cleaned_data.get("agency"))
        return next(iter(self.agencies.values()), None)


class ImportForm(AgencyChoiceForm):
    file = forms.FileField(
        label=_("目录文件（XLSX）"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    reason = forms.CharField(
        label=_("调整理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    law_change = forms.CharField(
        label=_("依据的法律法规变化"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    effective_date = forms.DateField(
        label=_("拟生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_agencies(agencies)


class MatterForm(AgencyChoiceForm):
    code = forms.CharField(label=_("事项编码"), required=False, max_length=200)
    name = forms.CharField(
        label=_("事项名称"), required=False, widget=forms.TextInput(attrs={"size": 60})
    )
    matter_type = forms.ChoiceField(
        label=_("事项类型"), required=False, choices=[("", _("—请选择—")), *MatterType.choices]
    )
    legal_basis = forms.CharField(
        label=_("设定依据"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    materials = forms.CharField(
        label=_("申请材料"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一项"),
    )

    def __init__(self, *args, agencies=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # The code identifies the matter; matter_update does not change it.
            self.fields["code"].disabled = True
        else:
            self._set_agencies(agencies)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": (data.get("code") or "").strip(),
            "name": data.get("name") or "",
            "matter_type": data.get("matter_type") or "",
            "legal_basis": data.get("legal_basis") or "",
            "materials": data.get("materials") or "",
        }
