from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "chengnuo.catalog"
    label = "catalog"
    verbose_name = _("目录清单")

    def ready(self) -> None:
        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core import schedule

        schedule.daily(
            "catalog.apply_due", "00:05", "catalog_apply_due", label="生效到期的目录调整"
        )

        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(
            Event,
            public=[
                Event.ITEM_ADDED,
                Event.ITEM_AMENDED,
                Event.ITEM_REMOVED,
                Event.VERSION_PUBLISHED,
            ],
        )
