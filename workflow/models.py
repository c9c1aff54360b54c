from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflow.states import State


class StatusChange(models.Model):
    """One row per move of a signal: its history, never rewritten.

    The creation of a signal is the first row (from_state empty, to_state new).
    `message` is public; `note` is internal to the services and never leaves
    the staff side.
    """

    signal = models.ForeignKey("signals.Signal", on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    message = models.TextField(_("public message"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.signal_id}: {self.from_state or '∅'} → {self.to_state}"
