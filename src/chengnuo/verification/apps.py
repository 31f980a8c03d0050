from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "chengnuo.verification"
    verbose_name = "核查"
