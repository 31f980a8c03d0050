from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "chengnuo.accounts"
    label = "accounts"
    verbose_name = _("账户")

    def ready(self) -> None:
        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(Event)
