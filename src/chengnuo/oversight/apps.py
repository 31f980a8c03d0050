from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "chengnuo.oversight"
    verbose_name = "督查考核"

    def ready(self) -> None:
        # each part registers its reactions and jobs here (statistics, key tasks, ...)
        from . import wiring

        wiring.connect()
