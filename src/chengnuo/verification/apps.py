from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "chengnuo.verification"
    verbose_name = "核查"

    def ready(self) -> None:
        from chengnuo.core import schedule

        schedule.daily(
            "verification.remind_assistance",
            "08:30",
            "remind_assistance",
            label="提醒即将到期的协助核查请求",
        )
        schedule.daily(
            "verification.escalate_rectifications",
            "00:15",
            "escalate_rectifications",
            label="逾期未整改的转入处置",
        )

        from chengnuo.core.errors import register_error_codes

        from .errors import ErrorCode

        register_error_codes(self.label, ErrorCode)

        from chengnuo.core.schemas import contribute_error_codes

        # its rules refuse case decisions and submissions (core.contributions)
        contribute_error_codes("Cases", ErrorCode)

        from chengnuo.core.events import register_kinds

        from .constants import Event

        register_kinds(
            Event,
            applicant=[
                Event.OUTCOME_RECORDED,
                Event.HANDLING_DECIDED,
                Event.HANDLING_RECTIFIED,
                Event.HANDLING_ESCALATED,
            ],
        )

        from chengnuo.credit.access import register_provider

        from .access import assistance_contexts

        register_provider("verification.assistance", assistance_contexts)

        from chengnuo.core import contributions, events

        from . import handlers
        from .contributions import commitment_notes

        contributions.provide("case.commitment_notes", commitment_notes, key="verification")

        events.on("case.submitted", handlers.draw_before_decision, key="verification.draw_before")
        events.on("case.approving", handlers.refuse_pending_verification, key="verification.guard")
        events.on("case.approved", handlers.draw_after_decision, key="verification.draw_after")
        events.on(
            "commitment.withdrawn",
            handlers.withdraw_tasks_of_commitment,
            key="verification.withdraw_commitment_tasks",
        )
        events.on(
            "case.closed", handlers.withdraw_tasks_of_case, key="verification.withdraw_case_tasks"
        )
        events.on(
            "complaint.false_commitment_reported",
            handlers.verify_reported_commitment,
            key="verification.from_complaint",
        )
