"""The simulator's ground truth: every KPI counted in plain Python from the simulator's own record of
what it did (`SimTicket`), never from the database — the second book the reports must agree with.

The definitions are those of `kpis.KPI_DEFINITIONS`, re-stated here over the simulator's records.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable

from heatdesk.reports.kpis import KPI_DEFINITIONS, MEDIAN, MINUTES, RATE, REPEAT_CALL_WINDOW, satisfied_set
from heatdesk.reports.kpis_beside import CALLBACK_CHANNELS
from heatdesk.reports.season_record import SimTicket
from heatdesk.tickets.states import TicketStatus

CLOSED, RESOLVED = TicketStatus.CLOSED, TicketStatus.RESOLVED


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 60


def _counted(pairs: Iterable[tuple[bool, bool]]) -> tuple[int, int]:
    """(numerator, denominator) from (in denominator, in numerator) pairs."""
    numerator = denominator = 0
    for counted, success in pairs:
        if counted:
            denominator += 1
            numerator += bool(success)
    return numerator, denominator


def truth_kpis(tickets: list[SimTicket], *, as_of: dt.datetime) -> dict[str, dict]:
    """{key: {value, numerator, denominator}} by the definitions, from the simulator's records."""
    satisfied = set(satisfied_set())
    raw: dict[str, tuple] = {}
    received = len(tickets)
    raw["received"] = (received, None)
    raw["dispatch_on_time_rate"] = _counted(
        (
            t.first_dispatched_at is not None,
            t.first_dispatched_at and t.dispatch_deadline and t.first_dispatched_at <= t.dispatch_deadline,
        )
        for t in tickets
    )
    responses = [_minutes(t.dispatched_at, t.accepted_at) for t in tickets if t.accepted_at]
    raw["avg_response_minutes"] = (sum(responses), len(responses))
    raw["median_response_minutes"] = (statistics.median(responses) if responses else None, len(responses))
    arrivals = [_minutes(t.created_at, t.arrived_at) for t in tickets if t.arrived_at]
    raw["avg_arrival_minutes"] = (sum(arrivals), len(arrivals))
    on_site = [t for t in tickets if t.resolved_at and t.resolution_deadline]
    raw["avg_resolution_minutes"] = (sum(_minutes(t.created_at, t.resolved_at) for t in on_site), len(on_site))
    raw["response_on_time_rate"] = _counted(
        (bool(t.accepted_at), t.accepted_at and t.accepted_at <= t.response_deadline) for t in tickets
    )
    raw["resolution_on_time_rate"] = _counted((True, t.resolved_at <= t.resolution_deadline) for t in on_site)
    raw["phone_resolved_rate"] = (sum(t.phone_resolved and t.first_dispatched_at is None for t in tickets), received)
    confirmed = [t for t in tickets if t.state == CLOSED and not t.closed_unreached]
    raw["first_time_resolution_rate"] = _counted(
        (
            True,
            t.reopen_count == 0
            and t.return_count == 0
            and (t.resolution_deadline is None or t.resolved_at <= t.resolution_deadline),
        )
        for t in confirmed
    )
    ever_resolved = [t for t in tickets if t.resolved_at or t.reopen_count]
    raw["callback_rate"] = (sum(bool(t.callbacks) for t in ever_resolved), len(ever_resolved))
    reached = [(fixed, answer) for t in tickets for was_reached, fixed, answer, _ in t.callbacks if was_reached]
    raw["satisfaction_rate"] = (sum(answer in satisfied for _, answer in reached), len(reached))
    raw["resolution_rate"] = (sum(bool(fixed) for fixed, _ in reached), len(reached))
    dispatched = [t for t in tickets if t.first_dispatched_at]
    raw["return_rate"] = (sum(t.return_count > 0 for t in dispatched), len(dispatched))
    raw["redo_rate"] = (sum(t.reopen_count > 0 for t in tickets), len(ever_resolved))
    raw["repeat_call_rate"] = (
        sum(any(at < t.created_at + REPEAT_CALL_WINDOW for at in t.repeat_calls) for t in tickets),
        received,
    )
    readings = [t.arrival_temp for t in tickets if t.arrival_temp is not None]
    raw["temperature_compliance_rate"] = (sum(value >= 18 for value in readings), len(readings))
    raw["overdue_dispatch"] = (
        sum(
            t.dispatch_deadline is not None
            and (
                (t.first_dispatched_at is not None and t.first_dispatched_at > t.dispatch_deadline)
                or (t.first_dispatched_at is None and t.state == TicketStatus.RECEIVED and t.dispatch_deadline < as_of)
            )
            for t in tickets
        ),
        None,
    )
    raw["overdue_response"] = (
        sum(
            (t.accepted_at is not None and t.accepted_at > t.response_deadline)
            or (t.state == TicketStatus.DISPATCHED and t.response_deadline < as_of)
            for t in tickets
        ),
        None,
    )
    raw["overdue_resolution"] = (
        sum(
            (t.resolved_at is not None and t.resolution_deadline is not None and t.resolved_at > t.resolution_deadline)
            or (t.state in (TicketStatus.DISPATCHED, TicketStatus.ACCEPTED) and t.resolution_deadline < as_of)
            for t in tickets
        ),
        None,
    )
    raw["overdue_callback"] = (
        sum(
            (t.state == CLOSED and t.callback_deadline is not None and t.closed_at > t.callback_deadline)
            or (t.state == RESOLVED and t.callback_deadline < as_of)
            for t in tickets
        ),
        None,
    )
    raw["incidents"] = (sum(t.repair_of is not None for t in tickets), None)
    raw["incident_calls"] = (sum(bool(t.incident) for t in tickets), None)
    restores = [t.restore_minutes for t in tickets if t.restore_minutes is not None]
    raw["avg_restore_minutes"] = (sum(restores), len(restores))
    return {key: _shape(key, *raw[key]) for key in KPI_DEFINITIONS}


CHANNEL_FIGURES = ("callbacks", "reached", "satisfied", "fixed")


def truth_callback_channels(tickets: list[SimTicket]) -> dict[str, dict[str, int]]:
    """The callbacks split by channel (phone, sms_link) as `kpis_beside.callback_channels` reports them."""
    satisfied = set(satisfied_set())
    split = {channel: dict.fromkeys(CHANNEL_FIGURES, 0) for channel in CALLBACK_CHANNELS}
    for t in tickets:
        for reached, fixed, answer, channel in t.callbacks:
            figures = split[channel]
            figures["callbacks"] += 1
            figures["reached"] += reached
            figures["satisfied"] += reached and answer in satisfied
            figures["fixed"] += bool(reached and fixed)
    return split


def channel_rows(truth: dict[str, dict[str, int]], *reported: dict[str, dict[str, int]]) -> list[tuple]:
    """(channel.figure, truth, reported…, all match) per channel and figure."""
    return [
        (f"{channel}.{figure}", truth[channel][figure], *[r[channel][figure] for r in reported],
         all(r[channel][figure] == truth[channel][figure] for r in reported))
        for channel in CALLBACK_CHANNELS
        for figure in CHANNEL_FIGURES
    ]  # fmt: skip


def _shape(key: str, numerator, denominator) -> dict:
    unit = KPI_DEFINITIONS[key].unit
    if unit == MINUTES:
        value = round(numerator / denominator, 2) if denominator else None
        return {"value": value, "numerator": round(numerator, 2), "denominator": denominator}
    if unit == MEDIAN:
        return {
            "value": None if numerator is None else round(numerator, 2),
            "numerator": None,
            "denominator": denominator,
        }
    if unit == RATE:
        value = round(numerator / denominator, 4) if denominator else None
        return {"value": value, "numerator": numerator, "denominator": denominator}
    return {"value": numerator, "numerator": numerator, "denominator": None}


def kpi_matches(key: str, truth: dict, reported: dict) -> bool:
    """Counts, numerators and denominators must be equal; minutes and medians agree to 0.01."""
    unit = KPI_DEFINITIONS[key].unit
    if truth["denominator"] != reported["denominator"]:
        return False
    if unit in (MINUTES, MEDIAN):
        if truth["value"] is None or reported["value"] is None:
            return truth["value"] is None and reported["value"] is None
        return abs(truth["value"] - reported["value"]) <= 0.01 + 1e-9
    return truth["numerator"] == reported["numerator"] and truth["value"] == reported["value"]


def comparison_rows(truth: dict[str, dict], *reported: dict[str, dict]) -> list[tuple]:
    """(key, truth, reported…, all match) per KPI."""
    return [
        (key, truth[key], *[r[key] for r in reported], all(kpi_matches(key, truth[key], r[key]) for r in reported))
        for key in KPI_DEFINITIONS
    ]


def format_value(key: str, value: dict) -> str:
    unit = KPI_DEFINITIONS[key].unit
    if value["value"] is None:
        return "—"
    if unit == RATE:
        return f"{value['value'] * 100:.2f}% ({value['numerator']}/{value['denominator']})"
    if unit == MINUTES:
        return f"{value['value']:.2f} min (n={value['denominator']})"
    if unit == MEDIAN:
        return f"{value['value']:.2f} min"
    return str(value["value"])


def comparison_table(
    rows: list[tuple], write: Callable[[str], None], headers: tuple[str, ...], *, counts: bool = False
) -> None:
    """Print key | simulator | reports… | match as an aligned text table (`counts`: plain numbers, not KPIs)."""
    lines = [
        (row[0], *[str(v) if counts else format_value(row[0], v) for v in row[1:-1]], "✓" if row[-1] else "✗")
        for row in rows
    ]
    titles = ("key", *headers, "match")
    widths = [max(len(line[i]) for line in [titles, *lines]) for i in range(len(titles) - 1)]
    write("  ".join(f"{t:<{w}}" for t, w in zip(titles, widths, strict=False)) + "  match")
    write("-" * (sum(widths) + 2 * len(widths) + 5))
    for line in lines:
        write("  ".join(f"{c:<{w}}" for c, w in zip(line, widths, strict=False)) + f"  {line[-1]}")
