"""The simulator's own record of what it did to one ticket (`SimTicket`): the book `season_truth`
counts the KPIs from, never the database; and what a season returns (`SeasonResult`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from heatdesk.reports import season_city as city
from heatdesk.reports import season_model as model
from heatdesk.tickets.states import TicketStatus


@dataclass
class SimTicket:
    """What the simulator did to one ticket; the current cycle's fields reset on every (re)dispatch."""

    index: int
    number: str
    created_at: dt.datetime
    category: str
    urgency: str
    owner: str
    station: str
    company: str
    district: str
    compound: str
    windows: dict[str, int]
    outdoor: float = 0.0
    household: tuple[str, str, str, str] = ("", "", "", "")  # (compound, building, unit, room)
    outage: int | None = None  # index into SeasonResult.outages when a failed substation caused the call
    state: str = TicketStatus.RECEIVED  # the status the simulator expects the ticket to have
    dispatch_deadline: dt.datetime | None = None
    first_dispatched_at: dt.datetime | None = None
    dispatched_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    arrival_temp: float | None = None
    resolved_at: dt.datetime | None = None
    response_deadline: dt.datetime | None = None
    resolution_deadline: dt.datetime | None = None
    callback_deadline: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    closed_unreached: bool = False
    phone_resolved: bool = False
    reopen_count: int = 0
    return_count: int = 0
    callback_attempts: int = 0
    satisfaction: str = ""
    # (reached, fixed, answer, channel: phone | sms_link)
    callbacks: list[tuple[bool, bool | None, str, str]] = field(default_factory=list)
    repeat_calls: list[dt.datetime] = field(default_factory=list)
    incident: str = ""  # the incident (停热事件) the call is attached to
    waiting_for_incident: bool = False  # attached and not dispatched: the incident's repair carries it
    repair_of: int | None = None  # this is the repair ticket of that outage's incident
    restore_minutes: float | None = None  # repair tickets: restored − declared, once restored

    @property
    def is_open(self) -> bool:
        return self.state != TicketStatus.CLOSED

    def start_cycle(self, station: str, company: str, at: dt.datetime) -> None:
        self.state = TicketStatus.DISPATCHED
        self.station, self.company = station, company
        self.dispatched_at = at
        self.first_dispatched_at = self.first_dispatched_at or at
        self.accepted_at = self.arrived_at = self.resolved_at = self.arrival_temp = None
        self.callback_deadline = None
        self.response_deadline = at + dt.timedelta(seconds=self.windows["response"])
        self.resolution_deadline = at + dt.timedelta(seconds=self.windows["resolution"])

    def mark_resolved(self, at: dt.datetime) -> None:
        self.state = TicketStatus.RESOLVED
        self.resolved_at = at
        self.callback_deadline = at + dt.timedelta(seconds=self.windows["callback"])


@dataclass
class SeasonResult:
    tickets: list[SimTicket]
    start: dt.datetime
    end: dt.datetime
    days: list[model.SeasonDay]
    actions: int
    seconds: float
    skipped_after_end: int
    plan: city.CallPlan  # every call as planned: when, from which building, which outage
    buildings: int  # in the simulated city

    @property
    def outages(self) -> list[city.Outage]:
        return self.plan.outages
