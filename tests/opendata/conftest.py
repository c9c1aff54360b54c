import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from signals.photos import photo_clean
from tests.factories import (
    EAST,
    INSIDE_EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    ParentCategoryFactory,
    ServiceFactory,
    make_area,
    make_signal,
)
from workflow.services import signal_transition

SECRET_EMAIL = "secret.reporter@example.org"
INTERNAL_NOTE = "NOTE-INTERNE-7f3a"
PUBLIC_MESSAGE = "Une équipe passera demain."


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters (Open311 POST per key, failed keys per address) start from zero.
    cache.clear()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def city(db):
    """Two services side by side, two categories, three signals (one closed, one with a photo)."""
    voirie = ParentCategoryFactory(code="voirie", name="Voirie et espace public")
    pothole = CategoryFactory(code="voirie-nid-de-poule", name="Nid de poule", parent=voirie)
    graffiti = CategoryFactory(
        code="graffitis-tag",
        name="Graffiti ou tag",
        parent=ParentCategoryFactory(code="graffitis", name="Graffitis"),
    )
    make_area(ServiceFactory(slug="ouest", name="Voirie Ouest"), WEST)
    make_area(ServiceFactory(slug="est", name="Voirie Est"), EAST)
    now = timezone.now()
    old = make_signal(
        pothole,
        INSIDE_WEST,
        email=SECRET_EMAIL,
        address="12 rue de Rivoli, 75004 Paris",
        created_at=now - timedelta(days=30),
    )
    signal_transition(signal=old, to="accepted", message=PUBLIC_MESSAGE, note=INTERNAL_NOTE)
    closed = make_signal(
        graffiti, INSIDE_EAST, email=SECRET_EMAIL, created_at=now - timedelta(days=2)
    )
    signal_transition(signal=closed, to="rejected", message="Domaine privé.", note=INTERNAL_NOTE)
    recent = make_signal(
        pothole,
        INSIDE_EAST,
        email=SECRET_EMAIL,
        photos=[photo_clean(data=jpeg_bytes())],
        created_at=now - timedelta(hours=1),
    )
    return {
        "old": old,
        "closed": closed,
        "recent": recent,
        "pothole": pothole,
        "graffiti": graffiti,
    }
