"""How calls cluster by building: the figures public heat-complaint records are described by, computed
from tickets (simulated or real), so a season can be compared with a real winter.

- share of calls from building-days with ≥ 2 calls, and with ≥ 5 (a building-day: one building, one
  local day), over the whole period and on its busiest day;
- share of calls made by the busiest 1 % and 10 % of the buildings that called;
- the largest building-day.
A building is a compound and building number; a ticket without a compound counts by its address text,
and one with neither is left out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from heatdesk.reports.selectors import report_timezone

# Public heat-complaint records of a large city (one cold day; five winters for the building shares).
PUBLIC_RECORDS = {
    "multi_call_share": 0.43,
    "five_call_share": 0.09,
    "busiest_1pct_share": 0.23,
    "busiest_10pct_share": 0.63,
    "largest_building_day": 18,
}


@dataclass(frozen=True)
class ClusteringShape:
    calls: int
    buildings: int
    building_days: int
    multi_call_share: float  # calls from building-days with ≥ 2 calls
    five_call_share: float  # … with ≥ 5 calls
    busiest_1pct_share: float  # calls made by the busiest 1 % of buildings
    busiest_10pct_share: float
    largest_building_day: int
    largest_at: tuple[Hashable, dt.date] | None  # (building, day) of the largest building-day
    busiest_day: dt.date | None
    busiest_day_calls: int
    busiest_day_multi_share: float
    busiest_day_five_share: float


def _share_from(counts: Iterable[int], at_least: int, total: int) -> float:
    return sum(n for n in counts if n >= at_least) / total if total else 0.0


def _top_share(per_building: Counter, fraction: float, total: int) -> float:
    ranked = sorted(per_building.values(), reverse=True)
    return sum(ranked[: max(1, round(len(ranked) * fraction))]) / total if total else 0.0


def calls_shape(calls: Iterable[tuple[Hashable, dt.date]]) -> ClusteringShape:
    """The clustering figures of calls given as (building, local day) pairs."""
    per_building_day = Counter(calls)
    total = sum(per_building_day.values())
    per_building: Counter = Counter()
    per_day: Counter = Counter()
    for (building, day), n in per_building_day.items():
        per_building[building] += n
        per_day[day] += n
    largest = max(per_building_day.items(), key=lambda item: item[1], default=(None, 0))
    busiest = max(sorted(per_day.items()), key=lambda item: item[1], default=(None, 0))
    on_busiest = [n for (_, day), n in per_building_day.items() if day == busiest[0]]
    return ClusteringShape(
        calls=total,
        buildings=len(per_building),
        building_days=len(per_building_day),
        multi_call_share=_share_from(per_building_day.values(), 2, total),
        five_call_share=_share_from(per_building_day.values(), 5, total),
        busiest_1pct_share=_top_share(per_building, 0.01, total),
        busiest_10pct_share=_top_share(per_building, 0.10, total),
        largest_building_day=largest[1],
        largest_at=largest[0],
        busiest_day=busiest[0],
        busiest_day_calls=busiest[1],
        busiest_day_multi_share=_share_from(on_busiest, 2, busiest[1]),
        busiest_day_five_share=_share_from(on_busiest, 5, busiest[1]),
    )


def ticket_calls_shape(*, tickets: QuerySet) -> ClusteringShape:
    """The clustering figures of a ticket population (each ticket one call), by the desk's local days."""
    zone = report_timezone()
    pairs = []
    for compound, building, address, created_at in tickets.values_list(
        "compound__code", "building", "address", "created_at"
    ).iterator(chunk_size=5000):
        if compound:
            key: Hashable = (compound, building or "")
        elif address.strip():
            key = ("", address.strip())
        else:
            continue
        pairs.append((key, created_at.astimezone(zone).date()))
    return calls_shape(pairs)


def shape_lines(shape: ClusteringShape) -> list[str]:
    """The figures beside the public records' as printable lines (Chinese / English)."""
    public = PUBLIC_RECORDS
    where = ""
    if shape.largest_at:
        building, day = shape.largest_at
        label = " ".join(str(part) for part in building if part) if isinstance(building, tuple) else str(building)
        where = f" ({label}, {day.isoformat()})"
    return [
        f"来电 calls {shape.calls}, 楼栋 buildings {shape.buildings}, 楼栋日 building-days {shape.building_days}",
        f"同楼同日 ≥2 次来电的占比 / share from building-days with ≥ 2 calls: "
        f"{shape.multi_call_share:6.1%}   (public records {public['multi_call_share']:.0%})",
        f"同楼同日 ≥5 次来电的占比 / share from building-days with ≥ 5 calls: "
        f"{shape.five_call_share:6.1%}   (public records {public['five_call_share']:.0%})",
        f"最忙 1% 楼栋的来电占比 / busiest 1 % of buildings' share:            "
        f"{shape.busiest_1pct_share:6.1%}   (public records {public['busiest_1pct_share']:.0%})",
        f"最忙 10% 楼栋的来电占比 / busiest 10 % of buildings' share:          "
        f"{shape.busiest_10pct_share:6.1%}   (public records {public['busiest_10pct_share']:.0%})",
        f"单楼单日最多来电 / largest building-day: {shape.largest_building_day}{where}"
        f"   (public records {public['largest_building_day']})",
        f"最忙的一天 / busiest day {shape.busiest_day}: {shape.busiest_day_calls} calls, "
        f"≥2 {shape.busiest_day_multi_share:.1%}, ≥5 {shape.busiest_day_five_share:.1%}",
    ]
