from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "chengnuo.core"
    label = "core"
