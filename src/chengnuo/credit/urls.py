from django.urls import path

from . import views

app_name = "credit"
urlpatterns = [
    path("public/", views.public_listing, name="public_listing"),
    path("notices/", views.notices, name="notices"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
    path("lookup/", views.lookup, name="lookup"),
    path("subjects/<int:pk>/", views.subject_detail, name="subject_detail"),
    path("subjects/<int:pk>/reveal/", views.subject_reveal, name="subject_reveal"),
    path("subjects/<int:pk>/pull/", views.subject_pull, name="subject_pull"),
    path("records/export/<str:fmt>/", views.records_export, name="records_export"),
    path(
        "repairs/<int:repair_pk>/materials/<int:pk>/",
        views.material_download,
        name="material_download",
    ),
    path("queue/", views.officer_queue, name="officer_queue"),
    path("overdue/", views.overdue, name="overdue"),
    path("pushes/", views.push_log, name="push_log"),
    path("repairs/<int:pk>/decide/", views.repair_decide, name="repair_decide"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("my/", views.my_credit, name="my_credit"),
    path("my/records/<int:pk>/", views.my_record, name="my_record"),
    path("my/records/<int:pk>/repair/", views.my_record_repair, name="my_record_repair"),
    path("my/records/<int:pk>/objection/", views.my_record_object, name="my_record_object"),
]
