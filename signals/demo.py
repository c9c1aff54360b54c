"""The demo city: categories, services, sectors and a few hundred signals.

Loading is idempotent: categories and services are updated in place, areas
and signals are created only the first time, so `make run` can be run again
without losing anything.
"""

import json
import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction
from django.utils import timezone

from geo.models import ServiceArea
from geo.services import service_area_create, service_get_or_create
from signals.models import Category, Signal
from signals.services import signal_create
from workflow.services import signal_transition
from workflow.states import State

FIXTURES = Path(settings.BASE_DIR) / "fixtures"

# What residents typically write, per sub-category, so the demo reads true.
DESCRIPTIONS = {
    "proprete-depot-sauvage": [
        "Sacs poubelles déposés au pied de l'arbre depuis plusieurs jours.",
        "Gravats et cartons abandonnés devant le porche.",
    ],
    "proprete-corbeille-pleine": [
        "La corbeille déborde, les déchets s'envolent sur le trottoir.",
        "Corbeille pleine à côté de l'arrêt de bus.",
    ],
    "proprete-dejections": ["Trottoir couvert de déjections devant l'entrée de l'école."],
    "proprete-salissure": ["Grande tache d'huile sur le trottoir, ça glisse."],
    "voirie-nid-de-poule": [
        "Nid de poule profond sur la chaussée, dangereux pour les vélos.",
        "Trou dans la chaussée au niveau du passage piéton.",
    ],
    "voirie-trottoir-degrade": ["Dalles du trottoir soulevées, risque de chute."],
    "voirie-signalisation": ["Panneau stop tordu, il n'est plus visible."],
    "voirie-marquage": ["Le marquage du passage piéton a presque disparu."],
    "eclairage-lampadaire-eteint": [
        "Le lampadaire ne s'allume plus depuis une semaine, la rue est très sombre.",
        "Trois lampadaires éteints d'affilée dans la rue.",
    ],
    "eclairage-lampadaire-endommage": ["Lampadaire penché après un choc."],
    "eclairage-armoire-ouverte": [
        "La porte de l'armoire électrique est ouverte, des câbles dépassent."
    ],
    "graffitis-tag": ["Grand tag sur la façade fraîchement repeinte."],
    "graffitis-affichage-sauvage": ["Affiches collées sur toute la palissade."],
    "graffitis-autocollants": ["Autocollants sur le panneau de signalisation."],
    "vegetation-arbre-dangereux": ["Une grosse branche menace de tomber sur le trottoir."],
    "vegetation-envahissante": ["Les haies débordent et gênent le passage des poussettes."],
    "vegetation-nuisibles": ["Nombreux rats aperçus près du square le soir."],
    "mobilier-banc": ["Banc cassé, une latte manquante."],
    "mobilier-potelet-barriere": ["Potelet arraché au coin de la rue."],
    "mobilier-abri": ["Vitre de l'abribus brisée, des éclats sur le trottoir."],
    "objets-encombrants": ["Matelas et canapé abandonnés sur le trottoir."],
    "objets-velo": ["Vélo sans roues attaché à la grille depuis des mois."],
    "objets-trottinette": ["Trottinette abandonnée en travers du passage."],
}

# (final state, share of demo signals, path of states from new)
STATUS_PATHS = [
    ([], 0.25),
    ([State.ACCEPTED], 0.2),
    ([State.ACCEPTED, State.SCHEDULED], 0.1),
    ([State.ACCEPTED, State.IN_PROGRESS], 0.1),
    ([State.ACCEPTED, State.ON_HOLD], 0.05),
    ([State.ACCEPTED, State.RESOLVED], 0.22),
    ([State.REJECTED], 0.05),
    ([State.ACCEPTED, State.DUPLICATE], 0.03),
]

MESSAGES = {
    State.ACCEPTED: "Votre signalement a été pris en compte par le service.",
    State.SCHEDULED: "Une intervention est programmée.",
    State.IN_PROGRESS: "Une équipe est en cours d'intervention.",
    State.ON_HOLD: "Le lieu est placé sous surveillance.",
    State.RESOLVED: "L'intervention a été réalisée. Merci pour votre signalement.",
    State.REJECTED: "Ce lieu relève du domaine privé : nous ne pouvons pas intervenir.",
    State.DUPLICATE: "Ce problème a déjà été signalé.",
}


def load_categories() -> int:
    tree = json.loads((FIXTURES / "categories.json").read_text(encoding="utf-8"))
    count = 0
    for position, node in enumerate(tree):
        parent, _ = Category.objects.update_or_create(
            code=node["code"],
            defaults={
                "name": node["name"],
                "name_en": node.get("name_en", ""),
                "icon": node.get("icon", ""),
                "position": position,
                "parent": None,
                "service_level_days": node.get("service_level_days", 7),
            },
        )
        count += 1
        for child_position, child in enumerate(node["children"]):
            Category.objects.update_or_create(
                code=child["code"],
                defaults={
                    "name": child["name"],
                    "name_en": child.get("name_en", ""),
                    "icon": child.get("icon", node.get("icon", "")),
                    "position": child_position,
                    "parent": parent,
                    "service_level_days": child.get(
                        "service_level_days", node.get("service_level_days", 7)
                    ),
                },
            )
            count += 1
    return count


def load_territory() -> int:
    collection = json.loads((FIXTURES / "territory.geojson").read_text(encoding="utf-8"))
    created = 0
    for feature in collection["features"]:
        props = feature["properties"]
        service, _ = service_get_or_create(
            slug=props["service"], name=props["service_name"], email=props["service_email"]
        )
        if ServiceArea.objects.filter(service=service, name=props["sector"]).exists():
            continue
        codes = [c for c in props["categories"].split(",") if c]
        service_area_create(
            service=service,
            name=props["sector"],
            geom=GEOSGeometry(json.dumps(feature["geometry"]), srid=4326),
            categories=Category.objects.filter(code__in=codes),
        )
        created += 1
    return created


def _random_point_in(outline: GEOSGeometry, rng: random.Random) -> Point:
    xmin, ymin, xmax, ymax = outline.extent
    while True:
        point = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), srid=4326)
        if outline.covers(point):
            return point


def load_signals(count: int = 300, seed: int = 2026) -> int:
    if Signal.objects.filter(source=Signal.Source.DEMO).exists():
        return 0
    rng = random.Random(seed)
    outline = ServiceArea.objects.get(name="Éclairage public Paris").geom
    leaves = list(Category.objects.filter(parent__isnull=False).select_related("parent"))
    paths, weights = zip(*STATUS_PATHS, strict=True)
    now = timezone.now()
    created = 0
    made: list[Signal] = []
    for _ in range(count):
        category = rng.choice(leaves)
        reported = now - timedelta(days=rng.uniform(0, 180), minutes=rng.randint(0, 600))
        with transaction.atomic():
            signal = signal_create(
                category=category,
                description=rng.choice(DESCRIPTIONS.get(category.code, [category.name])),
                location=_random_point_in(outline, rng),
                source=Signal.Source.DEMO,
                created_at=reported,
            )
            at = reported
            for state in rng.choices(paths, weights=weights)[0]:
                at = min(now, at + timedelta(hours=rng.uniform(2, 24 * 10)))
                # What the workflow's rules need for these states: a date, an original.
                extra = {}
                if state == State.SCHEDULED:
                    extra["planned_for"] = (at + timedelta(days=rng.randint(1, 14))).date()
                if state == State.DUPLICATE:
                    if not made:
                        break
                    extra["duplicate_of"] = rng.choice(made)
                signal = signal_transition(
                    signal=signal, to=state, message=MESSAGES[state], at=at, **extra
                )
        if signal.status != State.DUPLICATE:
            made.append(signal)
        created += 1
    return created
