from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "chengnuo.documents"
    label = "documents"
    verbose_name = _("告知承诺文书")
