from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """Stand-ins for the external platforms and `manage.py sandbox` (outside production only)."""

    name = "chengnuo.sandbox"
    verbose_name = "沙箱"
