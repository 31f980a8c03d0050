from django.urls import path

from . import views_keytasks as views

urlpatterns: list = [
    path("", views.key_tasks, name="key_tasks"),
    path("new/", views.key_task_new, name="key_task_new"),
    path("<int:pk>/", views.key_task, name="key_task"),
    path("<int:pk>/report/", views.key_task_report, name="key_task_report"),
    path("joint/", views.joint_list, name="joint_list"),
    path("joint/<int:pk>/", views.joint, name="joint"),
]
