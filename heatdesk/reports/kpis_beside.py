"""Figures beside the KPIs of §5, on the same conventions (a period's tickets, created in it): the community
figures (双管家 · 未诉先办, DESIGN §11 "Community", `{value, numerator, denominator}`, also shown per
community) and the callbacks split by channel. `reports.kpis` re-exports them. Their sums are kept in the
KPI day book too (`BESIDE_KEYS`), so a season report reads sealed days instead of every ticket and callback."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from heatdesk.reports.kpis import (
    CONFIRMED_CLOSED,
    COUNT,
    RATE,
    KpiDefinition,
    _add,
    _callbacks_of,
    _count,
    _d,
    _rate,
    satisfied_set,
)
from heatdesk.tickets.models import Ticket

COMMUNITY_KPI_DEFINITIONS: dict[str, KpiDefinition] = dict(
    [
        _d("proactive_found", COUNT, "未诉先办发现问题数", "Problems found by visits (未诉先办)",
           "期内由社区走访(访民问暖)发现并转为工单的问题数,即渠道为「主动服务」的工单数(不含已合并)",
           "Tickets opened from community visits in the period, i.e. tickets with channel proactive "
           "(merged duplicates excluded)"),
        _d("ledger_fixed_rate", RATE, "台账整改率", "Problem-ledger households fixed",
           "问题台账住户工单中经回访确认已办结的户数 ÷ 问题台账住户工单数(工单创建于期内)",
           "Problem-ledger households whose ticket was closed with the citizen's confirmation ÷ "
           "problem-ledger households (tickets created in the period)"),
    ]
)  # fmt: skip


def community_aggregates() -> dict:
    """Numerators and denominators of the community figures over tickets (one ledger row per ticket at most)."""
    in_ledger = Q(ledger_household__isnull=False)
    return {
        "proactive_found__num": _count(Q(channel="proactive")),
        "ledger_fixed_rate__num": _count(in_ledger & CONFIRMED_CLOSED),
        "ledger_fixed_rate__den": _count(in_ledger),
    }


def community_kpis_assemble(raw: dict) -> dict[str, dict]:
    found = raw.get("proactive_found__num") or 0
    return {
        "proactive_found": {"value": found, "numerator": found, "denominator": None},
        "ledger_fixed_rate": _rate(raw.get("ledger_fixed_rate__num") or 0, raw.get("ledger_fixed_rate__den") or 0),
    }


def community_kpis_compute(*, tickets: QuerySet[Ticket], book=None) -> dict[str, dict]:
    """proactive_found and ledger_fixed_rate over one population of tickets: one aggregate query (over the
    unsealed days only, plus the sealed days' sums, with a `book`: a daybook.DayBookSlice of the same scope)."""
    live = book.live(tickets) if book is not None else tickets
    raw = live.order_by().aggregate(**community_aggregates())
    if book is not None:
        _add(raw, book.sums(keys=COMMUNITY_KEYS))
    return community_kpis_assemble(raw)


def community_kpis_by_community(*, tickets: QuerySet[Ticket]) -> list[dict]:
    """The community figures per community of the tickets' compounds (those with any), by name."""
    rows = (
        tickets.order_by()
        .filter(compound__community__isnull=False)
        .values("compound__community__code", "compound__community__name")
        .annotate(**community_aggregates())
        .order_by("compound__community__name")
    )
    return [
        {
            "code": row["compound__community__code"],
            "name": row["compound__community__name"],
            "kpis": community_kpis_assemble(row),
        }
        for row in rows
        if row["proactive_found__num"] or row["ledger_fixed_rate__den"]
    ]


CALLBACK_CHANNELS = ("phone", "sms_link")
CHANNEL_COUNTS = ("callbacks", "reached", "satisfied", "fixed")
COMMUNITY_KEYS = ("proactive_found__num", "ledger_fixed_rate__num", "ledger_fixed_rate__den")
CHANNEL_KEYS = tuple(f"callbacks_{channel}_{count}__num" for channel in CALLBACK_CHANNELS for count in CHANNEL_COUNTS)
BESIDE_KEYS = (*COMMUNITY_KEYS, *CHANNEL_KEYS)  # their day book columns (reports.models.KpiDay)


def channel_aggregates() -> dict:
    """The callbacks counted per channel: all, reached, reached and satisfied, reached and fixed."""
    counted = {
        "callbacks": Q(),
        "reached": Q(reached=True),
        "satisfied": Q(reached=True, satisfaction__in=satisfied_set()),
        "fixed": Q(reached=True, fixed=True),
    }
    return {
        f"callbacks_{channel}_{count}__num": Count("id", filter=Q(channel=channel) & counted[count])
        for channel in CALLBACK_CHANNELS
        for count in CHANNEL_COUNTS
    }


def callback_channels(*, tickets: QuerySet[Ticket], book=None) -> dict[str, dict[str, int]]:
    """The callbacks of a population split by how the answer came (phone callback or SMS rating link).

    Informative only: 回访率, 满意率 and 解决率 above count both channels under one definition; this shows
    `{callbacks, reached, satisfied, fixed}` per channel, whose sums are those KPIs' numerators. With a
    `book`, the sealed days come from the day book and only the other days' callbacks are counted.
    """
    live = book.live(tickets) if book is not None else tickets
    raw = _callbacks_of(live.order_by()).aggregate(**channel_aggregates())
    if book is not None:
        _add(raw, book.sums(keys=CHANNEL_KEYS))
    return {
        channel: {count: raw.get(f"callbacks_{channel}_{count}__num") or 0 for count in CHANNEL_COUNTS}
        for channel in CALLBACK_CHANNELS
    }


def beside_raw_grouped(*, tickets: QuerySet[Ticket], groups: tuple[str, ...]) -> dict[tuple, dict]:
    """The day book's sums of these figures per group of ticket fields (sealing a day)."""
    result: dict[tuple, dict] = {}
    rows = tickets.order_by().values(*groups).annotate(**community_aggregates()).order_by()
    callback_rows = (
        _callbacks_of(tickets)
        .values(*(f"ticket__{group}" for group in groups))
        .annotate(**channel_aggregates())
        .order_by()
    )
    for row in rows:
        _add(result.setdefault(tuple(row.pop(group) for group in groups), {}), row)
    for row in callback_rows:
        _add(result.setdefault(tuple(row.pop(f"ticket__{group}") for group in groups), {}), row)
    return result
