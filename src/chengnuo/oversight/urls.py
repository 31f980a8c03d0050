"""/oversight/: the Justice Bureau's pages, one module per part."""

from django.urls import include, path

app_name = "oversight"

urlpatterns: list = [
    path("", include("chengnuo.oversight.urls_dashboard")),
    path("tasks/", include("chengnuo.oversight.urls_keytasks")),
    path("rectifications/", include("chengnuo.oversight.urls_rectification")),
    path("portal-checks/", include("chengnuo.oversight.urls_portalchecks")),
    path("case-review/", include("chengnuo.oversight.urls_casereview")),
    path("indicators/", include("chengnuo.oversight.urls_indicators")),
    path("reports/", include("chengnuo.oversight.urls_reports")),
    path("fault-tolerance/", include("chengnuo.oversight.urls_faulttolerance")),
    path("learning/", include("chengnuo.oversight.urls_learning")),
]
