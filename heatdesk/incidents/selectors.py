"""Reads of incidents (停热事件), scoped to the user: the desk and the regulator see all, a company or a
station the incidents of its compounds; plus the one question intake asks: is this address in an outage?"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User
from heatdesk.core.errors import NotFound
from heatdesk.geo.models import Compound
from heatdesk.incidents.models import BurstSuggestion, Incident, IncidentArea, IncidentStatus
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import TicketStatus


def incident_list_visible_to(*, user: User, status: str | None = None) -> QuerySet[Incident]:
    """Incidents the user may see, newest first, optionally of one status."""
    incidents = Incident.objects.select_related("station", "repair_ticket", "declared_by").prefetch_related(
        "areas__compound"
    )
    if status:
        incidents = incidents.filter(status=status)
    if user.role in READ_ALL_ROLES or user.is_superuser:
        return incidents
    if user.role == Role.STATION and user.station_id is not None:
        return incidents.filter(areas__compound__station_id=user.station_id).distinct()
    if user.role == Role.COMPANY and user.company_id is not None:
        return incidents.filter(areas__compound__station__company_id=user.company_id).distinct()
    if user.role == Role.COMMUNITY and user.community_id is not None:
        return incidents.filter(areas__compound__community_id=user.community_id).distinct()
    return incidents.none()


def incident_get_visible(*, user: User, code: str) -> Incident:
    """The incident by code if the user may see it; 404 otherwise."""
    incident = incident_list_visible_to(user=user).filter(code=code).first()
    if incident is None:
        raise NotFound(f"停热事件 {code} 不存在或无权查看 / incident {code} not found")
    return incident


def incident_open_for_address(*, compound_id: int | None, building: str) -> Incident | None:
    """The open incident covering this compound and building (the whole compound or the building listed)."""
    if compound_id is None:
        return None
    areas = IncidentArea.objects.filter(compound_id=compound_id, incident__status=IncidentStatus.OPEN)
    for area in areas.select_related("incident").order_by("-incident__declared_at"):
        if area.covers(building):
            return area.incident
    return None


def incident_banner(*, compound_code: str | None, building: str | None) -> dict[str, object] | None:
    """What intake shows for an address in an open outage: {code, cause, expected_restore_at, calls}."""
    if not compound_code:
        return None
    compound_id = Compound.objects.filter(code=compound_code).values_list("id", flat=True).first()
    incident = incident_open_for_address(compound_id=compound_id, building=building or "")
    if incident is None:
        return None
    return {
        "code": incident.code,
        "cause": incident.cause,
        "expected_restore_at": timezone.localtime(incident.expected_restore_at).isoformat(),
        "calls": Ticket.objects.filter(incident_code=incident.code).count(),
    }


def incident_covers(*, incident: Incident, compound_id: int | None, building: str) -> bool:
    """Whether the address is inside the incident's area."""
    return any(area.covers(building) for area in incident.areas.all() if area.compound_id == compound_id)


def incident_calls(*, incident: Incident) -> QuerySet[Ticket]:
    """The calls attached to the incident (tickets), oldest first."""
    return (
        Ticket.objects.filter(incident_code=incident.code)
        .select_related("owner", "compound", "station")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class IncidentCounts:
    """Calls attached, how many wait for the repair, how many wait for their callback, how many are closed."""

    calls: int
    waiting: int
    callback_pending: int
    closed: int


def incident_counts(*, codes: list[str]) -> dict[str, IncidentCounts]:
    """Counts of the calls of several incidents in one query."""
    rows = (
        Ticket.objects.filter(incident_code__in=codes)
        .values("incident_code")
        .annotate(
            calls=Count("id"),
            waiting=Count("id", filter=Q(incident_open=True)),
            callback_pending=Count("id", filter=Q(status=TicketStatus.RESOLVED)),
            closed=Count("id", filter=Q(status=TicketStatus.CLOSED)),
        )
    )
    counts = {code: IncidentCounts(0, 0, 0, 0) for code in codes}
    for row in rows:
        counts[row["incident_code"]] = IncidentCounts(
            row["calls"], row["waiting"], row["callback_pending"], row["closed"]
        )
    return counts


def incident_repair_calls(*, ticket_ids: list[int]) -> dict[int, tuple[str, int]]:
    """For repair tickets among these ids: {ticket id: (incident code, calls attached)} (the station board card)."""
    incidents = list(Incident.objects.filter(repair_ticket_id__in=ticket_ids).values_list("repair_ticket_id", "code"))
    counts = incident_counts(codes=[code for _, code in incidents])
    return {ticket_id: (code, counts[code].calls) for ticket_id, code in incidents}


def burst_suggestions_open(*, limit: int = 20) -> list[BurstSuggestion]:
    """Burst suggestions not yet declared, newest first (the wall's and the desk's 疑似停热 list)."""
    return list(
        BurstSuggestion.objects.filter(incident__isnull=True)
        .select_related("substation", "substation__station")
        .order_by("-raised_at")[:limit]
    )


def burst_suggestion_compounds(*, suggestion: BurstSuggestion) -> list[str]:
    """The compounds the suggestion's substation feeds: what a one-click declaration covers."""
    return list(
        Compound.objects.filter(substation_id=suggestion.substation_id).order_by("code").values_list("code", flat=True)
    )
