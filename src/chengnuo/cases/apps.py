from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "chengnuo.cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event, applicant=list(Event))

        from chengnuo.credit.access import register_provider

        from .access import case_contexts

        register_provider("cases.case", case_contexts)

        from chengnuo.core import events

        from .services import archive_signed_pdf

        events.on(
            "commitment.signed",
            archive_signed_pdf,
            key="cases.archive_signed_pdf",
            phase=events.ON_COMMIT,
        )
