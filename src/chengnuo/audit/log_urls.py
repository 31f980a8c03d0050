"""Public pages of the verifiable log, mounted at /log/."""

from django.urls import path, re_path

from . import log_views

app_name = "log"
urlpatterns = [
    path("", log_views.index, name="index"),
    path("checkpoint", log_views.checkpoint_text, name="checkpoint"),
    path("verify/", log_views.verify, name="verify"),
    re_path(
        r"^tile/(?P<level>[0-9])/(?P<path>[x0-9/]+(?:\.p/[0-9]+)?)$", log_views.tile, name="tile"
    ),
]
