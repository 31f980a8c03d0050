from django.urls import path

from . import guide_views, views

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

# The guide and work rules editor: prefixes of their own, so that no path can be taken for a
# template's (staff/<item_code>/<kind>/) or a public version's (<item_code>/<kind>/v<n>/).
urlpatterns += [
    path("staff-guides/", guide_views.guide_staff_drafts, name="guide_staff_drafts"),
    path("staff-guides/<str:matter_code>/", guide_views.guide_staff_edit, name="guide_staff_edit"),
    path(
        "staff-guides/<str:matter_code>/lint/",
        guide_views.guide_staff_lint,
        name="guide_staff_lint",
    ),
    path(
        "staff-work-rules/<str:item_code>/",
        guide_views.work_rules_staff_edit,
        name="work_rules_staff_edit",
    ),
    path(
        "staff-work-rules/<str:item_code>/lint/",
        guide_views.work_rules_staff_lint,
        name="work_rules_staff_lint",
    ),
]
