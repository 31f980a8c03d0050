"""/oversight/rectifications/: 整改通知."""

from django.urls import path

from . import views_rectification as views

urlpatterns: list = [
    path("", views.rectifications, name="rectifications"),
    path("<int:pk>/", views.rectification, name="rectification"),
]
