from django.contrib.gis.db import models
from django.contrib.gis.geos import Polygon

from workflow.states import CLOSED


class SignalQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status__in=[state.value for state in CLOSED])

    def closed(self):
        return self.filter(status__in=[state.value for state in CLOSED])

    def in_bbox(self, bbox: tuple[float, float, float, float]):
        return self.filter(location__intersects=Polygon.from_bbox(bbox))

    def with_public_relations(self):
        return self.select_related("category__parent", "service")
