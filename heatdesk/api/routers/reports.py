"""Reports: the KPIs of DESIGN §5, red/black lists and hotspots, scoped to the caller's organisation."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema

from heatdesk.core import clock
from heatdesk.reports import overview, rankings, selectors

router = Router(tags=["reports"])


class ReportQuery(Schema):
    date_from: str | None = Field(None, alias="from", description="first day, YYYY-MM-DD (default: season start)")
    date_to: str | None = Field(None, alias="to", description="last day, included, YYYY-MM-DD (default: today)")
    company: str | None = Field(None, description="company code")
    station: str | None = Field(None, description="station code")
    district: str | None = Field(None, description="district code or name")
    operator: str | None = Field(None, description="owner operator's username (首问负责人)")


class RankingQuery(ReportQuery):
    by: Literal["station", "company"] = "station"
    kpi: str = Field("score", description="score (composite) or one KPI key")
    min_received: int = Field(rankings.DEFAULT_MIN_RECEIVED, ge=0, le=100000)


class HotspotQuery(ReportQuery):
    limit: int = Field(20, ge=1, le=500)


def _population(request, query: ReportQuery):
    user = request.auth
    period = selectors.period_parse(date_from=query.date_from, date_to=query.date_to)
    scope = selectors.report_scope_resolve(
        user=user, company=query.company, station=query.station, district=query.district, operator=query.operator
    )
    return user, period, scope


@router.get("/kpis", response=dict)
def report_kpis(request, query: Query[ReportQuery]):
    """Every KPI of DESIGN §5 for tickets created in [from, to] (days in Asia/Shanghai), each
    `{value, numerator, denominator, definition}`; `definitions` holds each formula in Chinese and English."""
    user, period, scope = _population(request, query)
    return selectors.report_kpis(user=user, period=period, scope=scope)


@router.get("/rankings", response=dict)
def report_rankings(request, query: Query[RankingQuery]):
    """Red/black lists (红黑榜) of stations or companies; the rule is in the response (`rule`)."""
    user, period, scope = _population(request, query)
    as_of = clock.now()
    tickets = selectors.report_tickets(user=user, period=period, scope=scope)
    body = rankings.rankings_compute(
        user=user,
        tickets=tickets,
        as_of=as_of,
        by=query.by,
        kpi=query.kpi,
        min_received=query.min_received,
        scope=scope,
        book=selectors.report_book(user=user, period=period, scope=scope),
    )
    return {"period": period.as_json(as_of=as_of), "scope": scope.as_json(), **body}


@router.get("/hotspots", response=dict)
def report_hotspots(request, query: Query[HotspotQuery]):
    """Compounds with the most requests per 100 households in the period (热点小区)."""
    user, period, scope = _population(request, query)
    tickets = selectors.report_tickets(user=user, period=period, scope=scope)
    return {
        "period": period.as_json(),
        "scope": scope.as_json(),
        "items": overview.hotspots(tickets=tickets, limit=query.limit),
    }
