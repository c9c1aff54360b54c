"""Reads for the staff side. Who sees what is decided here, and only here."""

from django.db.models import QuerySet

from geo.models import Service
from signals.models import Signal
from workflow.models import Membership


def services_of(user, *, role: str | None = None) -> QuerySet[Service]:
    """The services whose signals `user` sees and acts on (all of them for a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Service.objects.none()
    if user.is_superuser:
        return Service.objects.all()
    memberships = Membership.objects.filter(user=user)
    if role is not None:
        memberships = memberships.filter(role=role)
    return Service.objects.filter(pk__in=memberships.values("service_id"))


def supervised_services(user) -> QuerySet[Service]:
    return services_of(user, role=Membership.Role.SUPERVISOR)


def is_staff_member(user) -> bool:
    return services_of(user).exists()


def is_supervisor(user) -> bool:
    return supervised_services(user).exists()


def signals_visible_to(user) -> QuerySet[Signal]:
    """THE visibility rule: a staff member sees and acts on their services' signals only.

    Everything on the staff side — pages, API, bulk actions, statistics — starts
    from this queryset, so that another service's signal is a 404, never a 403
    that would confirm it exists.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Signal.objects.none()
    if user.is_superuser:
        return Signal.objects.all()
    # A list, not a subquery: with the ids in hand the planner uses the per-service indexes.
    return Signal.objects.filter(
        service_id__in=list(
            Membership.objects.filter(user=user).values_list("service_id", flat=True)
        )
    )
