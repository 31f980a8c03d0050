from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "chengnuo.credit"
    label = "credit"
    verbose_name = _("信用")

    def ready(self) -> None:
        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event)
        from . import access  # noqa: F401  (registers credit's own lawful contexts)
