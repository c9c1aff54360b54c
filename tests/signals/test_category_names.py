"""Category names follow the page's language: English where a category has one, else French.

The names are data: `name` (French, the site's language) and `name_en`. The API, the
GeoJSON list built in SQL, Open311's services, the pages and the e-mails use the active
language's name.
"""

import pytest

from signals.demo import load_categories
from signals.models import Category
from tests.factories import WEST, CategoryFactory, ParentCategoryFactory, make_area, make_signal

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def pothole():
    make_area(polygon=WEST)
    parent = ParentCategoryFactory(code="voirie", name="Voirie", name_en="Roads")
    category = CategoryFactory(
        code="nid-de-poule", name="Nid de poule", name_en="Pothole", parent=parent
    )
    # No English name yet: French stands in.
    CategoryFactory(code="trottoir", name="Trottoir dégradé", parent=parent)
    return category


def tree_names(response) -> list[str]:
    (parent,) = response.json()
    return [parent["name"], *[child["name"] for child in parent["children"]]]


def test_the_category_tree_speaks_the_asked_language_with_french_as_the_fallback(client, pothole):
    assert tree_names(client.get("/api/v1/categories/")) == [
        "Voirie",
        "Nid de poule",
        "Trottoir dégradé",
    ]
    assert tree_names(client.get("/api/v1/categories/", **EN)) == [
        "Roads",
        "Pothole",
        "Trottoir dégradé",
    ]


def test_the_category_tree_follows_additions_renames_and_deactivations(
    client, pothole, django_assert_num_queries
):
    def codes() -> list[tuple[str, list[str]]]:
        body = client.get("/api/v1/categories/").json()
        return [(kind["code"], [child["code"] for child in kind["children"]]) for kind in body]

    assert codes() == [("voirie", ["nid-de-poule", "trottoir"])]
    # Read from the process's copy of the categories: no query once it is loaded.
    with django_assert_num_queries(0):
        assert len(client.get("/api/v1/categories/").json()) == 1
    graffiti = ParentCategoryFactory(code="graffitis", name="Graffitis")
    CategoryFactory(code="tag", name="Tag", parent=graffiti)
    CategoryFactory(code="bordure", name="Bordure", parent=pothole.parent)
    assert codes() == [("graffitis", ["tag"]), ("voirie", ["bordure", "nid-de-poule", "trottoir"])]
    pothole.name = "Nid-de-poule profond"
    pothole.save()
    voirie = next(k for k in client.get("/api/v1/categories/").json() if k["code"] == "voirie")
    assert [child["name"] for child in voirie["children"]][1] == "Nid-de-poule profond"
    pothole.is_active = False
    pothole.save()
    graffiti.is_active = False
    graffiti.save()
    assert codes() == [("voirie", ["bordure", "trottoir"])]


def test_signals_in_the_api_carry_the_name_in_the_asked_language(client, pothole):
    signal = make_signal(pothole)
    other = make_signal(Category.objects.get(code="trottoir"))
    listed = client.get("/api/v1/signals/", **EN).json()["features"]
    names = {f["id"]: f["properties"]["category"]["name"] for f in listed}
    assert names == {signal.reference: "Pothole", other.reference: "Trottoir dégradé"}
    one = client.get(f"/api/v1/signals/{signal.reference}/", **EN).json()
    assert one["properties"]["category"]["name"] == "Pothole"
    french = client.get("/api/v1/signals/").json()["features"]
    assert {f["properties"]["category"]["name"] for f in french} == {
        "Nid de poule",
        "Trottoir dégradé",
    }


def test_open311_services_speak_the_asked_language(client, pothole):
    services = {s["service_code"]: s for s in client.get("/open311/v2/services.json", **EN).json()}
    assert services["nid-de-poule"]["service_name"] == "Pothole"
    assert services["nid-de-poule"]["group"] == "Roads"
    assert services["trottoir"]["service_name"] == "Trottoir dégradé"
    french = {s["service_code"]: s for s in client.get("/open311/v2/services.json").json()}
    assert french["nid-de-poule"]["service_name"] == "Nid de poule"


def test_the_pages_show_the_names_in_the_page_language(client, pothole):
    signal = make_signal(pothole)
    english = client.get(f"/signalements/{signal.reference}/", **EN).content.decode()
    assert "<h1>Pothole</h1>" in english
    assert "Roads" in english
    form = client.get("/signaler/", **EN).content.decode()
    assert ">Pothole</label>" in form
    assert ">Trottoir dégradé</label>" in form
    french = client.get(f"/signalements/{signal.reference}/").content.decode()
    assert "<h1>Nid de poule</h1>" in french


def test_the_demo_city_categories_all_have_an_english_name():
    load_categories()
    assert not Category.objects.filter(name_en="").exists()
    assert Category.objects.get(code="voirie-nid-de-poule").name_en == "Pothole"
