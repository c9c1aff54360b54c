import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    EAST,
    INSIDE_EAST,
    INSIDE_WEST,
    WEST,
    CategoryFactory,
    ServiceFactory,
    make_area,
    make_signal,
)
from workflow.models import Membership
from workflow.notifications import mails_send


class City:
    """Two services side by side, their staff, and one signal in each."""

    def __init__(self):
        self.category = CategoryFactory(code="nid-de-poule", name="Nid de poule")
        self.voirie = ServiceFactory(slug="voirie", name="Voirie")
        self.proprete = ServiceFactory(slug="proprete", name="Propreté")
        make_area(self.voirie, WEST)
        make_area(self.proprete, EAST)
        users = get_user_model().objects
        self.agent = users.create_user("agent-voirie", password="pw-agent-1")
        self.supervisor = users.create_user("chef-voirie", password="pw-chef-1")
        self.other_agent = users.create_user("agent-proprete", password="pw-agent-2")
        self.stranger = users.create_user("sans-service", password="pw-none-1")
        Membership.objects.create(user=self.agent, service=self.voirie)
        Membership.objects.create(
            user=self.supervisor, service=self.voirie, role=Membership.Role.SUPERVISOR
        )
        Membership.objects.create(user=self.other_agent, service=self.proprete)
        self.ours = make_signal(self.category, INSIDE_WEST, email="reporter@example.org")
        self.theirs = make_signal(self.category, INSIDE_EAST, email="someone@example.org")
        # Their reporters were told long ago that they were received: the outbox starts empty.
        mails_send()
        mail.outbox.clear()

    def api(self, user) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client


@pytest.fixture
def city(db):
    return City()
