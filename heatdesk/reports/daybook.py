"""The KPI day book: sealing finished days (a write) and reading a period through it (see models.py).

`kpi_days_seal` seals every past day whose tickets are all final, computing the day's raw aggregates
with the formulas of `kpis` grouped by station and district. `DayBookSlice` is what `kpis.kpis_compute`
uses for one report: the tickets of the period's unsealed days (to compute live) and the sums of the
sealed days (to add), both limited to the report's scope.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q, QuerySet, Sum

from heatdesk.core import clock
from heatdesk.reports import kpis, kpis_beside
from heatdesk.reports.models import KpiCompoundDay, KpiDay, KpiResponseTime, KpiSealedDay, rollup_column
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus

logger = logging.getLogger("heatdesk.reports")
BATCH = 5000
GROUPS = ("station_id", "district_id", "owner_id")  # a day's rows: what a report's scope can pick


def _zone():
    from heatdesk.reports.selectors import report_timezone  # selectors imports kpis; keep the graph acyclic

    return report_timezone()


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=_zone())
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=_zone())


# ---- Sealing (writes) --------------------------------------------------------------------------


@dataclass
class SealReport:
    sealed: list[dt.date] = field(default_factory=list)
    waiting: list[dt.date] = field(default_factory=list)  # days with a ticket still open
    dropped: int = 0  # days sealed under old definitions, unsealed


def _seal_day(day: dt.date, fingerprint: str, now: dt.datetime) -> int | None:
    """Seal one day if all its tickets are final; returns the number of tickets, None if not sealable."""
    start, end = _day_bounds(day)
    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    if tickets.filter(status__in=OPEN_STATUSES).exists():
        return None
    population = tickets.exclude(status=TicketStatus.MERGED).order_by()
    with transaction.atomic():
        try:
            with transaction.atomic():
                count = population.count()
                KpiSealedDay.objects.create(day=day, definitions=fingerprint, tickets=count, sealed_at=now)
        except IntegrityError:
            return None  # sealed meanwhile by another process
        grouped = kpis.kpis_raw_grouped(tickets=population, as_of=now, groups=GROUPS)
        beside = kpis_beside.beside_raw_grouped(tickets=population, groups=GROUPS)
        for key, raw in beside.items():
            grouped.setdefault(key, {}).update(raw)
        KpiDay.objects.bulk_create(
            [
                KpiDay(
                    day=day,
                    station_id=station_id,
                    district_id=district_id,
                    owner_id=owner_id,
                    **{rollup_column(key): raw.get(key) or 0 for key in (*kpis.raw_keys(), *kpis_beside.BESIDE_KEYS)},
                )
                for (station_id, district_id, owner_id), raw in grouped.items()
            ]
        )
        per_compound = population.filter(compound__isnull=False).values("compound_id", "station_id", "district_id")
        KpiCompoundDay.objects.bulk_create(
            KpiCompoundDay(day=day, requests=row.pop("requests"), **row)
            for row in per_compound.annotate(requests=Count("id")).order_by()
        )
        seconds = (
            population.annotate(seconds=kpis.RESPONSE_SECONDS)
            .filter(seconds__isnull=False)
            .values_list("station_id", "district_id", "owner_id", "seconds")
        )
        KpiResponseTime.objects.bulk_create(
            (
                KpiResponseTime(day=day, station_id=s, district_id=d, owner_id=o, seconds=max(0.0, v))
                for s, d, o, v in seconds
            ),
            batch_size=BATCH,
        )
    return count


def kpi_day_unseal(*, days: set[dt.date]) -> None:
    """Forget sealed days (their tickets changed, e.g. an import added some); they are computed live again."""
    with transaction.atomic():
        KpiDay.objects.filter(day__in=days).delete()
        KpiResponseTime.objects.filter(day__in=days).delete()
        KpiCompoundDay.objects.filter(day__in=days).delete()
        KpiSealedDay.objects.filter(day__in=days).delete()


def kpi_days_seal(
    *, before: dt.date | None = None, limit: int | None = None, budget_seconds: float | None = None
) -> SealReport:
    """Seal every day before `before` (default: today) whose tickets are all closed or merged; with
    `limit`, at most that many days this call (the worker's pass: the oldest first); with
    `budget_seconds`, no day is started once that time has passed (at least one is sealed).

    Idempotent and safe to run from several processes; days sealed under other definitions (a changed
    formula or satisfied set) are unsealed first.
    """
    now = clock.now()
    before = before or now.astimezone(_zone()).date()
    fingerprint = kpis.definitions_fingerprint()
    report = SealReport()
    stale = set(KpiSealedDay.objects.exclude(definitions=fingerprint).values_list("day", flat=True))
    if stale:
        kpi_day_unseal(days=stale)
        report.dropped = len(stale)
    first = Ticket.objects.aggregate(first=Min("created_at"))["first"]
    if first is None:
        return report
    sealed = set(KpiSealedDay.objects.values_list("day", flat=True))
    day = first.astimezone(_zone()).date()
    stop_at = None if budget_seconds is None else time.monotonic() + budget_seconds
    while day < before and (limit is None or len(report.sealed) < limit):
        if stop_at is not None and report.sealed and time.monotonic() >= stop_at:
            break
        if day not in sealed:
            count = _seal_day(day, fingerprint, now)
            (report.waiting if count is None else report.sealed).append(day)
        day += dt.timedelta(days=1)
    logger.info("reports.sealed days=%d waiting=%d dropped=%d", len(report.sealed), len(report.waiting), report.dropped)
    return report


# ---- Reading a period through the day book -----------------------------------------------------


@dataclass(frozen=True)
class DayBookSlice:
    """The sealed days of [first_day, last_day] and the rows of the report's scope (`rows`, a Q on
    KpiDay/KpiResponseTime: station, company through station, district, owner)."""

    first_day: dt.date
    last_day: dt.date
    rows: Q
    sealed: tuple[dt.date, ...]

    @classmethod
    def of(cls, *, first_day: dt.date, last_day: dt.date, rows: Q) -> DayBookSlice:
        days = KpiSealedDay.objects.filter(
            day__gte=first_day, day__lte=last_day, definitions=kpis.definitions_fingerprint()
        ).values_list("day", flat=True)
        return cls(first_day, last_day, rows, tuple(sorted(days)))

    def live(self, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
        """The population restricted to the unsealed days (ranges on created_at, so the index serves)."""
        sealed, ranges, day = set(self.sealed), Q(), self.first_day
        while day <= self.last_day:
            if day in sealed:
                day += dt.timedelta(days=1)
                continue
            start = day
            while day <= self.last_day and day not in sealed:
                day += dt.timedelta(days=1)
            ranges |= Q(created_at__gte=_day_bounds(start)[0], created_at__lt=_day_bounds(day)[0])
        return tickets.filter(ranges) if ranges else tickets.none()

    def _rows(self, model) -> QuerySet:
        return model.objects.filter(self.rows, day__in=self.sealed)

    def sums(self, keys: tuple[str, ...] | list[str] | None = None) -> dict:
        """The sealed days' numerators and denominators (`keys`, default the KPIs'), summed in the database."""
        if not self.sealed:
            return {}
        columns = {key: Sum(rollup_column(key)) for key in (kpis.raw_keys() if keys is None else keys)}
        return self._rows(KpiDay).aggregate(**columns)

    def grouped_sums(self, group: str) -> dict[object, dict]:
        """The sums per group: a KpiDay field path (station_id, station__company_id, day)."""
        if not self.sealed:
            return {}
        columns = {key: Sum(rollup_column(key)) for key in kpis.raw_keys()}
        rows = self._rows(KpiDay).annotate(report_group=F(group)).values("report_group").annotate(**columns)
        return {row.pop("report_group"): row for row in rows.order_by()}

    def compound_requests(self) -> dict[int, int]:
        """The sealed days' requests per compound id (the scope's rows; not for an operator's scope)."""
        if not self.sealed:
            return {}
        rows = self._rows(KpiCompoundDay).values("compound_id").annotate(n=Sum("requests")).order_by()
        return {row["compound_id"]: row["n"] for row in rows}

    def response_seconds(self) -> QuerySet:
        """The sealed response times, as a flat one-column query (`seconds`)."""
        return self._rows(KpiResponseTime).values_list("seconds", flat=True)
