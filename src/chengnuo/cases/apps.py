from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chengnuo.cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event, applicant=list(Event))

        from chengnuo.credit.access import register_provider

        from .access import case_contexts

        register_provider("cases.case", case_contexts)
