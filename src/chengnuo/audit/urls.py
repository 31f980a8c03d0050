from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("history/<str:target_type>/<str:pk>/", views.history, name="history"),
]
