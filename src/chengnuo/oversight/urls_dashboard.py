from django.urls import path

from . import views_dashboard

urlpatterns: list = [
    path("", views_dashboard.overview, name="dashboard"),
    path("agency/<int:pk>/", views_dashboard.agency, name="dashboard_agency"),
    path("agency/<int:pk>/cases/", views_dashboard.cases, name="dashboard_cases"),
]
