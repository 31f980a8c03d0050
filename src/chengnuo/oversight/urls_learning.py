"""/oversight/learning/: 目录评估建议 (R-8.1, R-7.2)."""

from django.urls import path

from . import views_learning as views

urlpatterns: list = [
    path("", views.learning_items, name="learning_items"),
    path("suggestions/", views.learning_suggestions, name="learning_suggestions"),
    path("suggestions/<int:pk>/", views.learning_suggestion, name="learning_suggestion"),
    path(
        "suggestions/<int:pk>/adopt/",
        views.learning_suggestion_adopt,
        name="learning_suggestion_adopt",
    ),
    path(
        "suggestions/<int:pk>/dismiss/",
        views.learning_suggestion_dismiss,
        name="learning_suggestion_dismiss",
    ),
    path("proposals/", views.learning_proposals, name="learning_proposals"),
    path("proposals/<int:pk>/", views.learning_proposal, name="learning_proposal"),
]
