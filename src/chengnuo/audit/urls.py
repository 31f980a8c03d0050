from django.urls import path

from . import log_views, views

app_name = "audit"
urlpatterns = [
    path("", views.index, name="index"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("log/", log_views.status, name="log_status"),
    path(
        "log/refusals/<int:pk>/acknowledge/",
        log_views.refusal_acknowledge,
        name="log_refusal_acknowledge",
    ),
    path("history/<str:target_type>/<str:pk>/", views.history, name="history"),
]
