"""factory_boy factories shared by every app's tests.

Geometries lie inside a small test city around Paris's Hôtel de Ville, so a
test reads like a map: WEST and EAST are two services' sectors sharing the
meridian 2.35 as their border.
"""

import factory
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from geo.models import Service
from geo.services import service_area_create
from signals.models import Category
from signals.services import signal_create

# Two squares of about 1.5 km, sharing the border lon = 2.35.
WEST = Polygon.from_bbox((2.33, 48.85, 2.35, 48.865))
EAST = Polygon.from_bbox((2.35, 48.85, 2.37, 48.865))
INSIDE_WEST = Point(2.34, 48.857, srid=4326)
INSIDE_EAST = Point(2.36, 48.857, srid=4326)


class ParentCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"Type {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"sous-type-{n}")
    name = factory.Sequence(lambda n: f"Sous-type {n}")
    parent = factory.SubFactory(ParentCategoryFactory)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    email = factory.LazyAttribute(lambda s: f"{s.slug}@ville.example")


def make_area(service=None, polygon: Polygon = WEST, categories=(), priority: int = 0, name=""):
    service = service or ServiceFactory()
    return service_area_create(
        service=service,
        name=name or f"{service.name} area",
        geom=MultiPolygon(polygon.clone(), srid=4326),
        categories=categories,
        priority=priority,
    )


def make_signal(category=None, location: Point = INSIDE_WEST, **kwargs):
    category = category or CategoryFactory()
    return signal_create(
        category=category,
        description=kwargs.pop("description", "Nid de poule devant le 12"),
        location=location,
        **kwargs,
    )
