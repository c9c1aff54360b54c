from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Service(models.Model):
    """A technical service of the city (Propreté, Voirie, ...) that handles signals."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    daily_digest = models.BooleanField(
        _("daily digest"),
        default=True,
        # Also in the database: rows written without the field (raw SQL, the previous
        # release during a deploy) get it too.
        db_default=True,
        help_text=_(
            "Each morning, an e-mail to the contact address with the signals new to the "
            "service, and how many are overdue or said not fixed by a resident."
        ),
    )
    mail_each_signal = models.BooleanField(
        _("an e-mail for each new signal"),
        default=False,
        db_default=False,
        help_text=_(
            "An e-mail to the contact address as soon as a signal is reported to the "
            "service, or transferred or re-routed to it: for a service that works from its "
            "mailbox."
        ),
    )
    # Where the next digest starts (workflow.digests); one digest per service per day.
    digest_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class ServiceArea(models.Model):
    """A territory in which one service handles some (or all) categories.

    An area with no category handles every category. Among areas that cover a
    point, the highest priority wins, then the smallest area (the most specific
    one), then the oldest: the same point always goes to the same service.
    """

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="areas", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=200)
    # Indexed by the named GiST index below, not a second automatic one.
    geom = models.MultiPolygonField(_("geometry"), srid=4326, spatial_index=False)
    categories = models.ManyToManyField(
        "signals.Category",
        blank=True,
        related_name="service_areas",
        verbose_name=_("categories handled"),
        help_text=_("Leave empty to handle every category."),
    )
    priority = models.IntegerField(
        _("priority"), default=0, help_text=_("Higher wins when several areas cover a point.")
    )
    # Cached at save time so that the deterministic tie-break costs nothing per lookup.
    area_m2 = models.FloatField(_("area (m²)"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service__name", "name"]
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        indexes = [GistIndex(fields=["geom"], name="servicearea_geom_gist")]
        constraints = [
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="servicearea_geom_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.service.name} — {self.name}"


class ServiceAreaPiece(models.Model):
    """A small piece of a service area (ST_Subdivide), kept once per category it handles.

    Lookups against a polygon of hundreds of thousands of vertices cost about
    as much as against a small one once it is cut into pieces of at most
    `SUBDIVIDE_MAX_VERTICES` vertices (MapIt's technique).

    Each piece is stored once per category its area lists (`category_key` 0 when the
    area handles every category), and indexed on (category_key, geom): a nearest-area
    search then walks only the pieces of the signal's category instead of every
    service's sectors. A trigger on the areas' category list keeps the copies in step
    (migration geo 0004), whichever way the list changes: admin, import, shell, or a
    category's deletion.
    """

    area = models.ForeignKey(ServiceArea, on_delete=models.CASCADE, related_name="pieces")
    # A plain key, not a foreign key: 0 stands for "every category" (NULL would do, but
    # a GiST search for NULL cannot prune the tree and reads most of the index), and
    # the trigger, which owns these rows, must see a deleted category's list entries go
    # before the pieces are re-keyed.
    category_key = models.BigIntegerField(default=0)
    geom = models.PolygonField(srid=4326, spatial_index=False)

    class Meta:
        indexes = [
            GistIndex(fields=["category_key", "geom"], name="serviceareapiece_cat_geom_gist")
        ]

    def __str__(self) -> str:
        return f"piece {self.pk} of area {self.area_id}"
