from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The 阜阳市 demo data and `manage.py load_demo` (installed outside production only)."""

    name = "chengnuo.demo"
    verbose_name = "演示数据"
