"""The data-source registry pages (R-4.5, R-9.2), for the data admin: the list with each
source's breaker state and recent failures, the create/edit form (the secret is write-only:
"已设置", a new value replaces it) and the "测试连接" button. Anyone else gets 404."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from chengnuo.agencies.models import Agency
from chengnuo.core.errors import DomainError
from chengnuo.core.masking import mask_identifier
from chengnuo.core.web import staff_view

from . import sources
from .connector import breaker_state
from .models import DataSource

BREAKER_LABELS = {"closed": "正常", "open": "已熔断", "half_open": "试探恢复"}


class SourceForm(forms.Form):
    code = forms.SlugField(label="数据源编码", max_length=40)
    name = forms.CharField(label="名称", max_length=100)
    providing_agency = forms.ModelChoiceField(label="提供机关", queryset=Agency.objects.none())
    base_url = forms.CharField(label="接口地址", max_length=200)
    path = forms.CharField(
        label="查询路径", max_length=200, initial="/api/share/{source}/{id_type}/{id_number}"
    )
    app_key = forms.CharField(label="应用标识（App Key）", max_length=100)
    secret = forms.CharField(
        label="签名密钥",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="只写不读：留空则保留已设置的密钥，填写新值将替换",
    )
    field_mapping = forms.CharField(
        label="字段映射（JSON）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text='平台字段名 → 核查计划比对用的字段名，如 {"xl": "education_level"}',
    )
    timeout_seconds = forms.FloatField(label="超时（秒）", initial=5)
    rate_limit_per_second = forms.IntegerField(label="每秒请求上限", initial=50)
    max_attempts = forms.IntegerField(label="最多尝试次数", initial=5)
    breaker_threshold = forms.IntegerField(label="熔断阈值（连续失败次数）", initial=5)
    breaker_cooldown_seconds = forms.IntegerField(label="熔断冷却（秒）", initial=60)
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["providing_agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Agency.objects.order_by("name")


def _initial(source: DataSource) -> dict[str, Any]:
    return {
        "code": source.code,
        "name": source.name,
        "providing_agency": source.providing_agency_id,
        "base_url": source.base_url,
        "path": source.path,
        "app_key": source.app_key,
        "field_mapping": json.dumps(source.field_mapping or {}, ensure_ascii=False),
        "timeout_seconds": source.timeout_seconds,
        "rate_limit_per_second": source.rate_limit_per_second,
        "max_attempts": source.max_attempts,
        "breaker_threshold": source.breaker_threshold,
        "breaker_cooldown_seconds": source.breaker_cooldown_seconds,
        "active": source.active,
    }


@staff_view
def source_list(request: HttpRequest) -> HttpResponse:
    rows = list(sources.sources_for(request.user))
    for row in rows:
        row.breaker = breaker_state(row)  # type: ignore[attr-defined]
        row.breaker_label = BREAKER_LABELS[row.breaker]  # type: ignore[attr-defined]
    return render(request, "verification/sources.html", {"sources": rows})


def _form_page(request: HttpRequest, source: DataSource | None) -> HttpResponse:
    if request.method == "POST":
        form = SourceForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["providing_agency_id"] = data.pop("providing_agency").pk
            try:
                saved = sources.data_source_save(request.user, source, data)
            except DomainError as exc:
                for detail in exc.details or [{"message": exc.message}]:
                    form.add_error(None, detail["message"])
            else:
                messages.success(request, f"数据源“{saved.name}”已保存")
                return redirect("verification:source_edit", pk=saved.pk)
    else:
        form = SourceForm(initial=_initial(source) if source else None)
    test_subject = sources.default_test_subject(source) if source else None
    return render(
        request,
        "verification/sources_form.html",
        {
            "form": form,
            "source": source,
            "secret_set": bool(source and source.secret_cipher),
            # the test subject is a real person's number on a real platform: shown masked, and
            # never put in the page (the test button names no number; the server knows it)
            "test_masked": mask_identifier(test_subject[1]) if test_subject else "",
        },
    )


@staff_view
def source_create(request: HttpRequest) -> HttpResponse:
    sources.sources_for(request.user)  # 404 unless the data admin
    return _form_page(request, None)


@staff_view
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, sources.source_get_for(request.user, pk))


def _shown(value: Any, id_number: str) -> str:
    """JSON for the page, with the test subject's number masked wherever a platform echoes it."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return text.replace(id_number, mask_identifier(id_number)) if id_number else text


@staff_view
@require_POST
def source_test(request: HttpRequest, pk: int) -> HttpResponse:
    source = sources.source_get_for(request.user, pk)
    id_type, id_number = sources.default_test_subject(source)
    try:
        result, error = sources.data_source_test(request.user, source, id_type, id_number)
    except DomainError as exc:
        result, error = None, exc.message
    context = {
        "source": source,
        "result": result,
        "error": error,
        "masked": mask_identifier(id_number),
        "request_json": _shown(result.request_snapshot if result else {}, id_number),
        "response_json": _shown(result.response_snapshot if result else {}, id_number),
        "record_json": _shown(result.record if result else None, id_number),
    }
    return render(request, "verification/sources_test.html", context, status=200)


urlpatterns = [
    path("sources/", source_list, name="sources"),
    path("sources/new/", source_create, name="source_create"),
    path("sources/<int:pk>/", source_edit, name="source_edit"),
    path("sources/<int:pk>/test/", source_test, name="source_test"),
]
