"""Real-time supervision (实时督办, DESIGN §2): alerts and the board's counts, scoped to the viewer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from heatdesk.core import clock
from heatdesk.core.errors import ValidationFailed
from heatdesk.supervision import selectors
from heatdesk.supervision.models import Alert

router = Router(tags=["supervision"])

StageCode = Literal["dispatch", "response", "resolution", "callback"]
LevelCode = Literal["warning", "overdue", "escalated"]


class AlertQuery(Schema):
    ticket: str | None = Field(None, description="工单号 / ticket number")
    stage: StageCode | None = None
    level: LevelCode | None = None
    station: str | None = Field(None, description="供暖所编码 / station code")
    since: dt.datetime | None = Field(None, description="raised at or after (ISO 8601; encode + as %2B)")
    open: bool | None = Field(None, description="true: not yet closed; false: closed")
    limit: int = Field(200, ge=1, le=1000)


class AlertOut(Schema):
    """DESIGN §8 alert, times in Hohhot time (ISO 8601 with offset)."""

    ticket: str = Field(description="工单号 / ticket number")
    stage: StageCode
    level: LevelCode
    cycle: int = Field(description="轮次: the run of the stage's clock (2 after a redo or redispatch, …)")
    threshold_at: str = Field(description="when the level was due")
    raised_at: str = Field(description="when the monitor raised it")
    closed_at: str | None = Field(description="when its stage was met in that cycle; null while open")
    station: str | None = Field(description="供暖所编码 / station code; null before routing")


class LevelCountsOut(Schema):
    at_risk: int = Field(description="预警: warned, not yet overdue")
    overdue: int = Field(description="超时: past the deadline, not yet escalated")
    escalated: int = Field(description="升级: overdue long enough to go up the ladder")


class TotalsOut(LevelCountsOut):
    total: int = Field(description="at_risk + overdue + escalated")


class StageCountsOut(Schema):
    dispatch: LevelCountsOut
    response: LevelCountsOut
    resolution: LevelCountsOut
    callback: LevelCountsOut


class StationCountsOut(LevelCountsOut):
    station: str | None = Field(description="供暖所编码 / station code; null for tickets not yet routed")
    name: str
    company: str | None = Field(description="供热企业编码 / company code")
    total: int
    by_stage: StageCountsOut


class CountsOut(Schema):
    as_of: str = Field(description="when the counts were read (Hohhot time)")
    totals: TotalsOut
    by_stage: StageCountsOut
    stations: list[StationCountsOut]


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def alert_json(alert: Alert) -> dict:
    """DESIGN §8 alert: {ticket, stage, level, threshold_at, raised_at, closed_at} plus cycle and station."""
    return {
        "ticket": alert.ticket.number,
        "stage": alert.stage,
        "level": alert.level,
        "cycle": alert.cycle,
        "threshold_at": iso(alert.threshold_at),
        "raised_at": iso(alert.raised_at),
        "closed_at": iso(alert.closed_at),
        "station": alert.station_code or None,
    }


SINCE_EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
SINCE_LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)


@router.get("/alerts", response=list[AlertOut])
def supervision_alerts(request, query: Query[AlertQuery]):
    """Alerts newest first: the desk, regulator and admins see all, a station its own, a company its stations'."""
    since = query.since
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since)  # a time without offset is Hohhot time
    if since is not None and not SINCE_EARLIEST <= since <= SINCE_LATEST:
        # 0001-01-01 in Hohhot time has no UTC; 9999-12-31 neither: refuse the calendar's edges.
        raise ValidationFailed("since 超出范围 / since must lie between 1970 and 2999", details=[{"field": "since"}])
    filters = selectors.AlertFilters(
        ticket=query.ticket,
        stage=query.stage,
        level=query.level,
        station=query.station,
        since=since,
        is_open=query.open,
    )
    alerts = selectors.alert_search(user=request.auth, filters=filters)[: query.limit]
    return [alert_json(alert) for alert in alerts]


@router.get("/counts", response=CountsOut)
def supervision_counts(request):
    """Per station: stages at risk (预警, not yet overdue), overdue (超时) and escalated (升级), plus totals.

    Each open stage is counted once, at its highest level, so the three numbers add up to `total`.
    """
    counts = selectors.alert_counts_visible_to(user=request.auth)
    totals = dict(counts.totals)
    totals["total"] = sum(counts.totals.values())
    return {
        "as_of": iso(clock.now()),
        "totals": totals,
        "by_stage": counts.by_stage,
        "stations": [
            {
                "station": row.station or None,
                "name": row.name,
                "company": row.company or None,
                "at_risk": row.at_risk,
                "overdue": row.overdue,
                "escalated": row.escalated,
                "total": row.total,
                "by_stage": row.by_stage,
            }
            for row in counts.stations
        ],
    }
