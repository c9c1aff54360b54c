import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _


def api_key_hash(raw: str) -> str:
    # Keys are long random strings, so a plain SHA-256 is enough: no dictionary to guess from.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    """A key that lets another system post signals through Open311.

    Only its hash is stored: the key itself is shown once, when it is created.
    Revoking keeps the row, so who held a key stays on record.
    """

    name = models.CharField(
        _("holder"), max_length=200, help_text=_("Who uses this key, and for what.")
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)


class ServiceAttribute(models.Model):
    """An extra question a category asks Open311 clients (GeoReport v2 service definition)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLEVALUELIST = "singlevaluelist", _("One choice")
        MULTIVALUELIST = "multivaluelist", _("Several choices")

    category = models.ForeignKey(
        "signals.Category",
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        verbose_name=_("category"),
    )
    code = models.SlugField(_("code"), max_length=80)
    description = models.CharField(_("question"), max_length=300)
    datatype = models.CharField(
        _("datatype"), max_length=20, choices=Datatype.choices, default=Datatype.STRING
    )
    datatype_description = models.CharField(_("datatype description"), max_length=300, blank=True)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "…", "name": "…"}, …]'),
    )

    class Meta:
        ordering = ["category", "order", "code"]
        verbose_name = _("Open311 attribute")
        verbose_name_plural = _("Open311 attributes")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="attribute_code_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.category.code}: {self.code}"

    def clean(self):
        from django.core.exceptions import ValidationError

        values = self.values or []
        well_formed = isinstance(values, list) and all(
            isinstance(item, dict) and str(item.get("key", "")).strip() and "name" in item
            for item in values
        )
        if not well_formed:
            raise ValidationError(
                {"values": _('A list of choices such as [{"key": "small", "name": "Small"}].')}
            )
        lists = (self.Datatype.SINGLEVALUELIST, self.Datatype.MULTIVALUELIST)
        if self.datatype in lists and not values:
            raise ValidationError({"values": _("A list attribute needs at least one choice.")})

    def value_keys(self) -> set[str]:
        values = self.values if isinstance(self.values, list) else []
        return {str(item.get("key")) for item in values if isinstance(item, dict)}


class SignalAttributeValue(models.Model):
    """An answer to a `ServiceAttribute`, given when the signal was posted. Staff-only."""

    signal = models.ForeignKey(
        "signals.Signal", on_delete=models.CASCADE, related_name="open311_attributes"
    )
    attribute = models.ForeignKey(ServiceAttribute, on_delete=models.PROTECT, related_name="+")
    value = models.TextField()

    class Meta:
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")

    def __str__(self) -> str:
        return f"{self.attribute.code}={self.value}"
