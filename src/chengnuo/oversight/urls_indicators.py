"""/oversight/indicators/: 考评指标 (R-8.2)."""

from django.urls import path

from . import views_indicators as views

urlpatterns: list = [
    path("", views.indicator_schemes, name="indicator_schemes"),
    path("schemes/<int:pk>/", views.indicator_scheme, name="indicator_scheme"),
    path(
        "schemes/<int:pk>/new-version/",
        views.indicator_scheme_version,
        name="indicator_scheme_version",
    ),
    path("schemes/<int:pk>/enact/", views.indicator_scheme_enact, name="indicator_scheme_enact"),
    path("nodes/<int:pk>/", views.indicator_edit, name="indicator_edit"),
    path("evaluations/", views.indicator_evaluations, name="indicator_evaluations"),
    path("evaluations/<int:pk>/", views.indicator_evaluation, name="indicator_evaluation"),
    path(
        "evaluations/<int:pk>/compute/",
        views.indicator_evaluation_compute,
        name="indicator_evaluation_compute",
    ),
    path(
        "evaluations/<int:pk>/finalise/",
        views.indicator_evaluation_finalise,
        name="indicator_evaluation_finalise",
    ),
    path(
        "evaluations/<int:pk>/export.xlsx",
        views.indicator_evaluation_export,
        name="indicator_evaluation_export",
    ),
    path(
        "evaluations/<int:pk>/adjustments/",
        views.indicator_adjustments,
        name="indicator_adjustments",
    ),
    path(
        "evaluations/<int:pk>/agencies/<int:agency>/",
        views.indicator_agency,
        name="indicator_agency",
    ),
    path("scores/<int:pk>/adjust/", views.indicator_score_adjust, name="indicator_score_adjust"),
]
