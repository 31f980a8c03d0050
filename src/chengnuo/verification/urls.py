"""URLs of verification: each part keeps its own patterns in its own module."""

from __future__ import annotations

from . import assistance_views, source_views, views

app_name = "verification"
urlpatterns = [*views.urlpatterns, *assistance_views.urlpatterns, *source_views.urlpatterns]
