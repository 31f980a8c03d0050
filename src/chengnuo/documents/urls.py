from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:item_code>/<str:kind>/v<int:number>/", views.version, name="version"),
    path("<str:item_code>/<str:kind>/v<int:number>.<str:fmt>", views.download, name="download"),
]
