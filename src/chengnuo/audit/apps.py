from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "chengnuo.audit"
    label = "audit"
    verbose_name = _("审计留痕")

    def ready(self) -> None:
        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event)
