"""Red and black lists (红黑榜) of stations and companies.

The rule, written once (the API, the pages and the exports show `RANKING_RULE`):
- Composite score (综合得分) = 100 × weighted mean of response on-time rate 25 %, resolution on-time
  rate 25 %, first-time resolution rate 20 %, satisfaction rate 20 % and (1 − redo rate) 10 %. A KPI
  with nothing to count (no denominator) is left out and the other weights are rescaled.
- Or, with `kpi=<key>`, the value of that one KPI (higher is better for rates of success; lower is
  better for times, return/redo/repeat-call rates and overdue counts).
- Units with fewer than `min_received` requests in the period are listed but not ranked.
- Ties are broken by more requests, then by code. The red list (红榜) is the top N and the black list
  (黑榜) the bottom N of the ranked units, N = min(3, ⌈ranked ÷ 5⌉); with fewer than 2 ranked units
  there are no lists.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import QuerySet

from heatdesk.accounts.models import User
from heatdesk.core.databases import reads_replica
from heatdesk.core.errors import ValidationFailed
from heatdesk.reports import kpis
from heatdesk.reports.selectors import ReportScope, stations_visible_to
from heatdesk.tickets.models import Ticket

SCORE_WEIGHTS = {
    "response_on_time_rate": 0.25,
    "resolution_on_time_rate": 0.25,
    "first_time_resolution_rate": 0.20,
    "satisfaction_rate": 0.20,
    "redo_rate": 0.10,  # counted as (1 − redo rate)
}
LOWER_IS_BETTER = frozenset(
    {
        "avg_response_minutes",
        "median_response_minutes",
        "avg_arrival_minutes",
        "avg_resolution_minutes",
        "return_rate",
        "redo_rate",
        "repeat_call_rate",
        "overdue_dispatch",
        "overdue_response",
        "overdue_resolution",
        "overdue_callback",
    }
)
DEFAULT_MIN_RECEIVED = 5
RANKING_RULE_ZH = (
    "综合得分 = 100 ×(响应及时率×25% + 处置及时率×25% + 一次办结率×20% + 满意率×20% + (1−重办率)×10%);"
    "无数据的指标不计并按比例调整权重;期内受理量少于门槛的单位不参与排名;同分按受理量多者、编码先者在前;"
    "红榜为前 N 名、黑榜为后 N 名,N = min(3, ⌈参与排名数 ÷ 5⌉)。"
)
RANKING_RULE_EN = (
    "Score = 100 × (25% response on-time + 25% resolution on-time + 20% first-time resolution + 20% "
    "satisfaction + 10% (1 − redo rate)); KPIs without data are left out and the weights rescaled; units "
    "below the minimum volume are not ranked; ties go to more requests, then code; red list = top N, black "
    "list = bottom N of the ranked, N = min(3, ⌈ranked ÷ 5⌉)."
)
GROUPS = {  # tickets, callbacks, day book rows
    "station": ("station_id", "ticket__station_id", "station_id"),
    "company": ("station__company_id", "ticket__station__company_id", "station__company_id"),
}
SHOWN_KPIS = (
    "received",
    "avg_response_minutes",
    "response_on_time_rate",
    "resolution_on_time_rate",
    "first_time_resolution_rate",
    "satisfaction_rate",
    "resolution_rate",
    "return_rate",
    "redo_rate",
    "overdue_response",
    "overdue_resolution",
)


def ranking_score(values: dict[str, dict]) -> float | None:
    """The composite score (0–100) of one unit's KPIs, or None when no weighted KPI has data."""
    total = weight = 0.0
    for key, share in SCORE_WEIGHTS.items():
        value = values[key]["value"]
        if value is None:
            continue
        total += share * ((1 - value) if key in LOWER_IS_BETTER else value)
        weight += share
    return round(100 * total / weight, 2) if weight else None


def _units(user: User | None, by: str, scope: ReportScope | None) -> list[tuple[int, str, str, str | None]]:
    stations = stations_visible_to(user)
    if scope is not None and scope.station is not None:
        stations = stations.filter(id=scope.station.id)
    if scope is not None and scope.company is not None:
        stations = stations.filter(company_id=scope.company.id)
    stations = list(stations)
    if by == "station":
        return [(s.id, s.code, s.name, s.company.name) for s in stations]
    companies = {s.company.id: s.company for s in stations}
    return [(c.id, c.code, c.name, None) for c in sorted(companies.values(), key=lambda c: c.code)]


@reads_replica
def rankings_compute(
    *,
    user: User | None,
    tickets: QuerySet[Ticket],
    as_of: dt.datetime,
    by: str = "station",
    kpi: str = "score",
    min_received: int = DEFAULT_MIN_RECEIVED,
    scope: ReportScope | None = None,
    book=None,
) -> dict:
    """Stations or companies the user may see (within `scope`), ranked by the rule above, with their
    red/black lists."""
    if by not in GROUPS:
        raise ValidationFailed("by 须为 station 或 company / by must be station or company", details=[{"field": "by"}])
    if kpi != "score" and kpi not in kpis.KPI_DEFINITIONS:
        raise ValidationFailed(f"未知指标 {kpi} / unknown kpi {kpi}", details=[{"field": "kpi"}])
    group, callback_group, book_group = GROUPS[by]
    grouped = kpis.kpis_compute_grouped(
        tickets=tickets, as_of=as_of, group=group, callback_group=callback_group, book=book, book_group=book_group
    )
    empty = kpis.kpis_assemble({"received__num": 0})
    items = []
    for unit_id, code, name, company in _units(user, by, scope):
        values = grouped.get(unit_id, empty)
        score = ranking_score(values)
        key_value = score if kpi == "score" else values[kpi]["value"]
        received = values["received"]["value"]
        item = {
            "code": code,
            "name": name,
            "score": score,
            "value": key_value,
            "ranked": received >= min_received and key_value is not None,
            "rank": None,
            "list": None,
            "kpis": {key: values[key] for key in SHOWN_KPIS},
        }
        if company is not None:
            item["company"] = company
        items.append(item)
    lower_better = kpi in LOWER_IS_BETTER
    ranked = sorted(
        (item for item in items if item["ranked"]),
        key=lambda item: (
            item["value"] if lower_better else -item["value"],
            -item["kpis"]["received"]["value"],
            item["code"],
        ),
    )
    for position, item in enumerate(ranked, start=1):
        item["rank"] = position
    size = min(3, math.ceil(len(ranked) / 5)) if len(ranked) >= 2 else 0
    for item in ranked[:size]:
        item["list"] = "red"
    for item in ranked[len(ranked) - size :] if size else []:
        item["list"] = "black"
    unranked = sorted((item for item in items if not item["ranked"]), key=lambda item: item["code"])
    return {
        "by": by,
        "kpi": kpi,
        "min_received": min_received,
        "rule": {"zh": RANKING_RULE_ZH, "en": RANKING_RULE_EN},
        "items": ranked + unranked,
    }
