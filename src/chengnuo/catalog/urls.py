from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/file/", views.proposal_file, name="proposal_file"),
    path("proposals/<int:pk>/return/", views.proposal_return, name="proposal_return"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("proposals/<int:pk>/resubmit/", views.proposal_resubmit, name="proposal_resubmit"),
    path("import/", views.catalog_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/new/", views.matter_create, name="matter_create"),
    path("matters/<int:pk>/edit/", views.matter_edit, name="matter_edit"),
]
