"""Reads for the staff side. Who sees what is decided here, and only here."""

from collections.abc import Sequence
from dataclasses import dataclass

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


def _signals_of_services(service_ids: list[int] | None) -> QuerySet[Signal]:
    # `None` is every service (a superuser). A list, not a subquery: with the ids in hand
    # the planner uses the per-service indexes.
    if service_ids is None:
        return Signal.objects.all()
    return Signal.objects.filter(service_id__in=service_ids)


def signals_visible_to(user) -> QuerySet[Signal]:
    """THE visibility rule: a staff member sees and acts on their services' signals only.

    Everything on the staff side — pages, API, bulk actions, statistics — starts
    from this queryset (or from `StaffAccess.signals()`, the same rule), so that
    another service's signal is a 404, never a 403 that would confirm it exists.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Signal.objects.none()
    if user.is_superuser:
        return _signals_of_services(None)
    return _signals_of_services(
        list(Membership.objects.filter(user=user).values_list("service_id", flat=True))
    )


@dataclass(frozen=True)
class StaffAccess:
    """What `services_of`, `is_staff_member`, `is_supervisor` and `signals_visible_to` say
    about one user, read in one query: a staff page needs all of them on every request."""

    # As `services_of`, by name: a list, or for a superuser the (lazy) QuerySet of every
    # service, read only by the pages that list them.
    services: Sequence[Service]
    is_staff_member: bool
    supervises: bool
    service_ids: list[int] | None  # None: every service (a superuser)

    def signals(self) -> QuerySet[Signal]:
        """The signals this user sees: `signals_visible_to`'s rule."""
        return _signals_of_services(self.service_ids)


def staff_access(user) -> StaffAccess:
    """The user's services, whether they supervise one, and what they see: one query."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return StaffAccess(services=[], is_staff_member=False, supervises=False, service_ids=[])
    if user.is_superuser:
        services = Service.objects.all()
        exists = services.exists()
        return StaffAccess(
            services=services, is_staff_member=exists, supervises=exists, service_ids=None
        )
    # Ordered by PostgreSQL, as `services_of` is: its collation, not Python's, sorts names.
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("service")
        .order_by("service__name", "service_id")
    )
    services: dict[int, Service] = {}
    supervises = False
    for membership in memberships:
        services[membership.service_id] = membership.service
        supervises = supervises or membership.role == Membership.Role.SUPERVISOR
    return StaffAccess(
        services=list(services.values()),
        is_staff_member=bool(services),
        supervises=supervises,
        service_ids=list(services),
    )
