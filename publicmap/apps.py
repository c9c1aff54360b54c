from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicMapConfig(AppConfig):
    name = "publicmap"
    verbose_name = _("Public map")
