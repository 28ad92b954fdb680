"""Incidents (停热事件, DESIGN §11): declare, list, read, update the estimate, restore."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from heatdesk.api.presenters import iso
from heatdesk.api.ticket_schemas import IsoTime
from heatdesk.incidents import selectors, services
from heatdesk.incidents.models import Incident

router = Router(tags=["incidents"])


class IncidentIn(Schema):
    compounds: list[str] = Field(min_length=1, max_length=200, description="affected compound codes")
    buildings: dict[str, list[str]] = Field(
        default_factory=dict, description='affected buildings per compound code, e.g. {"c1": ["3", "5"]}'
    )
    cause: str = Field(min_length=1, max_length=200)
    expected_restore_at: dt.datetime = Field(description="ISO 8601 with offset, in the future")
    suggestion: int | None = Field(None, description="the burst suggestion this answers: its calls attach")
    attach: list[str] = Field(default_factory=list, max_length=2000, description="more ticket numbers to attach")


class IncidentUpdateIn(Schema):
    expected_restore_at: dt.datetime
    note: str = Field("", max_length=2000)


class IncidentRestoreIn(Schema):
    note: str = Field("", max_length=2000)


class IncidentListQuery(Schema):
    status: Literal["open", "restored"] | None = None


class AreaOut(Schema):
    code: str
    name: str
    buildings: list[str]


class IncidentEventOut(Schema):
    kind: str
    at: IsoTime
    actor: str | None
    data: dict[str, object]


class CallOut(Schema):
    number: str
    status: str
    owner: str
    compound: str | None
    building: str
    created_at: IsoTime
    resolved_at: IsoTime | None
    closed_at: IsoTime | None


class IncidentOut(Schema):
    code: str
    status: Literal["open", "restored"]
    compounds: list[str]
    areas: list[AreaOut]
    households: int
    cause: str
    expected_restore_at: IsoTime
    calls: int = Field(description="calls attached (each a ticket)")
    waiting: int = Field(description="calls waiting for the repair")
    callback_pending: int = Field(description="calls restored, waiting for the caller's confirmation (待回访)")
    closed: int
    station: str | None
    repair_ticket: str | None
    declared_at: IsoTime
    declared_by: str
    restored_at: IsoTime | None


class IncidentDetailOut(IncidentOut):
    events: list[IncidentEventOut]
    call_list: list[CallOut]


def _incident_json(incident: Incident, counts: selectors.IncidentCounts) -> dict[str, object]:
    areas = list(incident.areas.all())
    return {
        "code": incident.code,
        "status": incident.status,
        "compounds": [area.compound.code for area in areas],
        "areas": [{"code": a.compound.code, "name": a.compound.name, "buildings": a.buildings} for a in areas],
        "households": incident.households,
        "cause": incident.cause,
        "expected_restore_at": iso(incident.expected_restore_at),
        "calls": counts.calls,
        "waiting": counts.waiting,
        "callback_pending": counts.callback_pending,
        "closed": counts.closed,
        "station": incident.station.code if incident.station else None,
        "repair_ticket": incident.repair_ticket.number if incident.repair_ticket else None,
        "declared_at": iso(incident.declared_at),
        "declared_by": incident.declared_by.username,
        "restored_at": iso(incident.restored_at),
    }


def _detail(request, code: str) -> dict[str, object]:
    incident = selectors.incident_get_visible(user=request.auth, code=code)
    body = _incident_json(incident, selectors.incident_counts(codes=[incident.code])[incident.code])
    body["events"] = [
        {"kind": e.kind, "at": iso(e.at), "actor": e.actor.username if e.actor else None, "data": e.data}
        for e in incident.events.select_related("actor")
    ]
    body["call_list"] = [
        {
            "number": t.number,
            "status": t.status,
            "owner": t.owner.username,
            "compound": t.compound.code if t.compound else None,
            "building": t.building,
            "created_at": iso(t.created_at),
            "resolved_at": iso(t.resolved_at),
            "closed_at": iso(t.closed_at),
        }
        for t in selectors.incident_calls(incident=incident)
    ]
    return body


@router.post("", response={201: IncidentDetailOut})
def incident_declare(request, payload: IncidentIn):
    """Declare an outage (停热事件): desk lead, or a company/station for its own compounds."""
    declaration = services.IncidentDeclaration(
        compounds=tuple(payload.compounds),
        buildings=payload.buildings,
        cause=payload.cause,
        expected_restore_at=payload.expected_restore_at,
        suggestion=payload.suggestion,
        attach=tuple(payload.attach),
    )
    incident = services.incident_declare(actor=request.auth, declaration=declaration)
    return Status(201, _detail(request, incident.code))


@router.get("", response=list[IncidentOut])
def incident_list(request, query: Query[IncidentListQuery]):
    """Incidents the caller may see, newest first; `status=open|restored`."""
    incidents = list(selectors.incident_list_visible_to(user=request.auth, status=query.status)[:200])
    counts = selectors.incident_counts(codes=[i.code for i in incidents])
    return [_incident_json(incident, counts[incident.code]) for incident in incidents]


@router.get("/{code}", response=IncidentDetailOut)
def incident_get(request, code: str):
    """One incident with its timeline and its calls."""
    return _detail(request, code)


@router.post("/{code}/update", response=IncidentDetailOut)
def incident_update(request, code: str, payload: IncidentUpdateIn):
    """A new estimate of the restore time."""
    services.incident_update(
        actor=request.auth, code=code, expected_restore_at=payload.expected_restore_at, note=payload.note
    )
    return _detail(request, code)


@router.post("/{code}/restore", response=IncidentDetailOut)
def incident_restore(request, code: str, payload: IncidentRestoreIn):
    """Heat is back: every waiting call moves to 待回访 in one transaction."""
    services.incident_restore(actor=request.auth, code=code, note=payload.note)
    return _detail(request, code)
