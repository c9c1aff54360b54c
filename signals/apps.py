from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "signals"
    verbose_name = _("Signals")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from signals.categories import categories_changed
        from signals.models import Category, Signal
        from signals.tiles import tiles_invalidate

        def invalidate(**kwargs) -> None:
            tiles_invalidate()

        post_save.connect(invalidate, sender=Signal, weak=False, dispatch_uid="signals-tiles")
        post_delete.connect(invalidate, sender=Signal, weak=False, dispatch_uid="signals-tiles")

        from signals.mapcells import note_write

        def fold(**kwargs) -> None:
            note_write()

        post_save.connect(fold, sender=Signal, weak=False, dispatch_uid="signals-mapcells")
        post_delete.connect(fold, sender=Signal, weak=False, dispatch_uid="signals-mapcells")

        def categories(**kwargs) -> None:
            categories_changed()

        for signal in (post_save, post_delete):
            signal.connect(categories, sender=Category, weak=False, dispatch_uid="categories")
