from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "chengnuo.complaints"
    verbose_name = "投诉举报"

    def ready(self) -> None:
        from chengnuo.core import events, outbox, schedule
        from chengnuo.core.errors import register_error_codes
        from chengnuo.core.events import register_kinds

        from . import handlers, hotline
        from .constants import PUBLIC_STEPS, Event
        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)
        outbox.register("complaints.hotline_replies", hotline.OUTBOX)
        # the complainant follows the public steps through the receipt (the "applicant" kinds)
        register_kinds(Event, applicant=PUBLIC_STEPS)
        schedule.daily(
            "complaints.daily",
            "08:00",
            "complaints_daily",
            label="投诉举报期限临近的催办，超期的标记并提请司法局督办",
        )
        events.on(
            "verification.task_opened",
            handlers.verification_opened,
            key="complaints.verification_opened",
        )
        events.on(
            "verification.concluded",
            handlers.verification_concluded,
            key="complaints.verification_outcome",
        )
        events.on(
            "verification.task_cancelled",
            handlers.verification_cancelled,
            key="complaints.verification_cancelled",
        )
