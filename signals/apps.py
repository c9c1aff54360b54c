from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = _("Signals")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from signals.models import Signal
        from signals.tiles import tiles_invalidate

        def invalidate(**kwargs) -> None:
            tiles_invalidate()

        post_save.connect(invalidate, sender=Signal, weak=False, dispatch_uid="signals-tiles")
        post_delete.connect(invalidate, sender=Signal, weak=False, dispatch_uid="signals-tiles")
