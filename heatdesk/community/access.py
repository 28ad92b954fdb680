"""Who may see and change what of a compound's community data. Asked by services, selectors, API and pages alike
(STYLE 17: the rule lives once)."""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from heatdesk.accounts.models import Role, User
from heatdesk.core.errors import OutOfScope
from heatdesk.geo.models import Compound


class Right(StrEnum):
    STEWARDS_READ = "stewards_read"
    STEWARDS_EDIT = "stewards_edit"
    REGISTER_READ = "register_read"  # the vulnerable register: its community, the serving station, the desk lead
    REGISTER_EDIT = "register_edit"
    VISIT = "visit"  # campaigns and visits: the community's own work
    LEDGER_EDIT = "ledger_edit"
    LEDGER_READ = "ledger_read"


# Which relation to the compound each right needs: own (the community), serving (the station or company
# whose station serves it), lead (desk lead, and admins for the stewards only).
_RULES: dict[Right, frozenset[str]] = {
    Right.STEWARDS_READ: frozenset({"community", "station", "company", "desk_lead", "admin"}),
    Right.STEWARDS_EDIT: frozenset({"community", "company", "admin"}),
    Right.REGISTER_READ: frozenset({"community", "station", "desk_lead"}),
    Right.REGISTER_EDIT: frozenset({"community", "desk_lead"}),
    Right.VISIT: frozenset({"community", "desk_lead"}),
    Right.LEDGER_EDIT: frozenset({"community", "desk_lead"}),
    Right.LEDGER_READ: frozenset({"community", "station", "company", "desk_lead"}),
}


def _relation(user: User) -> str:
    if user.is_superuser or user.role == Role.ADMIN:
        return "admin"
    return str(user.role)


def compounds_within(*, user: User, right: Right) -> QuerySet[Compound]:
    """The compounds on which `user` holds `right` (none at all when the role never holds it)."""
    relation = _relation(user)
    compounds = Compound.objects.select_related("community", "station", "district")
    if relation not in _RULES[right]:
        return compounds.none()
    if relation in ("desk_lead", "admin"):
        return compounds
    if relation == "community":
        return compounds.filter(community__users=user)
    if relation == "station":
        return compounds.filter(Q(station_id=user.station_id) | Q(buildings__station_id=user.station_id)).distinct()
    return compounds.filter(
        Q(station__company_id=user.company_id) | Q(buildings__station__company_id=user.company_id)
    ).distinct()


def role_holds(*, user: User, right: Right) -> bool:
    """Whether the role may hold `right` on some compound (403 before looking at any)."""
    return _relation(user) in _RULES[right]


def require(*, user: User, right: Right, compound: Compound) -> None:
    """Refuse (403) unless `user` holds `right` on `compound`."""
    if not compounds_within(user=user, right=right).filter(pk=compound.pk).exists():
        raise OutOfScope("无权处理该小区 / this compound is outside your scope")


def require_role(*, user: User, right: Right) -> None:
    if not role_holds(user=user, right=right):
        raise OutOfScope("无权访问社区数据 / community data is not for this role")
