"""Reports: the KPIs of DESIGN §5, red/black lists and hotspots, scoped to the caller's organisation."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, create_model

from heatdesk.core import clock
from heatdesk.reports import kpis, overview, rankings, selectors

router = Router(tags=["reports"])

# ---- Response schemas (JSON names of DESIGN §5; KPI keys come from reports/kpis.py) --------------

Number = int | float


class KpiValueOut(Schema):
    value: Number | None = Field(description="the figure; null when its denominator is 0")
    numerator: Number | None = Field(description="counts, or the sum of minutes of an average; null for medians")
    denominator: int | None = Field(description="the population counted; null for plain counts")


class KpiReportValueOut(KpiValueOut):
    definition: str = Field(description="the key of this KPI in `definitions`")


class KpiDefinitionOut(Schema):
    key: str
    label_zh: str
    label_en: str
    unit: Literal["count", "rate", "minutes", "median"]
    formula_zh: str
    formula_en: str


def _keyed(name: str, value: type[Schema], keys: tuple[str, ...], doc: str) -> type[Schema]:
    """A schema with one required property per KPI key, so the document names every key."""
    fields = {key: (value, Field(description=kpis.REPORT_KPI_DEFINITIONS[key].label_en)) for key in keys}
    return create_model(name, __base__=Schema, __doc__=doc, **fields)  # type: ignore[call-overload]


KpisOut = _keyed("KpisOut", KpiReportValueOut, kpis.REPORT_KPI_KEYS, "Every KPI of DESIGN §5 (and §11 Community).")
KpiDefinitionsOut = _keyed("KpiDefinitionsOut", KpiDefinitionOut, kpis.REPORT_KPI_KEYS, "Each KPI's formula.")
RankingKpisOut = _keyed("RankingKpisOut", KpiValueOut, rankings.SHOWN_KPIS, "The KPIs a ranking shows.")


class PeriodOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    date_from: dt.date = Field(alias="from", description="first day")
    date_to: dt.date = Field(alias="to", description="last day, included")
    start: dt.datetime = Field(description="first instant counted")
    end: dt.datetime = Field(description="first instant not counted")
    timezone: str
    as_of: dt.datetime | None = Field(None, description="when the figures were computed (kpis, rankings)")


class OrgOut(Schema):
    code: str
    name: str


class ScopeOut(Schema):
    company: OrgOut | None
    station: OrgOut | None
    district: OrgOut | None
    operator: str | None = Field(description="owner operator's username")


class CallbackChannelOut(Schema):
    callbacks: int
    reached: int
    satisfied: int
    fixed: int


class CallbackChannelsOut(Schema):
    """Callbacks by how the answer came; counts only (the rates above count both channels alike)."""

    phone: CallbackChannelOut
    sms_link: CallbackChannelOut


class KpiReportOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    kpis: KpisOut  # type: ignore[valid-type]
    definitions: KpiDefinitionsOut  # type: ignore[valid-type]
    callback_channels: CallbackChannelsOut | None = None


class RuleOut(Schema):
    zh: str
    en: str


class RankingItemOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    code: str
    name: str
    company: str | None = Field(None, description="the station's company (stations only)")
    score: float | None = Field(description="composite score 0–100")
    value: Number | None = Field(description="the ranked figure: the score or the chosen KPI's value")
    ranked: bool = Field(description="enough requests and a value: placed in the ranking")
    rank: int | None
    list_: Literal["red", "black"] | None = Field(alias="list", description="红榜 red or 黑榜 black list")
    kpis: RankingKpisOut  # type: ignore[valid-type]


class RankingsOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    by: Literal["station", "company"]
    kpi: str
    min_received: int
    rule: RuleOut
    items: list[RankingItemOut]


class CompoundRefOut(Schema):
    code: str
    name: str
    district: str


class HotspotOut(Schema):
    compound: CompoundRefOut
    station: OrgOut
    households: int | None
    requests: int
    per_100_households: float | None = Field(description="requests per 100 households; null without households")


class HotspotsOut(Schema):
    period: PeriodOut
    scope: ScopeOut
    items: list[HotspotOut]


# ---- Queries -------------------------------------------------------------------------------------


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


@router.get("/kpis", response=KpiReportOut, by_alias=True, exclude_unset=True)
def report_kpis(request, query: Query[ReportQuery]):
    """Every KPI of DESIGN §5 for tickets created in [from, to] (days in Asia/Shanghai), each
    `{value, numerator, denominator, definition}`; `definitions` holds each formula in Chinese and English."""
    user, period, scope = _population(request, query)
    return selectors.report_kpis(user=user, period=period, scope=scope)


@router.get("/rankings", response=RankingsOut, by_alias=True, exclude_unset=True)
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


@router.get("/hotspots", response=HotspotsOut, by_alias=True, exclude_unset=True)
def report_hotspots(request, query: Query[HotspotQuery]):
    """Compounds with the most requests per 100 households in the period (热点小区)."""
    user, period, scope = _population(request, query)
    tickets = selectors.report_tickets(user=user, period=period, scope=scope)
    return {
        "period": period.as_json(),
        "scope": scope.as_json(),
        "items": overview.hotspots(
            tickets=tickets,
            limit=query.limit,
            # The day book counts requests per compound by station and district, not by owner.
            book=None if scope.operator is not None else selectors.report_book(user=user, period=period, scope=scope),
        ),
    }
