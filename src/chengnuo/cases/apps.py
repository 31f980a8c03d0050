from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chengnuo.cases"
    verbose_name = "办件"
