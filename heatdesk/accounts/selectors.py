"""Reads about a user: the organisational scope that bounds everything they see."""

from __future__ import annotations

from dataclasses import dataclass, field

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything, or the listed organisations (codes)."""

    role: str
    sees_everything: bool
    station_codes: tuple[str, ...] = field(default_factory=tuple)
    company_codes: tuple[str, ...] = field(default_factory=tuple)
    community_codes: tuple[str, ...] = field(default_factory=tuple)


def user_scope(*, user: User) -> Scope:
    """The desk, the regulator and admins see all; a station its own; a company all its stations."""
    role = Role(user.role)
    if role in READ_ALL_ROLES or user.is_superuser:
        return Scope(role=role, sees_everything=True)
    # The organisation of an organisational role is never missing: check constraints on User.
    if role == Role.STATION:
        station = user.station
        assert station is not None
        return Scope(
            role=role,
            sees_everything=False,
            station_codes=(station.code,),
            company_codes=(station.company.code,),
        )
    if role == Role.COMPANY:
        company = user.company
        assert company is not None
        stations = tuple(company.stations.order_by("code").values_list("code", flat=True))
        return Scope(role=role, sees_everything=False, station_codes=stations, company_codes=(company.code,))
    if role == Role.COMMUNITY:
        assert user.community is not None
        return Scope(role=role, sees_everything=False, community_codes=(user.community.code,))
    return Scope(role=role, sees_everything=False)
