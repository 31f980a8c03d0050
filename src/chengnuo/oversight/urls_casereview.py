"""/oversight/case-review/: 案卷评查 (R-8.1)."""

from django.urls import path

from . import views_casereview as views

urlpatterns: list = [
    path("", views.casereview_list, name="casereview_list"),
    path("new/", views.casereview_new, name="casereview_new"),
    path("<int:pk>/", views.casereview_round, name="casereview_round"),
    path("<int:pk>/freeze/", views.casereview_freeze, name="casereview_freeze"),
    path("<int:pk>/reveal/", views.casereview_reveal, name="casereview_reveal"),
    path("<int:pk>/abandon/", views.casereview_abandon, name="casereview_abandon"),
    path("<int:pk>/published.json", views.casereview_published, name="casereview_published"),
    path("<int:pk>/files/<str:number>/", views.casereview_score, name="casereview_score"),
    path(
        "<int:pk>/files/<str:number>/finding/",
        views.casereview_finding,
        name="casereview_finding",
    ),
    path("sheets/<int:pk>/", views.casereview_sheet, name="casereview_sheet"),
    path("sheets/<int:pk>/revise/", views.casereview_sheet_revise, name="casereview_sheet_revise"),
]
