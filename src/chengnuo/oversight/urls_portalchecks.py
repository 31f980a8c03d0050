"""/oversight/portal-checks/: 浏览政务服务网站."""

from django.urls import path

from . import views_portalchecks as views

urlpatterns: list = [
    path("", views.portal_checks, name="portal_checks"),
    path("agency/<int:pk>/", views.portal_check_agency, name="portal_check_agency"),
    path("agency/<int:pk>/run/", views.portal_check_run, name="portal_check_run"),
    path("agency/<int:pk>/send/", views.portal_check_send, name="portal_check_send"),
    path("<int:pk>/", views.portal_check, name="portal_check"),
]
