import copy

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from config.bad_input import NUL_IN_FIELD
from signals.api.fields import GeoJSONPointField
from signals.categories import category_active, category_active_children
from signals.models import Category, Photo, Signal
from signals.photos import CleanPhoto, InvalidPhotos, photos_clean
from signals.selectors import offered_categories
from workflow.states import State

MAX_PHOTOS = 3


class CategoryRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Category
        fields = ["code", "name", "parent"]


class ServiceRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PublicPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = ["url", "kind", "width", "height"]

    def get_url(self, photo: Photo) -> str:
        request = self.context.get("request")
        url = photo.image.url
        return request.build_absolute_uri(url) if request else url


class ActiveCategoryField(serializers.SlugRelatedField):
    """An offered category by code, from the process's copy (`signals.categories`) when it has it.

    Anything else (a code created since the copy, a typo, a number) takes the
    database path of `SlugRelatedField`, with its messages.
    """

    # A class attribute, not an argument: DRF copies each field of a serializer for every
    # request, re-running __init__, and building this QuerySet each time showed in profiles.
    # `get_queryset()` clones it before use.
    queryset = offered_categories()

    def __init__(self):
        super().__init__(slug_field="code")

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            # The report page gives its fields to this serializer without DRF's parsers,
            # which refuse a NUL (config/bad_input.py): PostgreSQL cannot compare one.
            raise serializers.ValidationError(NUL_IN_FIELD)
        found = category_active(data) if isinstance(data, str) else None
        return found if found is not None else super().to_internal_value(data)


class SignalCreateInputSerializer(serializers.Serializer):
    category = ActiveCategoryField()
    description = serializers.CharField(max_length=5000, trim_whitespace=True)
    location = GeoJSONPointField()
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    # Multipart only: the repeated field `photos`, each file cleaned before anything is stored.
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=MAX_PHOTOS,
        error_messages={"max_length": _("At most {max_length} photos.")},
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        """Each report's own copies of the fields, made without re-running their __init__.

        DRF deep-copies every declared field for each serializer, which rebuilds each
        field (its validators, its messages): ~9 % of a worker's Python samples per
        report in the profile (bench/notes.py, "creation"). A shallow copy is bound
        to this serializer on its own; what it shares with the declared field (its
        validators, messages, the photo list's child field) is only read.
        """
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    def validate_photos(self, files) -> list[CleanPhoto]:
        try:
            return photos_clean(files=files)
        except InvalidPhotos as error:
            raise serializers.ValidationError(error.messages) from error

    def validate_category(self, category: Category) -> Category:
        codes = category_active_children(category)
        if codes is None:  # read from the database: newer than the process's copy
            codes = list(category.children.filter(is_active=True).values_list("code", flat=True))
        if codes:
            codes = ", ".join(codes)
            raise serializers.ValidationError(
                _("Choose a sub-category of “%(name)s”: %(codes)s.")
                % {"name": category.display_name, "codes": codes}
            )
        return category


class SignalCreatedSerializer(serializers.ModelSerializer):
    """What the reporter gets back: enough to follow the signal, including their own e-mail."""

    category = CategoryRefSerializer()
    service = ServiceRefSerializer()
    location = GeoJSONPointField()
    routing = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = [
            "reference",
            "uuid",
            "status",
            "status_label",
            "category",
            "description",
            "location",
            "address",
            "service",
            "routing",
            "photos",
            "created_at",
        ]

    def get_routing(self, signal: Signal) -> dict:
        return {"method": signal.routing_method, "distance_m": signal.routing_distance_m}

    def get_photos(self, signal: Signal) -> list[dict]:
        public = [photo for photo in signal.photos.all() if photo.is_public]
        if not public:
            return []
        return PublicPhotoSerializer(public, many=True, context=self.context).data

    def to_representation(self, signal: Signal) -> dict:
        """What the fields above give, written out (they stay for the OpenAPI schema).

        Building a ModelSerializer's fields for each report cost more Python time
        than the rest of the response; `tests/signals/test_api_create.py` holds
        this output equal to the fields' own.
        """
        category, service = signal.category, signal.service
        parent = category.parent if category.parent_id else None
        return {
            "reference": signal.reference,
            "uuid": str(signal.uuid),
            "status": str(signal.status),
            # What get_status_display() gives, without rebuilding the choices' dict per call.
            "status_label": str(State(signal.status).label),
            "category": {
                "code": category.code,
                "name": category.display_name,
                "parent": parent.code if parent else None,
            },
            "description": signal.description,
            "location": _POINT.to_representation(signal.location),
            "address": signal.address,
            "service": {"slug": service.slug, "name": service.name} if service else None,
            "routing": self.get_routing(signal),
            "photos": self.get_photos(signal),
            "created_at": _DATETIME.to_representation(signal.created_at),
        }


_POINT = GeoJSONPointField()
_DATETIME = serializers.DateTimeField()


class SignalPublicSerializer(GeoFeatureModelSerializer):
    """A signal as a GeoJSON Feature. No reporter contact, no internal note: ever."""

    category = CategoryRefSerializer()
    service = ServiceRefSerializer(allow_null=True)
    status_label = serializers.CharField(source="get_status_display")
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        geo_field = "location"
        id_field = "reference"
        fields = [
            "reference",
            "category",
            "description",
            "address",
            "status",
            "status_label",
            "service",
            "created_at",
            "updated_at",
            "photos",
        ]

    def get_photos(self, signal: Signal) -> list[dict]:
        public = [photo for photo in signal.photos.all() if photo.is_public]
        return PublicPhotoSerializer(public, many=True, context=self.context).data


class CategoryTreeSerializer(serializers.ModelSerializer):
    # The view passes `children` in the context: type pk → its active sub-types, in order.
    name = serializers.CharField(source="display_name", read_only=True)
    children = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["code", "name", "icon", "description", "children"]

    def get_children(self, category: Category) -> list[dict]:
        return [
            {"code": c.code, "name": c.display_name, "icon": c.icon, "description": c.description}
            for c in self.context["children"].get(category.pk, [])
        ]


class AggregatesQuerySerializer(serializers.Serializer):
    zoom = serializers.IntegerField(min_value=0, max_value=22)


class NearbyQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    radius = serializers.FloatField(min_value=1, max_value=200, default=50)


class NearbySignalSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer()
    status_label = serializers.CharField(source="get_status_display")
    distance_m = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = [
            "reference",
            "category",
            "description",
            "status",
            "status_label",
            "created_at",
            "distance_m",
            "url",
        ]

    def get_distance_m(self, signal: Signal) -> float:
        return round(signal.distance_m, 1)

    def get_url(self, signal: Signal) -> str:
        return reverse("publicmap:signal-detail", kwargs={"reference": signal.reference})
