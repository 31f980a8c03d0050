from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "chengnuo.supervision"
    verbose_name = "双随机抽查"

    def ready(self) -> None:
        from chengnuo.core import events, schedule
        from chengnuo.core.errors import register_error_codes
        from chengnuo.core.events import register_kinds

        from .constants import Event
        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)
        register_kinds(
            Event,
            public=[
                Event.ITEM_PUBLISHED,
                Event.SEED_COMMITTED,
                Event.POOL_FROZEN,
                Event.DRAWN,
                Event.REDRAWN,
                Event.RESULT_PUBLISHED,
            ],
            applicant=[Event.TASK_NOTICE],
        )
        schedule.daily(
            "supervision.daily",
            "07:30",
            "supervision_daily",
            label="公开到期的抽查结果，更新重点监管名单",
        )
        from chengnuo.core import outbox

        from . import handlers, push

        outbox.register("supervision.results", push.OUTBOX)
        events.on("case.approved", handlers.list_approved_subject, key="supervision.directory")
        from . import key_supervision

        events.on(
            "complaint.false_commitment_reported",
            key_supervision.list_reported,
            key="supervision.key_from_report",
        )
        events.on(
            "verification.concluded",
            key_supervision.unlist_unfounded,
            key="supervision.key_report_unfounded",
        )
