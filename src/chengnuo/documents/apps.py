from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "chengnuo.documents"
    label = "documents"
    verbose_name = _("告知承诺文书")

    def ready(self) -> None:
        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core.events import register_kinds

        from .constants import Event
        from .guides import Event as GuideEvent

        register_kinds(Event, public=[Event.PUBLISHED, Event.PUBLISHED_LINT_OVERRIDE])
        register_kinds(
            GuideEvent,
            public=[
                GuideEvent.GUIDE_PUBLISHED,
                GuideEvent.WORK_RULES_PUBLISHED,
                GuideEvent.PUBLISHED_LINT_OVERRIDE,
            ],
        )
