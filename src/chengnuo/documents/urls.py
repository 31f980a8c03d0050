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
