from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "chengnuo.audit"
    label = "audit"
    verbose_name = _("审计留痕")

    def ready(self) -> None:
        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event)

        from chengnuo.core import spine

        from .services import append

        spine.register_store(append)
