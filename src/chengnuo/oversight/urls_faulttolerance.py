"""/oversight/fault-tolerance/: fault-tolerance reviews (容错机制, R-8.4)."""

from django.urls import path

from . import views_faulttolerance as views

urlpatterns: list = [
    path("", views.ft_index, name="ft_index"),
    path("open/", views.ft_open, name="ft_open"),
    path("<int:pk>/", views.ft_review, name="ft_review"),
    path("<int:pk>/decide/", views.ft_decide, name="ft_decide"),
    path("<int:pk>/reassemble/", views.ft_reassemble, name="ft_reassemble"),
    path("<int:pk>/rectify/", views.ft_rectify, name="ft_rectify"),
    path("<int:pk>/pack/<int:version>/", views.ft_pack, name="ft_pack"),
    path("<int:pk>/pack/<int:version>/pdf/", views.ft_pack_pdf, name="ft_pack_pdf"),
]
