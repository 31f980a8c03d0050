from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:item_code>/<str:kind>/v<int:number>/", views.version, name="version"),
    path("<str:item_code>/<str:kind>/v<int:number>.<str:fmt>", views.download, name="download"),
]
urlpatterns += [
    path("staff/", views.staff_drafts, name="staff_drafts"),
    path("staff/create/", views.staff_create, name="staff_create"),
    path("staff/<str:item_code>/<str:kind>/", views.staff_edit, name="staff_edit"),
    path("staff/<str:item_code>/<str:kind>/lint/", views.staff_lint, name="staff_lint"),
]
urlpatterns += [
    path("guides/", views.guide_index, name="guides"),
    path("guides/<int:pk>/", views.guide_version, name="guide_version"),
    path("guides/<int:pk>.<str:fmt>", views.guide_download, name="guide_download"),
]
