from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "chengnuo.verification"
    verbose_name = "核查"

    def ready(self) -> None:
        from chengnuo.credit.access import register_provider

        from .access import assistance_contexts

        register_provider("verification.assistance", assistance_contexts)
