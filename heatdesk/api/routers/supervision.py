"""Real-time supervision (实时督办, DESIGN §2): alerts and the board's counts, scoped to the viewer."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from heatdesk.core import clock
from heatdesk.sla import selectors
from heatdesk.sla.models import Alert

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


def iso(value: dt.datetime | None) -> str | None:
    return None if value is None else timezone.localtime(value).isoformat()


def alert_json(alert: Alert) -> dict:
    """DESIGN §8 alert: {ticket, stage, level, threshold_at, raised_at, closed_at} plus the station code."""
    return {
        "ticket": alert.ticket.number,
        "stage": alert.stage,
        "level": alert.level,
        "threshold_at": iso(alert.threshold_at),
        "raised_at": iso(alert.raised_at),
        "closed_at": iso(alert.closed_at),
        "station": alert.station_code or None,
    }


@router.get("/alerts", response=list[dict])
def supervision_alerts(request, query: Query[AlertQuery]):
    """Alerts newest first: the desk, regulator and admins see all, a station its own, a company its stations'."""
    since = query.since
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since)  # a time without offset is Hohhot time
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


@router.get("/counts", response=dict)
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
