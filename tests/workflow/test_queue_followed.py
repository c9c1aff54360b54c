"""'Most followed first': counts of confirmed followers, kept where followers are written."""

import pytest

from signals.followers import follower_confirm, follower_subscribe
from signals.models import Follower, Signal
from signals.unsubscribe import follower_token, recipient_unsubscribe
from tests.factories import INSIDE_WEST, make_signal

pytestmark = pytest.mark.django_db


def followed_by(signal: Signal, n: int, *, confirmed: bool = True) -> list[Follower]:
    made = []
    for i in range(n):
        follower = follower_subscribe(signal=signal, email=f"voisin{signal.pk}-{i}@example.org")
        if confirmed:
            follower = follower_confirm(token=follower.token)
        made.append(follower)
    return made


def count(signal: Signal) -> int:
    return Signal.objects.values_list("followers_count", flat=True).get(pk=signal.pk)


def test_only_confirmed_followers_count_and_leaving_uncounts(city):
    [first, second] = followed_by(city.ours, 2)
    followed_by(city.ours, 1, confirmed=False)
    assert count(city.ours) == 2
    recipient_unsubscribe(token=follower_token(first))
    assert count(city.ours) == 1
    city.ours.delete()  # the cascade takes `second` along without tripping over the count
    assert not Follower.objects.filter(pk=second.pk).exists()


def test_a_save_from_an_older_copy_keeps_the_count(city):
    stale = Signal.objects.get(pk=city.ours.pk)
    followed_by(city.ours, 3)
    stale.description = "Trou profond devant le 12"
    stale.save()
    assert count(city.ours) == 3


def test_the_queue_sorts_by_followers_then_oldest_across_pages(city):
    quiet = city.ours
    popular, middling = (
        make_signal(city.category, INSIDE_WEST),
        make_signal(city.category, INSIDE_WEST),
    )
    followed_by(popular, 3)
    followed_by(middling, 1)
    followed_by(middling, 2, confirmed=False)
    client = city.api(city.agent)
    url, seen = "/api/v1/staff/signals/?sort=followed&page_size=1", []
    while url:
        body = client.get(url).json()
        seen += [(row["reference"], row["followers_count"]) for row in body["results"]]
        url = body["next"]
    assert seen == [(popular.reference, 3), (middling.reference, 1), (quiet.reference, 0)]
