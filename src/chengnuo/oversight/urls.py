"""/oversight/: the Justice Bureau's pages, one module per part."""

from django.urls import include, path

app_name = "oversight"

urlpatterns: list = [
    path("", include("chengnuo.oversight.urls_dashboard")),
    path("tasks/", include("chengnuo.oversight.urls_keytasks")),
]
