import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import Func, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from signals.querysets import SignalQuerySet
from workflow.states import OPEN, State

OPEN_VALUES = sorted(state.value for state in OPEN)


# The languages a category's name exists in besides French (`name`), each as `name_<code>`.
NAME_LANGUAGES = ("en",)


def localized_name(category, language: str | None) -> str:
    code = (language or "").split("-")[0]
    if code in NAME_LANGUAGES:
        return getattr(category, f"name_{code}") or category.name
    return category.name


class Category(models.Model):
    """A two-level tree: types ("Propreté") and their sub-types ("Déchets").

    Residents report under a sub-type; `code` is stable and is what the API,
    Open311 (`service_code`) and imports use.
    """

    code = models.SlugField(_("code"), max_length=80, unique=True)
    # French, the site's language: the name every other language falls back to.
    name = models.CharField(_("name"), max_length=200)
    # A database default too: rows inserted in SQL (imports, the bench city) need not name it.
    name_en = models.CharField(
        _("name in English"), max_length=200, blank=True, default="", db_default=""
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent category"),
    )
    icon = models.CharField(_("icon"), max_length=80, blank=True)
    description = models.TextField(_("help text"), blank=True)
    # Days the services commit to; past it a signal shows as overdue.
    service_level_days = models.PositiveIntegerField(_("service level (days)"), default=7)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="category_not_own_parent"
            )
        ]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.display_name} › {self.display_name}"
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language, French when it has none in that language."""
        return localized_name(self, get_language())

    @property
    def is_leaf(self) -> bool:
        return self.parent_id is not None


class Signal(models.Model):
    """A report of a problem in the public space."""

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")
        IMPORT = "import", _("Import")
        DEMO = "demo", _("Demo data")

    class RoutingMethod(models.TextChoices):
        COVERS = "covers", _("Inside a service area")
        NEAREST = "nearest", _("Nearest service area")
        MANUAL = "manual", _("Transferred by staff")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Unique through `signal_reference_unique` (Meta), not `unique=True`: that would add a
    # second, `varchar_pattern_ops` index for LIKE queries no one makes, written by every report.
    reference = models.CharField(_("reference"), max_length=32, editable=False)
    # No index of their own: `signal_category_created` and `signal_queue` start with
    # these columns, and each index costs every report a write.
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="signals",
        verbose_name=_("category"),
        db_index=False,
    )
    description = models.TextField(_("description"))
    location = models.PointField(_("location"), srid=4326)
    address = models.CharField(_("address"), max_length=255, blank=True)

    # Personal data: never in any public output.
    reporter_email = models.EmailField(_("reporter e-mail"), blank=True)
    # The language the reporter used (a code of settings.LANGUAGES): their e-mails are
    # written in it. Empty: the site's language.
    reporter_language = models.CharField(
        _("reporter's language"), max_length=7, blank=True, default="", db_default=""
    )

    service = models.ForeignKey(
        "geo.Service",
        on_delete=models.PROTECT,
        null=True,
        db_index=False,
        related_name="signals",
        verbose_name=_("service in charge"),
    )
    # The agent of the service in charge who handles it (workflow.assignment); cleared when
    # the signal goes to another service.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
        db_index=False,  # `signal_assignee` in Meta
    )
    routing_method = models.CharField(
        _("routing"), max_length=10, choices=RoutingMethod.choices, blank=True
    )
    routing_distance_m = models.FloatField(_("distance to the area (m)"), null=True, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.NEW)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.WEB
    )
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Bumped by every write: an update made from a stale copy is a conflict, not a silent loss.
    version = models.PositiveIntegerField(default=1)
    # The client's `Idempotency-Key` on creation: a retried report finds its signal instead of
    # making a second one. Unique, so that even two concurrent retries store one signal.
    idempotency_key = models.CharField(max_length=128, null=True, blank=True, editable=False)
    # A hash of what was reported with that key: the same key with another report is a conflict.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    # Confirmed followers, kept by a trigger on signals_follower (migration 0007) so that the
    # queue sorts "most followed first" off an index; never written by Django (see save()).
    followers_count = models.PositiveIntegerField(
        _("followers"), default=0, db_default=0, editable=False
    )

    # The signal's web-mercator tile at zoom 19 as a quadtree key (its x and y bits
    # interleaved), computed by PostgreSQL (`signals_tile_key`, migration 0014); NULL off
    # the web-mercator square. Every map tile's signals form one range of keys and each
    # cluster cell a sub-range, so a low-zoom tile is counted off an index alone
    # (signals.tiles). Stored: an index on an expression cannot answer without the rows.
    tile_key = models.GeneratedField(
        expression=Func(
            Func("location", function="ST_X", output_field=models.FloatField()),
            Func("location", function="ST_Y", output_field=models.FloatField()),
            function="signals_tile_key",
            output_field=models.BigIntegerField(),
        ),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )

    objects = SignalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            # Every list in date order (the default ordering, open data's pages and their
            # keyset cursors, Open311's last 90 days, the date filters) reads its first
            # rows off this index instead of sorting a million signals.
            models.Index(fields=["created_at", "id"], name="signal_created"),
            models.Index(fields=["status", "created_at"], name="signal_status_created"),
            models.Index(fields=["service", "status", "created_at"], name="signal_queue"),
            # The triage queue: a service's open signals in date order (a page is read
            # straight off this index). Its counts per status are kept by a trigger
            # (workflow.queue_counts), not counted off an index.
            models.Index(
                fields=["service", "created_at", "id"],
                name="signal_queue_open",
                condition=Q(status__in=OPEN_VALUES),
            ),
            models.Index(
                fields=["service", "-followers_count", "id"],
                name="signal_queue_open_followed",
                condition=Q(status__in=OPEN_VALUES),
            ),
            models.Index(fields=["category", "created_at"], name="signal_category_created"),
            # "Assigned to me" and its counts per status; unassigned signals write no entry.
            models.Index(
                fields=["assignee", "status", "created_at"],
                name="signal_assignee",
                condition=Q(assignee__isnull=False),
            ),
            # A resident's own reports (signals.resident_links); only reports left with an
            # address write an entry.
            models.Index(
                fields=["reporter_email"],
                name="signal_reporter_email",
                condition=~Q(reporter_email=""),
            ),
            models.Index(fields=["updated_at"], name="signal_updated"),
            # The map's tiles: open signals by place (partial GiST index
            # `signal_open_location`, created in SQL by migration 0004: Django's
            # PostGIS backend drops the condition of a spatial index) for the
            # points, by tile key for the clusters; recently closed ones by date,
            # with what the clusters need (no visit to the rows).
            models.Index(
                fields=["tile_key"],
                name="signal_open_tile_key",
                condition=Q(status__in=OPEN_VALUES),
            ),
            models.Index(
                fields=["closed_at"],
                include=["tile_key", "status"],
                name="signal_closed_at_tile",
                condition=Q(closed_at__isnull=False),
            ),
            # The triage queue's free-text search (`icontains`, which PostgreSQL runs as
            # `UPPER(column) LIKE UPPER('%text%')`): trigram indexes on the same
            # expressions answer it without reading every signal of the service.
            GinIndex(
                OpClass(Upper("description"), name="gin_trgm_ops"),
                name="signal_description_trgm",
            ),
            GinIndex(
                OpClass(Upper("address"), name="gin_trgm_ops"),
                name="signal_address_trgm",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="signal_reference_unique"),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="signal_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_status_display(self) -> str:
        # Django's own rebuilds the choices' dict at every call, translating each of the
        # nine labels to hash it: 0.3 ms a signal, most of a 1,000-request Open311 page.
        try:
            return str(State(self.status).label)
        except ValueError:
            return str(self.status)

    def save(self, *args, **kwargs):
        # The database owns `followers_count`: a full save from a copy loaded before a
        # follower confirmed must not write the old count back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "followers_count"
            ]
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        from workflow.states import CLOSED

        return self.status in CLOSED


def photo_upload_to(instance: "Photo", filename: str) -> str:
    # Random names: a photo's URL says nothing about the signal or the resident.
    token = uuid.uuid4().hex
    suffix = PurePosixPath(filename).suffix.lower() or ".jpg"
    return f"photos/{token[:2]}/{token}{suffix}"


class Photo(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("Reported")
        AFTER = "after", _("After the work")
        # With a resident's answer to "is it fixed?": for the services only (not public).
        FEEDBACK = "feedback", _("Resident's answer")

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(
        _("image"), upload_to=photo_upload_to, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BEFORE)
    is_public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name


class HeldPhoto(models.Model):
    """A resident's photo, already cleaned, kept while the report form comes back to them.

    Without JavaScript a browser cannot refill a file input: when the form returns (a
    field to correct, "Déjà signalé ?"), the photos already sent wait here under a random
    token that only that page holds, for `signals.held_photos.HOLD_FOR` at most. They are
    stored in the database, not as files, so that every server sees them and nothing of
    them is ever served.
    """

    token = models.CharField(max_length=64, db_index=True)
    position = models.PositiveSmallIntegerField()
    jpeg = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    held_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["token", "position"]
        constraints = [
            models.UniqueConstraint(fields=["token", "position"], name="heldphoto_unique_position")
        ]


class ResidentLink(models.Model):
    """A link mailed to a resident that lists the signals they reported or follow
    ("Mes signalements", signals.resident_links). Only a digest of the token is kept, and
    the address stays out of the URL (and so out of access logs and browser histories)."""

    digest = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"resident link #{self.pk}"


class Follower(models.Model):
    """A resident who asked to be kept informed about a signal ("moi aussi")."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField(_("e-mail"))
    # As Signal.reporter_language: the follower's e-mails are written in it.
    language = models.CharField(_("language"), max_length=7, blank=True, default="", db_default="")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(fields=["signal", "email"], name="follower_once_per_signal")
        ]
        indexes = [models.Index(fields=["email"], name="follower_email")]

    def __str__(self) -> str:
        return f"follower of {self.signal_id}"


class MapGrid(models.Model):
    """The grid of one zoom level of the map's counts (see signals.mapcells)."""

    level = models.PositiveSmallIntegerField(primary_key=True)
    lon_step = models.FloatField()
    lat_step = models.FloatField()


class CellCount(models.Model):
    """A count of signals of one category and status in one grid cell of a zoom level,
    with the sums of their coordinates (a count is drawn at its signals' mean position)."""

    level = models.PositiveSmallIntegerField()
    gx = models.IntegerField()
    gy = models.IntegerField()
    category_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    count = models.IntegerField()
    sum_lon = models.FloatField()
    sum_lat = models.FloatField()

    class Meta:
        abstract = True


class MapCell(CellCount):
    """The folded counts per cell, kept by a database trigger through `MapCellChange`."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "gx", "gy", "category_id", "status"], name="mapcell_key"
            )
        ]


class MapCellChange(CellCount):
    """A +1 or -1 on a `MapCell`, appended by the trigger on every signal write.

    Appending (rather than updating the counts in place) means two reports made
    at once never wait on each other's lock of a shared, city-wide cell; the
    changes are folded into `MapCell` every few hundred writes.
    """
