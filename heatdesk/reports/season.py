"""The season simulator: a heating season played through the real ticket services on a moved clock.

Every request is opened with `ticket_intake` and moved on with `ticket_act`, by the role that would do
it (operator, station crew, desk lead), at its simulated time (`clock.moved_to`). Scheduled actions sit
in one priority queue ordered by time, so actions of all tickets interleave as they would at a desk.
Actions due after the season's end are not played: the season is seen as of its last second.

Before any ticket exists the season is planned (`season_city`): the day's mean temperatures (`weather`)
set the volume, a city of buildings with call propensities decides where each call comes from, and
substations failing on cold nights add bursts (`Outage`; `on_outage`/`on_restore` are the hook the
incidents feature plugs into). Each planned call is then one `ticket_intake` from a household of that
building without an open ticket.

The simulator keeps its own record of what it decided (`SimTicket`); `season_truth` computes the KPIs
from that record alone, never from the database, so the reports can be checked against it.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from heatdesk.accounts.models import Role, User
from heatdesk.core import clock
from heatdesk.geo.models import Compound, Station
from heatdesk.incidents.services import IncidentDeclaration, incident_call_take, incident_declare, incident_restore
from heatdesk.reports import season_city as city
from heatdesk.reports import season_model as model
from heatdesk.reports import weather
from heatdesk.reports.season_callbacks import CallbackSteps
from heatdesk.reports.season_record import SeasonResult, SimTicket
from heatdesk.reports.selectors import report_timezone
from heatdesk.sla import policy
from heatdesk.tickets.attachments import ticket_attachment_add
from heatdesk.tickets.services import TicketIntake, ticket_act, ticket_intake
from heatdesk.tickets.states import PHOTO_EVIDENCE_CATEGORIES, TEMPERATURE_EVIDENCE_CATEGORIES, TicketStatus

ACTIONS_PER_TRANSACTION = 2000  # one commit per chunk: SQLite syncs per commit, not per action


class SeasonSimulator(CallbackSteps):
    """Plays `requests` requests over `days` days from `start` (local midnight), deterministically per seed."""

    def __init__(
        self,
        *,
        requests: int,
        days: int,
        seed: int,
        start: dt.date,
        temperatures: dict[dt.date, float] | None = None,
        link_share: float = model.P_LINK_ANSWER,
        progress=None,
    ) -> None:
        self.rng = random.Random(seed)
        self.link_rng = random.Random(f"{seed}/rating-link")  # who answers by link, when, what: own stream
        self.link_share = link_share
        self.seed = seed
        self.temperatures = temperatures if temperatures is not None else weather.series_read()
        self.zone = report_timezone()
        self.requests, self.days_count = requests, days
        self.start = dt.datetime.combine(start, dt.time(), tzinfo=self.zone)
        self.end = self.start + dt.timedelta(days=days)
        self.progress = progress
        self.queue: list[tuple[dt.datetime, int, str, int | None, dict]] = []
        self.sequence = itertools.count()
        self.tickets: list[SimTicket] = []
        self.open_by_household: dict[tuple[str, str, str, str], int] = {}
        self.incidents: dict[int, tuple[str, int]] = {}  # outage → (incident code, repair ticket's index)
        self.restored: set[int] = set()
        self.actions = 0
        self.plan: city.CallPlan | None = None

    # ---- setting the scene ----------------------------------------------------------------------

    def _load_city(self) -> None:
        users = User.objects.filter(is_active=True).select_related("station")
        self.operators = [u for u in users if u.role == Role.OPERATOR]
        self.operator_by_name = {u.username: u for u in self.operators}
        self.lead = next(u for u in users if u.role == Role.DESK_LEAD)
        self.owner_by_name = {**self.operator_by_name, self.lead.username: self.lead}
        self.station_users = {u.station.code: u for u in users if u.role == Role.STATION and u.station_id}
        stations = Station.objects.select_related("company").order_by("code")
        self.company_of = {s.code: s.company.code for s in stations}
        self.stations_of_company: dict[str, list[str]] = {}
        for s in stations:
            self.stations_of_company.setdefault(s.company.code, []).append(s.code)
        compounds = list(Compound.objects.select_related("station", "district", "substation").order_by("code"))
        if not (self.operators and self.station_users and compounds):
            raise RuntimeError("the city has no operators, station accounts or compounds: seed it first")
        self.compound_of = {c.code: c for c in compounds}
        infos = [
            city.CompoundInfo(c.code, c.households or 0, c.built_year or 0, c.substation.code if c.substation else "")
            for c in compounds
        ]
        total = round(city.BUILDINGS_PER_DAILY_CALL * self.requests / self.days_count)
        self.buildings = city.city_buildings(self.rng, infos, total=total)
        self.profiles = model.station_profiles(self.rng, sorted(self.station_users))
        self.windows = {
            urgency: {stage: int(rule["seconds"]) for stage, rule in policy.policy_snapshot(urgency=urgency).items()}
            for urgency in ("normal", "urgent")
        }

    def schedule(self, at: dt.datetime, kind: str, ticket: SimTicket | None = None, **payload) -> None:
        heapq.heappush(self.queue, (at, next(self.sequence), kind, ticket.index if ticket else None, payload))

    # ---- running --------------------------------------------------------------------------------

    def plan_season(self) -> city.CallPlan:
        """The season's weather, city and every call (where and when), before any ticket exists."""
        if self.plan is None:
            self._load_city()
            self.season = model.season_days(
                self.rng,
                start=self.start.date(),
                days=self.days_count,
                requests=self.requests,
                temperatures=self.temperatures,
            )
            self.plan = city.plan_calls(self.rng, self.buildings, self.season, zone=self.zone, until=self.end)
        return self.plan

    def run(self) -> SeasonResult:
        began = time.perf_counter()
        plan = self.plan_season()
        outdoor = {day.day: day.outdoor_celsius for day in self.season}
        for index, call in enumerate(plan.calls):
            self.schedule(call.at, "call", call=index, outdoor=outdoor[call.at.astimezone(self.zone).date()])
        for index, outage in enumerate(plan.outages):
            self.schedule(outage.declared_at, "outage", outage=index)
            if outage.restored_at < self.end:
                self.schedule(outage.restored_at, "restore", outage=index)
        skipped = 0
        while self.queue:
            with transaction.atomic():
                for _ in range(ACTIONS_PER_TRANSACTION):
                    if not self.queue:
                        break
                    at, _, kind, index, payload = heapq.heappop(self.queue)
                    if at >= self.end:
                        skipped += 1 + len(self.queue)
                        self.queue.clear()
                        break
                    ticket = self.tickets[index] if index is not None else None
                    with clock.moved_to(at):
                        getattr(self, f"on_{kind}")(at, ticket, **payload)
            if self.progress:
                self.progress(len(self.tickets), self.actions)
        seconds = time.perf_counter() - began
        return SeasonResult(
            self.tickets,
            self.start,
            self.end,
            self.season,
            self.actions,
            seconds,
            skipped,
            plan,
            len(self.buildings),
        )

    def _act(self, actor: User, ticket: SimTicket, action: str, payload: dict | None = None):
        self.actions += 1
        return ticket_act(actor=actor, number=ticket.number, action=action, payload=payload or {})

    def _station_user(self, ticket: SimTicket) -> User:
        return self.station_users[ticket.station]

    def _owner(self, ticket: SimTicket) -> User:
        return self.owner_by_name[ticket.owner]

    # ---- a citizen calls ------------------------------------------------------------------------

    def on_call(self, at: dt.datetime, _ticket, *, call: int, outdoor: float) -> None:
        rng = self.rng
        planned = self.plan.calls[call]
        compound = self.compound_of[planned.building.compound]
        household = self._free_household(planned.building)
        category = planned.category or model.pick(rng, model.CATEGORY_MIX)
        urgent = category == "leak" or (category == "no_heat" and rng.random() < 0.2)
        operator = rng.choice(self.operators)
        guide = category == "not_warm" and planned.outage is None and rng.random() < model.P_GUIDE_TRIED
        dispatch_now = not guide and rng.random() < model.P_DISPATCH_ON_CREATE
        urgency = "urgent" if urgent else "normal"
        call = TicketIntake(
            caller_phone=model.household_phone(self.seed, household),
            category=category,
            kind=model.pick(rng, model.KIND_OF_CATEGORY[category]),
            urgency=urgency,
            compound=compound.code,
            building=household[1],
            unit=household[2],
            room=household[3],
            description="模拟来电 / simulated call",
        )
        incident = self._open_incident(planned.outage)
        if incident:  # the desk knows the outage: the call attaches, is not dispatched
            dispatch_now = False
            created = incident_call_take(actor=operator, code=incident, call=call).ticket
        else:
            created = ticket_intake(actor=operator, call=call, dispatch=dispatch_now).ticket
        self.actions += 1
        station = compound.station.code
        ticket = SimTicket(
            index=len(self.tickets),
            number=created.number,
            created_at=at,
            category=category,
            urgency=urgency,
            owner=operator.username,
            station=station,
            company=self.company_of[station],
            district=compound.district.code,
            compound=compound.code,
            windows=self.windows[urgency],
            outdoor=outdoor,
            household=household,
            outage=planned.outage,
        )
        ticket.dispatch_deadline = at + dt.timedelta(seconds=ticket.windows["dispatch"])
        self.tickets.append(ticket)
        self.open_by_household[household] = ticket.index
        if incident:
            ticket.incident, ticket.waiting_for_incident, ticket.dispatch_deadline = incident, True, None
        elif dispatch_now:
            ticket.start_cycle(station, ticket.company, at)
            self._after_dispatch(at, ticket)
        elif guide:
            self.schedule(at + model.minutes(rng.uniform(1, 4)), "guide", ticket)
        else:
            self.schedule(at + model.minutes(model.lognormal_minutes(rng, 3, 0.7)), "dispatch", ticket)
        self._maybe_call_again(at, ticket)

    def _free_household(self, building: city.BuildingProfile) -> tuple[str, str, str, str]:
        """A household of the building without an open ticket (the same household calling while its
        ticket is open would be a repeat call, not a new ticket)."""
        for _ in range(20):
            unit, room = building.household(self.rng)
            household = (building.compound, building.number, unit, room)
            open_index = self.open_by_household.get(household)
            if open_index is None or not self.tickets[open_index].is_open:
                return household
        return household  # a building this busy: the household calls about a new problem

    def _maybe_call_again(self, at: dt.datetime, ticket: SimTicket) -> None:
        """Citizens call again while they wait: a few anyway, more of those whose heat failed in an outage."""
        rng = self.rng
        if rng.random() < model.P_REPEAT_CALL:
            self.schedule(at + model.minutes(model.lognormal_minutes(rng, 120, 1.0)), "repeat_call", ticket)
        if ticket.outage is not None and rng.random() < model.P_REPEAT_IN_OUTAGE:
            self.schedule(at + model.minutes(model.lognormal_minutes(rng, 50, 0.5)), "repeat_call", ticket)

    # ---- outages: the hook the incidents feature plugs into ----------------------------------------

    def _open_incident(self, outage: int | None) -> str:
        if outage is None or outage not in self.incidents or outage in self.restored:
            return ""
        return self.incidents[outage][0]

    def on_outage(self, at, _ticket, *, outage: int) -> None:
        """The desk lead declares the outage (at `Outage.declared_at`, its fifth call): the calls taken so
        far attach, one repair ticket is dispatched to the station, later calls attach as they come."""
        planned = self.plan.outages[outage]
        taken = [t for t in self.tickets if t.outage == outage and t.is_open and not t.incident]
        declaration = IncidentDeclaration(
            compounds=tuple(planned.compounds),
            cause=f"换热站 {planned.substation} 故障 / substation failure",
            expected_restore_at=at + dt.timedelta(hours=4),
            attach=tuple(t.number for t in taken),
        )
        incident = incident_declare(actor=self.lead, declaration=declaration)
        self.actions += 1
        for t in taken:
            t.incident = incident.code
            if t.state == TicketStatus.RECEIVED and t.first_dispatched_at is None:
                t.waiting_for_incident, t.dispatch_deadline = True, None
        self.incidents[outage] = (incident.code, self._repair_record(at, incident.repair_ticket, outage))

    def _repair_record(self, at: dt.datetime, repair, outage: int) -> int:
        """The simulator's record of the incident's repair ticket (dispatched at once, owned by the lead)."""
        compound = self.compound_of[repair.compound.code]
        station = compound.station.code
        ticket = SimTicket(
            index=len(self.tickets),
            number=repair.number,
            created_at=at,
            category=repair.category,
            urgency=repair.urgency,
            owner=self.lead.username,
            station=station,
            company=self.company_of[station],
            district=compound.district.code,
            compound=compound.code,
            windows=self.windows[repair.urgency],
            repair_of=outage,
        )
        ticket.dispatch_deadline = at + dt.timedelta(seconds=ticket.windows["dispatch"])
        self.tickets.append(ticket)
        ticket.start_cycle(station, ticket.company, at)
        self._after_dispatch(at, ticket)
        return ticket.index

    def on_restore(self, at, _ticket, *, outage: int) -> None:
        """Heat returns: the incident is restored, its waiting calls go to 待回访 and are called back; the
        station finishes its repair ticket."""
        if outage not in self.incidents:
            return  # failed and came back before the desk declared it
        code, repair_index = self.incidents[outage]
        incident_restore(actor=self.lead, code=code, note="已恢复供热")
        self.actions += 1
        self.restored.add(outage)
        for t in self.tickets:
            if t.incident == code and t.waiting_for_incident:
                t.waiting_for_incident = False
                t.mark_resolved(at)
                self._schedule_callback(at, t)
        repair = self.tickets[repair_index]
        repair.restore_minutes = (at - self.plan.outages[outage].declared_at).total_seconds() / 60
        if repair.state == TicketStatus.ACCEPTED:
            self.schedule(at, "resolve", repair)

    def on_guide(self, at, ticket: SimTicket) -> None:
        solved = self.rng.random() < model.P_GUIDE_SOLVES
        steps = list(self.rng.sample(model.GUIDANCE_STEPS, k=self.rng.randint(1, 3)))
        row = self._act(self._owner(ticket), ticket, "guide", {"solved": solved, "steps": steps, "note": ""})
        if solved:
            ticket.phone_resolved = True
            ticket.mark_resolved(at)
            self._schedule_callback(at, ticket, row, "guide")
        else:
            self.schedule(at + model.minutes(model.lognormal_minutes(self.rng, 2, 0.6)), "dispatch", ticket)

    def on_dispatch(self, at, ticket: SimTicket, *, station: str | None = None) -> None:
        if ticket.incident and ticket.first_dispatched_at is None:
            return  # attached meanwhile: the incident's repair carries it
        station = station or ticket.station
        self._act(self._owner(ticket), ticket, "dispatch", {"station": station} if station != ticket.station else {})
        ticket.start_cycle(station, self.company_of[station], at)
        self._after_dispatch(at, ticket)

    def _after_dispatch(self, at: dt.datetime, ticket: SimTicket) -> None:
        rng = self.rng
        delay = self.profiles[ticket.station].response(rng, urgent=ticket.urgency == "urgent")
        first_cycle = ticket.return_count == 0 and ticket.reopen_count == 0
        if first_cycle and rng.random() < model.P_RETURN:
            self.schedule(at + delay, "return", ticket)
            return
        self.schedule(at + delay, "accept", ticket)
        if delay > dt.timedelta(minutes=45) and ticket.repair_of is None and rng.random() < model.P_REPEAT_IF_SLOW:
            self.schedule(at + dt.timedelta(minutes=40 + rng.randint(0, 5)), "repeat_call", ticket)

    # ---- the station ----------------------------------------------------------------------------

    def on_return(self, at, ticket: SimTicket) -> None:
        self._act(self._station_user(ticket), ticket, "return", {"reason": "地址不属于本所 / not our area"})
        ticket.state = TicketStatus.RETURNED
        ticket.return_count += 1
        others = [code for code in self.stations_of_company[ticket.company] if code != ticket.station]
        target = self.rng.choice(others or [code for code in self.station_users if code != ticket.station])
        self.schedule(at + model.minutes(model.lognormal_minutes(self.rng, 8, 0.6)), "dispatch", ticket, station=target)

    def on_accept(self, at, ticket: SimTicket) -> None:
        rng = self.rng
        self._act(self._station_user(ticket), ticket, "accept")
        ticket.state = TicketStatus.ACCEPTED
        ticket.accepted_at = at
        if ticket.repair_of is not None:  # the repair is done when heat returns (or soon after, if it has)
            # The crew is at the substation when it takes the job: the arrival is the evidence 处置完成 needs.
            self._act(self._station_user(ticket), ticket, "arrive", {"indoor_temp": None})
            ticket.arrived_at, ticket.arrival_temp = at, None
            if ticket.repair_of in self.restored:
                self.schedule(at + model.minutes(rng.uniform(5, 20)), "resolve", ticket)
            return
        profile = self.profiles[ticket.station]
        if ticket.category not in model.SITE_VISIT_CATEGORIES:
            self.schedule(at + profile.repair(rng, category=ticket.category), "resolve", ticket)
            return
        travel = profile.travel(rng, urgent=ticket.urgency == "urgent")
        if rng.random() < model.P_DEPART_RECORDED:
            self.schedule(at + travel / 4, "depart", ticket)
        self.schedule(at + travel, "arrive", ticket)

    def on_depart(self, at, ticket: SimTicket) -> None:
        self._act(self._station_user(ticket), ticket, "depart")

    def on_arrive(self, at, ticket: SimTicket) -> None:
        rng = self.rng
        reading = rng.random() < model.P_TEMP_READING
        temperature = model.arrival_temperature(rng, ticket.category, ticket.outdoor) if reading else None
        if temperature is None and ticket.category in TEMPERATURE_EVIDENCE_CATEGORIES:
            # A cold home's reading is required evidence: taken from its own stream, so the season's
            # main random sequence (and every seeded run) stays as it was.
            own = random.Random(ticket.number)
            temperature = model.arrival_temperature(own, ticket.category, ticket.outdoor)
        self._act(self._station_user(ticket), ticket, "arrive", {"indoor_temp": temperature})
        ticket.arrived_at, ticket.arrival_temp = at, temperature
        if ticket.category in PHOTO_EVIDENCE_CATEGORIES:  # a leak is resolved only with a photo
            upload = SimpleUploadedFile("leak.png", model.SITE_PHOTO, content_type="image/png")
            ticket_attachment_add(actor=self._station_user(ticket), number=ticket.number, upload=upload)
        if ticket.urgency == "normal" and rng.random() < model.P_EXTENSION:
            until = ticket.resolution_deadline + dt.timedelta(hours=24)
            self.schedule(at + model.minutes(rng.uniform(10, 30)), "extend", ticket, until=until)
            return
        self.schedule(at + self.profiles[ticket.station].repair(rng, category=ticket.category), "resolve", ticket)

    def on_extend(self, at, ticket: SimTicket, *, until: dt.datetime) -> None:
        payload = {"until": until.isoformat(), "reason": "需更换配件 / waiting for parts"}
        self._act(self._station_user(ticket), ticket, "extend", payload)
        self.schedule(at + model.minutes(self.rng.uniform(15, 40)), "approve_extension", ticket, until=until)

    def on_approve_extension(self, at, ticket: SimTicket, *, until: dt.datetime) -> None:
        self._act(self.lead, ticket, "approve-extension", {"approved": True, "note": "同意"})
        ticket.resolution_deadline = until
        # Most finish inside the extension; some run over it.
        hours = self.rng.uniform(18, until.timestamp() / 3600 - at.timestamp() / 3600 + 6)
        self.schedule(at + dt.timedelta(seconds=round(hours * 3600)), "resolve", ticket)

    def on_resolve(self, at, ticket: SimTicket) -> None:
        causes = model.REPAIR_CAUSES.get(ticket.category, ("other",))
        payload = {"cause": self.rng.choice(causes), "indoor_temp": round(self.rng.uniform(18, 22), 1), "note": ""}
        row = self._act(self._station_user(ticket), ticket, "resolve", payload)
        ticket.mark_resolved(at)
        self._schedule_callback(at, ticket, row, "resolve")
