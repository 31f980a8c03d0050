"""/oversight/reports/: 督察情况通报 (R-8.2)."""

from django.urls import path

from . import views_reports as views

urlpatterns: list = [
    path("", views.reports, name="reports"),
    path("new/", views.report_new, name="report_new"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("<int:pk>/issue/", views.report_issue, name="report_issue"),
    path("<int:pk>/acknowledge/", views.report_acknowledge, name="report_acknowledge"),
    path("<int:pk>/download.<str:fmt>", views.report_download, name="report_download"),
    path("<int:pk>/chart-<str:name>.png", views.report_chart, name="report_chart"),
]
