"""A creation (or resolution) that rolls back after its photos were written leaves no file.

The photos are decoded and re-encoded first, then written when their rows are
saved, inside the transaction; here the database refuses a later insert, as a
constraint or an outage would, and the transaction rolls back. Real commits and
rollbacks (transactional tests): nothing here runs inside a test's transaction.
"""

import contextlib
import io

import pytest
from django.db import DatabaseError, connection
from PIL import Image

from opendata.models import ServiceAttribute
from opendata.services import open311_request_create
from signals.models import Photo, Signal
from signals.photos import photo_clean
from signals.services import signal_create
from tests.factories import INSIDE_WEST, WEST, CategoryFactory, ServiceFactory, make_area
from workflow.services import signal_transition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def category():
    make_area(ServiceFactory(slug="voirie", name="Voirie"), WEST)
    return CategoryFactory(code="nid-de-poule", name="Nid de poule")


def files(media) -> list:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def photo(colour: str):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return photo_clean(data=out.getvalue(), name=f"{colour}.jpg")


@contextlib.contextmanager
def refused(table: str, *, after: int = 0, operation: str = "INSERT"):
    """PostgreSQL refuses every `operation` on `table` after the first `after` ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE SEQUENCE test_refusal; "
            "CREATE FUNCTION test_refusal() RETURNS trigger AS $$ BEGIN "
            f"IF nextval('test_refusal') > {after} THEN "
            "RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; "
            f"CREATE TRIGGER test_refusal BEFORE {operation} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_refusal();"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DROP TRIGGER test_refusal ON {table}; DROP FUNCTION test_refusal(); "
                "DROP SEQUENCE test_refusal;"
            )


def create(category, photos):
    return signal_create(category=category, description="Trou", location=INSIDE_WEST, photos=photos)


def test_a_committed_creation_keeps_its_photo_files(category, media):
    signal = create(category, [photo("red"), photo("blue")])
    stored = files(media)
    assert len(stored) == 2
    assert sorted(p.name for p in stored) == sorted(
        p.image.name.rsplit("/", 1)[1] for p in signal.photos.all()
    )


def test_a_creation_failing_after_its_photos_were_written_leaves_no_file(category, media):
    # The first photo's row and file are written; the second photo's insert is refused.
    with refused("signals_photo", after=1), pytest.raises(DatabaseError, match="refused"):
        create(category, [photo("red"), photo("blue")])
    assert not Signal.objects.exists()
    assert not Photo.objects.exists()
    assert files(media) == []


def test_an_open311_request_failing_after_its_signal_leaves_no_file(category, media):
    """The signal and its photo are written in a nested block that succeeds; the outer
    transaction then fails on the attribute answers, and takes the file back with it."""
    attribute = ServiceAttribute.objects.create(
        category=category, code="profondeur", description="Profondeur ?", datatype="string"
    )
    with refused("opendata_signalattributevalue"), pytest.raises(DatabaseError, match="refused"):
        open311_request_create(
            category=category,
            description="Trou",
            location=INSIDE_WEST,
            photos=[photo("green")],
            attributes=[(attribute, "profond")],
        )
    assert not Signal.objects.exists()
    assert files(media) == []


def test_a_resolution_failing_after_its_after_photo_was_written_leaves_no_file(category, media):
    signal = create(category, [photo("red")])
    signal_transition(signal=signal, to="accepted")
    before = files(media)
    with (
        refused("signals_signal", operation="UPDATE"),
        pytest.raises(DatabaseError, match="refused"),
    ):
        signal_transition(signal=signal, to="resolved", after_photo=photo("white"))
    signal.refresh_from_db()
    assert signal.status == "accepted"
    assert files(media) == before
