"""Demo staff accounts: one agent per service, one supervisor of every service, one admin.

DEMO ONLY: the passwords are published in the README. `load_demo` creates them;
never run it on a production database.
"""

from django.contrib.auth import get_user_model

from geo.models import Service
from workflow.models import Membership

DEMO_PASSWORD = "demo-dansmarue"  # noqa: S105 — published on purpose, demo data only


def load_staff() -> list[str]:
    """Create (or reset) the demo staff accounts; returns their usernames."""
    User = get_user_model()
    names = []

    def account(username: str, **flags):
        user, _created = User.objects.get_or_create(username=username, defaults=flags)
        for key, value in flags.items():
            setattr(user, key, value)
        user.set_password(DEMO_PASSWORD)
        user.save()
        names.append(username)
        return user

    for service in Service.objects.order_by("slug"):
        agent = account(f"agent-{service.slug}")
        Membership.objects.update_or_create(
            user=agent, service=service, defaults={"role": Membership.Role.AGENT}
        )
    supervisor = account("superviseur")
    for service in Service.objects.all():
        Membership.objects.update_or_create(
            user=supervisor, service=service, defaults={"role": Membership.Role.SUPERVISOR}
        )
    account("admin", is_staff=True, is_superuser=True)
    return names
