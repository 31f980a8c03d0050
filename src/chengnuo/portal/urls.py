from django.urls import path, re_path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("catalog/", views.catalog, name="catalog"),
    re_path(r"^catalog/export\.(?P<fmt>xlsx|csv|json)$", views.export, name="export"),
    path("catalog/items/<str:code>/", views.item_detail, name="item_detail"),
    path("matters/", views.matters, name="matters"),
    path("matters/<str:code>/", views.matter_detail, name="matter_detail"),
    path("agencies/<int:pk>/", views.agency_detail, name="agency_detail"),
    path("versions/", views.versions, name="versions"),
    path("versions/compare/", views.version_compare, name="version_compare"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("workbench/", views.workbench, name="workbench"),
]
