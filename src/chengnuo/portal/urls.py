from django.urls import path
from django.views.generic import TemplateView

app_name = "portal"
urlpatterns = [
    path("", TemplateView.as_view(template_name="base.html"), name="home"),
    path("catalog/", TemplateView.as_view(template_name="base.html"), name="catalog"),
    path("matters/", TemplateView.as_view(template_name="base.html"), name="matters"),
    path("versions/", TemplateView.as_view(template_name="base.html"), name="versions"),
    path("workbench/", TemplateView.as_view(template_name="base.html"), name="workbench"),
]
