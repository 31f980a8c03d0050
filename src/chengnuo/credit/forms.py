"""Forms of the credit pages: input shape only; the rules live in services and rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chengnuo.core.web import apply_domain_error

from .constants import Grade, IdType, RecordStatus

__all__ = [
    "LookupForm",
    "ObjectionAnswerForm",
    "ObjectionForm",
    "RecordExportForm",
    "RepairDecisionForm",
    "RepairForm",
    "apply_domain_error",
]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise forms.ValidationError(_("不得含有空字符"))
    return value


class LookupForm(forms.Form):
    id_type = forms.ChoiceField(label=_("证件类型"), choices=IdType.choices)
    id_number = forms.CharField(label=_("证件号码"), max_length=40, strip=True)

    def clean_id_number(self) -> str:
        return _no_nul(self.cleaned_data["id_number"])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked by `services.repair_material_check`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class RepairForm(forms.Form):
    statement = forms.CharField(
        label=_("履行义务情况说明"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("说明已履行的法定义务、纠正失信行为的情况（不少于10字）"),
    )
    commitment_letter = forms.CharField(
        label=_("信用承诺书"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("承诺今后诚实守信，如违反承诺愿意承担相应责任（不少于10字）"),
    )
    materials = MultipleFileField(
        label=_("证明材料"),
        required=False,
        help_text=_("已履行义务的证明材料：最多5个文件，每个不超过5 MB，仅限PDF、JPEG、PNG格式"),
    )

    def clean(self):
        data = super().clean() or {}
        for key in ("statement", "commitment_letter"):
            if key in data:
                _no_nul(data[key])
        return data


class RecordExportForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *RecordStatus.choices], required=False
    )
    grade = forms.ChoiceField(
        label=_("失信程度"), choices=[("", _("全部")), *Grade.choices], required=False
    )


class ObjectionForm(forms.Form):
    grounds = forms.CharField(
        label=_("异议理由"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text=_("说明记录有误之处及依据（不少于10字）"),
    )

    def clean_grounds(self) -> str:
        return _no_nul(self.cleaned_data["grounds"])


class RepairDecisionForm(forms.Form):
    DECISIONS = [("approve", _("准予修复")), ("refuse", _("不予修复"))]
    decision = forms.ChoiceField(label=_("决定"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=_("不予修复的，应书面说明理由"),
    )


class ObjectionAnswerForm(forms.Form):
    RESULTS = [("corrected", _("异议成立，予以更正")), ("upheld", _("异议不成立，维持原记录"))]
    result = forms.ChoiceField(label=_("处理结果"), choices=RESULTS, widget=forms.RadioSelect)
    answer = forms.CharField(
        label=_("书面答复"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    remove = forms.BooleanField(
        label=_("撤销该记录（仅异议成立时）"),
        required=False,
    )
