from django.apps import apps
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from chengnuo.cases.urls import public_urlpatterns as public_commitment_urls

from .api import api


def healthz(request):
    """Liveness probe; also the floor in bench/catalog_read.py."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("chengnuo.accounts.urls")),
    path("staff/catalog/", include("chengnuo.catalog.urls")),
    path("staff/audit/", include("chengnuo.audit.urls")),
    path("credit/", include("chengnuo.credit.urls")),
    path("admin/", admin.site.urls),
    path("documents/", include("chengnuo.documents.urls")),
    path("cases/", include("chengnuo.cases.urls")),
    path("commitments/", include(public_commitment_urls)),
    path("log/", include("chengnuo.audit.log_urls")),
]
# every app but the core ones can be left out of INSTALLED_APPS (the others react to its
# events through core.events; nothing imports it)
if apps.is_installed("chengnuo.verification"):
    urlpatterns.append(path("verification/", include("chengnuo.verification.urls")))
if apps.is_installed("chengnuo.supervision"):
    from chengnuo.supervision import views as supervision_views

    urlpatterns += [
        path("staff/supervision/", include("chengnuo.supervision.views")),
        path(
            "supervision/",
            include((supervision_views.public_urlpatterns, "supervision_public")),
        ),
    ]
if apps.is_installed("chengnuo.complaints"):
    from captcha.views import captcha_image
    from django.urls import re_path

    from chengnuo.complaints import views as complaint_views

    urlpatterns += [
        path("staff/complaints/", include("chengnuo.complaints.views")),
        path(
            "complaints/",
            include((complaint_views.public_urlpatterns, "complaints_public")),
        ),
        # the form's CAPTCHA picture, drawn by django-simple-captcha (its URL name)
        re_path(
            r"^captcha/image/(?P<key>\w+)/$",
            captcha_image,
            {"scale": 1},
            name="captcha-image",
        ),
    ]
if apps.is_installed("chengnuo.oversight"):
    urlpatterns.append(path("oversight/", include("chengnuo.oversight.urls")))
urlpatterns.append(path("", include("chengnuo.portal.urls")))


def handler404(request, exception=None):
    """JSON for unknown API paths (with a stable code), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"code": "not_found", "message": "未找到该接口或对象"},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
