"""What the report pages chart and the exports tabulate, each one grouped query over the population of
`selectors.report_tickets`: volume per day and per hour, category mix, time distributions, hotspots.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, When
from django.db.models.functions import Cast, ExtractHour, TruncDate

from heatdesk.core import clock
from heatdesk.core.databases import reads_replica
from heatdesk.geo.models import Compound
from heatdesk.reports import kpis, kpis_beside, rankings, selectors
from heatdesk.reports.selectors import Period, report_timezone
from heatdesk.tickets.models import Category, Ticket

# Histogram buckets: (label, lower bound, upper bound) in minutes; None = open-ended.
RESPONSE_BUCKETS = (
    ("≤15分钟", 0, 15),
    ("15–30分钟", 15, 30),
    ("30–60分钟", 30, 60),
    ("1–2小时", 60, 120),
    ("2–4小时", 120, 240),
    (">4小时", 240, None),
)
RESOLUTION_BUCKETS = (
    ("≤2小时", 0, 120),
    ("2–6小时", 120, 360),
    ("6–12小时", 360, 720),
    ("12–24小时", 720, 1440),
    ("24–48小时", 1440, 2880),
    (">48小时", 2880, None),
)
DAILY_KPIS = (
    "received",
    "phone_resolved_rate",
    "avg_response_minutes",
    "response_on_time_rate",
    "avg_resolution_minutes",
    "resolution_on_time_rate",
    "first_time_resolution_rate",
    "satisfaction_rate",
    "overdue_response",
    "overdue_resolution",
)


def daily_kpis(*, tickets: QuerySet[Ticket], period: Period, as_of: dt.datetime, book=None) -> list[dict]:
    """One row per day of the period (days without tickets included): the day's KPIs."""
    zone = report_timezone()
    grouped = kpis.kpis_compute_grouped(
        tickets=tickets,
        as_of=as_of,
        group=TruncDate("created_at", tzinfo=zone),
        callback_group=TruncDate("ticket__created_at", tzinfo=zone),
        book=book,
        book_group="day",
    )
    empty = kpis.kpis_assemble({"received__num": 0})
    return [{"day": day, "kpis": grouped.get(day, empty)} for day in period.days]


def hourly_volume(*, tickets: QuerySet[Ticket]) -> list[int]:
    """Requests per hour of the day (0–23, local time): the desk's diurnal load."""
    rows = (
        tickets.order_by()
        .annotate(hour=ExtractHour("created_at", tzinfo=report_timezone()))
        .values("hour")
        .annotate(n=Count("id"))
    )
    counts = [0] * 24
    for row in rows:
        counts[row["hour"]] = row["n"]
    return counts


def category_mix(*, tickets: QuerySet[Ticket]) -> list[dict]:
    """Requests per category (every category listed, most frequent first)."""
    counts = dict(tickets.order_by().values_list("category").annotate(n=Count("id")))
    rows = [{"code": code, "label": str(label), "count": counts.get(code, 0)} for code, label in Category.choices]
    return sorted(rows, key=lambda row: -row["count"])


def _histogram(tickets: QuerySet[Ticket], expression, buckets, condition: Q | None = None) -> list[dict]:
    annotated = tickets.order_by().annotate(bucket_seconds=expression)
    if condition is not None:
        annotated = annotated.filter(condition)
    aggregates = {}
    for index, (_, low, high) in enumerate(buckets):
        match = Q(bucket_seconds__gte=low * 60)
        if high is not None:
            match &= Q(bucket_seconds__lt=high * 60)
        aggregates[f"b{index}"] = Count("id", filter=match)
    counts = annotated.aggregate(**aggregates)
    return [{"label": label, "count": counts[f"b{index}"]} for index, (label, _, _) in enumerate(buckets)]


def response_histogram(*, tickets: QuerySet[Ticket]) -> list[dict]:
    """Accepted tickets by response time (dispatched → accepted, current cycle)."""
    return _histogram(tickets, kpis.RESPONSE_SECONDS, RESPONSE_BUCKETS)


def resolution_histogram(*, tickets: QuerySet[Ticket]) -> list[dict]:
    """Dispatched tickets resolved, by resolution time (created → resolved)."""
    return _histogram(tickets, kpis.RESOLUTION_SECONDS, RESOLUTION_BUCKETS, kpis.RESOLVED_ON_SITE)


@reads_replica
def hotspots(*, tickets: QuerySet[Ticket], limit: int = 20, book=None) -> list[dict]:
    """Compounds with the most requests per 100 households (compounds without a household count last).
    With a `book` (a daybook.DayBookSlice of the same period and scope, not an operator's) the sealed
    days' requests come from the day book and only the other days' tickets are counted."""
    if book is not None and book.sealed:
        return _hotspots_booked(tickets=tickets, limit=limit, book=book)
    per_100 = Case(
        When(
            compound__households__gt=0,
            then=Cast(F("requests"), FloatField()) * 100.0 / Cast(F("compound__households"), FloatField()),
        ),
        default=None,
        output_field=FloatField(),
    )
    rows = (
        tickets.order_by()
        .filter(compound__isnull=False)
        .values(
            "compound__code",
            "compound__name",
            "compound__district__name",
            "compound__households",
            "compound__station__code",
            "compound__station__name",
        )
        .annotate(requests=Count("id"))
        .annotate(per_100_households=per_100)
        .order_by(F("per_100_households").desc(nulls_last=True), "-requests", "compound__code")[:limit]
    )
    return [
        {
            "compound": {
                "code": row["compound__code"],
                "name": row["compound__name"],
                "district": row["compound__district__name"],
            },
            "station": {"code": row["compound__station__code"], "name": row["compound__station__name"]},
            "households": row["compound__households"],
            "requests": row["requests"],
            "per_100_households": None if row["per_100_households"] is None else round(row["per_100_households"], 2),
        }
        for row in rows
    ]


def _hotspots_booked(*, tickets: QuerySet[Ticket], limit: int, book) -> list[dict]:
    """`hotspots` from the day book's requests per compound plus the live days': the same items, in the same order."""
    counts = book.compound_requests()
    live = book.live(tickets).order_by().filter(compound__isnull=False).values("compound_id").annotate(n=Count("id"))
    for row in live.order_by():
        counts[row["compound_id"]] = counts.get(row["compound_id"], 0) + row["n"]
    compounds = Compound.objects.select_related("district", "station").in_bulk([k for k, n in counts.items() if n])
    items = []
    for compound in compounds.values():
        requests, households = counts[compound.pk], compound.households
        per_100 = requests * 100.0 / households if households and households > 0 else None
        items.append((per_100, requests, compound))
    items.sort(key=lambda item: (item[0] is None, -(item[0] or 0.0), -item[1], item[2].code))
    return [
        {
            "compound": {"code": c.code, "name": c.name, "district": c.district.name if c.district else None},
            "station": {"code": c.station.code if c.station else None, "name": c.station.name if c.station else None},
            "households": c.households,
            "requests": requests,
            "per_100_households": None if per_100 is None else round(per_100, 2),
        }
        for per_100, requests, c in items[:limit]
    ]


@reads_replica
def report_bundle(*, user, period: Period, scope, as_of: dt.datetime | None = None, day: bool = False) -> dict:
    """Everything a report page or workbook shows for one period and scope, computed once."""
    as_of = as_of or clock.now()
    tickets = selectors.report_tickets(user=user, period=period, scope=scope)
    book = selectors.report_book(user=user, period=period, scope=scope)
    values = kpis.kpis_compute(tickets=tickets, as_of=as_of, book=book)
    values.update(kpis_beside.community_kpis_compute(tickets=tickets, book=book))
    ranking_options = {"user": user, "tickets": tickets, "as_of": as_of, "scope": scope, "book": book}
    return {
        "period": period,
        "scope": scope,
        "as_of": as_of,
        "kpis": values,
        "definitions": kpis.KPI_DEFINITIONS,
        "stations": rankings.rankings_compute(by="station", **ranking_options),
        "companies": rankings.rankings_compute(by="company", **ranking_options),
        "categories": category_mix(tickets=tickets),
        "daily": [] if day else daily_kpis(tickets=tickets, period=period, as_of=as_of, book=book),
        "hourly": hourly_volume(tickets=tickets),
        "response_histogram": response_histogram(tickets=tickets),
        "resolution_histogram": resolution_histogram(tickets=tickets),
        "hotspots": hotspots(tickets=tickets, book=None if scope.operator is not None else book),
        "communities": kpis_beside.community_kpis_by_community(tickets=tickets),
        "community_definitions": kpis.COMMUNITY_KPI_DEFINITIONS,
        "tickets": tickets,
    }
