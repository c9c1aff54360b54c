from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenDataConfig(AppConfig):
    name = "opendata"
    verbose_name = _("Open data")

    def ready(self):
        # Registers the drf-spectacular extensions that describe the public API.
        from opendata import openapi  # noqa: F401
