"""Figures beside the KPIs of §5, on the same conventions (a period's tickets, created in it): the community
figures (双管家 · 未诉先办, DESIGN §11 "Community", `{value, numerator, denominator}`, shown per community,
not in the day book) and the callbacks split by channel. `reports.kpis` re-exports them."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from heatdesk.reports.kpis import (
    CONFIRMED_CLOSED,
    COUNT,
    RATE,
    KpiDefinition,
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


def community_kpis_compute(*, tickets: QuerySet[Ticket]) -> dict[str, dict]:
    """proactive_found and ledger_fixed_rate over one population of tickets: one aggregate query."""
    return community_kpis_assemble(tickets.order_by().aggregate(**community_aggregates()))


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


def callback_channels(*, tickets: QuerySet[Ticket]) -> dict[str, dict[str, int]]:
    """The callbacks of a population split by how the answer came (phone callback or SMS rating link).

    Informative only: 回访率, 满意率 and 解决率 above count both channels under one definition; this shows
    `{callbacks, reached, satisfied, fixed}` per channel, whose sums are those KPIs' numerators.
    """
    rows = (
        _callbacks_of(tickets.order_by())
        .order_by("channel")
        .values("channel")
        .annotate(
            n_callbacks=Count("id"),
            n_reached=Count("id", filter=Q(reached=True)),
            n_satisfied=Count("id", filter=Q(reached=True, satisfaction__in=satisfied_set())),
            n_fixed=Count("id", filter=Q(reached=True, fixed=True)),
        )
    )
    keys = ("callbacks", "reached", "satisfied", "fixed")
    split = {channel: dict.fromkeys(keys, 0) for channel in CALLBACK_CHANNELS}
    for row in rows:
        split[row["channel"]] = {key: row[f"n_{key}"] for key in keys}
    return split
