from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from signals.models import Signal
        from workflow.queue_counts import note_write

        def fold(**kwargs) -> None:
            note_write()

        for signal in (post_save, post_delete):
            signal.connect(fold, sender=Signal, weak=False, dispatch_uid="workflow-queue-counts")
