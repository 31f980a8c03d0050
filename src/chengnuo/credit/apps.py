from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "chengnuo.credit"
    label = "credit"
    verbose_name = _("信用")

    def ready(self) -> None:
        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event)
        from chengnuo.core import events

        from . import access  # noqa: F401  (registers credit's own lawful contexts)
        from .handlers import record_commitment_kept
        from .services import notices_fan_out

        events.on(
            "credit.severe_recorded",
            notices_fan_out,
            key="credit.notices_fan_out",
            phase=events.ON_COMMIT,
        )
        events.on(
            "commitment.verified_true",
            record_commitment_kept,
            key="credit.record_commitment_kept",
            phase=events.ON_COMMIT,
        )
