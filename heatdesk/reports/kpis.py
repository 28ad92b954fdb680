"""The desk's KPIs (DESIGN §5): each definition written once, here, with its formula. The API, the report
pages, the XLSX/CSV exports and the CLI all call this module and show `KPI_DEFINITIONS` verbatim.

Conventions (the same for every KPI):
- **Population.** A period counts the tickets *created* in it (`created_at` in [from 00:00, to+1 00:00)
  Asia/Shanghai). Merged duplicates (已合并) are left out: their call is the parent ticket's.
  The caller passes that population (already scoped) as a queryset; every number below is one SQL
  aggregate over it (and over its callbacks) — no Python loop over tickets.
- **Current cycle.** A redispatch (退单后改派, 重办) starts a new handling cycle and the ticket row keeps the
  latest cycle's milestones and deadlines; times, on-time checks and temperature use that cycle.
  The resolution deadline is the *extended* one when an extension was approved.
- **Shapes.** Every KPI is `{value, numerator, denominator}`. Rates: value = numerator/denominator as a
  fraction 0–1 rounded to 4 places (0.9812 = 98.12 %). Times: numerator = total minutes, denominator =
  how many, value = their mean (minutes, 2 places). Medians: value = median minutes, numerator = null,
  denominator = how many. Counts: value = numerator = the count, denominator = null. A rate or time
  with nothing to count has value null.
- **As of.** Overdue counts include tickets still open past a deadline at `as_of` (the report's "now").
- **Day book.** Days whose tickets are all final are summed from the KPI day book (models.py), which
  stores these same aggregates per sealed day; only the other days are aggregated live. Same numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum

from heatdesk.core.databases import reads_replica
from heatdesk.reports.expressions import Seconds, median_of
from heatdesk.tickets.models import Satisfaction, Ticket, TicketCallback, TicketEvent
from heatdesk.tickets.states import TicketStatus

REPEAT_CALL_WINDOW = dt.timedelta(days=7)
ROLLUP_VERSION = 4  # bump when a formula below changes, so sealed days are recomputed
TEMPERATURE_STANDARD_CELSIUS = 18

COUNT, RATE, MINUTES, MEDIAN = "count", "rate", "minutes", "median"


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label_zh: str
    label_en: str
    unit: str  # count | rate | minutes | median
    formula_zh: str
    formula_en: str

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "formula_zh": self.formula_zh,
            "formula_en": self.formula_en,
        }


def _d(key, unit, label_zh, label_en, formula_zh, formula_en) -> tuple[str, KpiDefinition]:
    return key, KpiDefinition(key, label_zh, label_en, unit, formula_zh, formula_en)


KPI_DEFINITIONS: dict[str, KpiDefinition] = dict(
    [
        _d("received", COUNT, "受理量", "Requests received",
           "期内新建的工单数(不含已合并的重复单)",
           "Tickets created in the period (merged duplicates excluded)"),
        _d("dispatch_on_time_rate", RATE, "派单及时率", "Dispatched on time",
           "首次派单时间 ≤ 派单时限 的工单数 ÷ 已派单工单数(电话解决未派单者不计)",
           "Tickets first dispatched by the dispatch deadline ÷ tickets dispatched (never-dispatched, "
           "e.g. phone-resolved, are out)"),
        _d("avg_response_minutes", MINUTES, "平均响应时长(分钟)", "Average response time (min)",
           "Σ(接单时间 − 派单时间) ÷ 已接单工单数;取当前派单轮次",
           "Σ(accepted − dispatched) ÷ tickets accepted; current dispatch cycle"),
        _d("median_response_minutes", MEDIAN, "响应时长中位数(分钟)", "Median response time (min)",
           "已接单工单的(接单时间 − 派单时间)的中位数;取当前派单轮次",
           "Median of (accepted − dispatched) over tickets accepted; current dispatch cycle"),
        _d("avg_arrival_minutes", MINUTES, "平均到场时长(分钟)", "Average arrival time (min)",
           "Σ(到达时间 − 受理时间) ÷ 已到达工单数",
           "Σ(arrived − created) ÷ tickets with an arrival"),
        _d("avg_resolution_minutes", MINUTES, "平均处置时长(分钟)", "Average resolution time (min)",
           "Σ(处置完成时间 − 受理时间) ÷ 已派单且已处置的工单数(电话解决的不计)",
           "Σ(resolved − created) ÷ dispatched tickets resolved (phone-resolved are out)"),
        _d("response_on_time_rate", RATE, "响应及时率", "Responded on time",
           "接单时间 ≤ 响应时限 的工单数 ÷ 已接单工单数",
           "Tickets accepted by the response deadline ÷ tickets accepted"),
        _d("resolution_on_time_rate", RATE, "处置及时率", "Resolved on time",
           "处置完成时间 ≤ 处置时限(含批准的延期)的工单数 ÷ 已派单且已处置的工单数",
           "Dispatched tickets resolved by the resolution deadline (extended if approved) ÷ dispatched "
           "tickets resolved"),
        _d("phone_resolved_rate", RATE, "电话指导解决率", "Resolved by phone guidance",
           "电话指导解决且从未派单的工单数 ÷ 受理量",
           "Tickets resolved by phone guidance and never dispatched ÷ received"),
        _d("first_time_resolution_rate", RATE, "一次办结率", "First-time resolution",
           "已办结且无重办、无退单、处置未超时的工单数 ÷ 已办结工单数(未联系上办结的另计,不在分子分母)",
           "Closed tickets with no redo, no return and no overdue resolution ÷ closed tickets (closed as "
           "unreached are counted apart, in neither)"),
        _d("callback_rate", RATE, "回访率", "Callback rate",
           "已回访(至少拨打一次)的工单数 ÷ 曾处置完成的工单数",
           "Tickets called back at least once (reached or not) ÷ tickets ever resolved"),
        _d("satisfaction_rate", RATE, "满意率", "Satisfaction",
           "满意度为 非常满意/满意/基本满意(可配置)的接通回访次数 ÷ 接通的回访次数",
           "Reached callbacks rating very satisfied / satisfied / fairly satisfied (configurable) ÷ "
           "reached callbacks"),
        _d("resolution_rate", RATE, "解决率", "Resolution (citizen says fixed)",
           "市民答「已解决」的接通回访次数 ÷ 接通的回访次数",
           "Reached callbacks answering fixed ÷ reached callbacks"),
        _d("return_rate", RATE, "退单率", "Return rate",
           "被退单至少一次的工单数 ÷ 已派单工单数",
           "Tickets returned at least once ÷ tickets dispatched"),
        _d("redo_rate", RATE, "重办率", "Redo rate",
           "重办至少一次的工单数 ÷ 曾处置完成的工单数",
           "Tickets redone (reopened) at least once ÷ tickets ever resolved"),
        _d("repeat_call_rate", RATE, "重复来电率", "Repeat-call rate",
           "受理后 7 天内有重复来电的工单数 ÷ 受理量",
           "Tickets with a repeat call within 7 days of creation ÷ received"),
        _d("temperature_compliance_rate", RATE, "室温达标率", "Room temperature compliance",
           "到场室温 ≥ 18 °C 的工单数 ÷ 到场时记录了室温的工单数",
           "Arrival readings ≥ 18 °C ÷ arrivals with a reading"),
        _d("overdue_dispatch", COUNT, "派单超时数", "Overdue dispatches",
           "首次派单晚于派单时限,或截至统计时刻仍未派单且已过时限的工单数",
           "Tickets first dispatched after the dispatch deadline, or still undispatched past it as of "
           "the report time"),
        _d("overdue_response", COUNT, "响应超时数", "Overdue responses",
           "接单晚于响应时限,或截至统计时刻仍待接单且已过时限的工单数",
           "Tickets accepted after the response deadline, or still waiting for acceptance past it as of "
           "the report time"),
        _d("overdue_resolution", COUNT, "处置超时数", "Overdue resolutions",
           "处置完成晚于处置时限(含延期),或截至统计时刻仍未处置且已过时限的工单数",
           "Tickets resolved after the (extended) resolution deadline, or still unresolved past it as of "
           "the report time"),
        _d("overdue_callback", COUNT, "回访超时数", "Overdue callbacks",
           "回访办结晚于回访时限,或截至统计时刻仍待回访且已过时限的工单数",
           "Tickets closed by callback after the callback deadline, or still awaiting the callback past "
           "it as of the report time"),
        _d("incidents", COUNT, "停热事件数", "Incidents",
           "期内新建的停热事件抢修工单数(每个停热事件一张抢修工单,随其供暖所计入范围)",
           "Incident repair tickets created in the period (one per incident, scoped by its station)"),
        _d("incident_calls", COUNT, "停热事件来电数", "Incident calls",
           "关联到停热事件的来电工单数(计入受理量;不单独派单,响应与处置以事件抢修工单计)",
           "Tickets attached to an incident (counted in received; not dispatched on their own: response "
           "and resolution are the incident repair ticket's)"),
        _d("avg_restore_minutes", MINUTES, "平均恢复供热时长(分钟)", "Average restore time (min)",
           "Σ(恢复供热时间 − 事件发布时间) ÷ 已恢复的停热事件数(按抢修工单计入期间)",
           "Σ(restored − declared) ÷ incidents restored (counted with their repair ticket's period)"),
    ]
)  # fmt: skip

KPI_KEYS: tuple[str, ...] = tuple(KPI_DEFINITIONS)


def satisfied_set() -> tuple[str, ...]:
    """The answers that count as satisfied: settings.HEATDESK_SATISFIED_SET (list or comma text)."""
    raw = settings.HEATDESK_SATISFIED_SET
    values = [v.strip() for v in raw.split(",")] if isinstance(raw, str) else [str(v).strip() for v in raw]
    unknown = [v for v in values if v and v not in Satisfaction.values]
    if unknown:
        raise ValueError(f"HEATDESK_SATISFIED_SET has unknown answers: {', '.join(unknown)}")
    return tuple(v for v in values if v)


# ---- The formulas ------------------------------------------------------------------------------
# Each KPI is `<key>__num` and `<key>__den` aggregates over tickets (or over their callbacks).

S = TicketStatus
DISPATCHED = Q(first_dispatched_at__isnull=False)
# Resolved by a station in the current cycle (a phone-resolved ticket has no resolution deadline).
RESOLVED_ON_SITE = Q(resolved_at__isnull=False, resolution_deadline__isnull=False)
EVER_RESOLVED = Q(resolved_at__isnull=False) | Q(reopen_count__gt=0)
CALLED_BACK = Q(callback_attempts__gt=0) | ~Q(satisfaction="")
CONFIRMED_CLOSED = Q(status=S.CLOSED, closed_unreached=False)
RESPONSE_SECONDS = Seconds("accepted_at", "dispatched_at")
ARRIVAL_SECONDS = Seconds("arrived_at", "created_at")
RESOLUTION_SECONDS = Seconds("resolved_at", "created_at")
# An incident (停热事件) is counted through its repair ticket, which carries its station and its period.
INCIDENT_REPAIR = Q(repair_of_incident__isnull=False)
RESTORE_SECONDS = Seconds("repair_of_incident__restored_at", "repair_of_incident__declared_at")


def _count(condition: Q | None = None) -> Count:
    return Count("id", filter=condition) if condition is not None else Count("id")


def _repeat_called() -> Q:
    """A repeat call (an urge with repeat_call) within 7 days of creation.

    Every repeat call stamps `last_repeat_call_at` (imports carry it too), so the row alone answers
    unless the last repeat call came after the window; only then are the ticket's events consulted.
    """
    window_end = F("created_at") + REPEAT_CALL_WINDOW
    earlier_event = Exists(
        TicketEvent.objects.filter(
            ticket_id=OuterRef("id"),
            kind="urge",
            data__repeat_call=True,
            at__lt=OuterRef("created_at") + REPEAT_CALL_WINDOW,
        )
    )
    return Q(last_repeat_call_at__lt=window_end) | (Q(last_repeat_call_at__gte=window_end) & Q(earlier_event))


def ticket_aggregates(*, as_of: dt.datetime) -> dict:
    """Every ticket-level numerator and denominator, as aggregates for one query (grouped or not)."""
    return {
        "received__num": _count(),
        "dispatch_on_time_rate__num": _count(DISPATCHED & Q(first_dispatched_at__lte=F("dispatch_deadline"))),
        "dispatch_on_time_rate__den": _count(DISPATCHED),
        "avg_response_minutes__num": Sum(RESPONSE_SECONDS),
        "avg_response_minutes__den": Count(RESPONSE_SECONDS),
        "avg_arrival_minutes__num": Sum(ARRIVAL_SECONDS),
        "avg_arrival_minutes__den": Count(ARRIVAL_SECONDS),
        "avg_resolution_minutes__num": Sum(RESOLUTION_SECONDS, filter=RESOLVED_ON_SITE),
        "avg_resolution_minutes__den": _count(RESOLVED_ON_SITE),
        "response_on_time_rate__num": _count(Q(accepted_at__lte=F("response_deadline"))),
        "response_on_time_rate__den": Count(RESPONSE_SECONDS),
        "resolution_on_time_rate__num": _count(RESOLVED_ON_SITE & Q(resolved_at__lte=F("resolution_deadline"))),
        "resolution_on_time_rate__den": _count(RESOLVED_ON_SITE),
        "phone_resolved_rate__num": _count(Q(phone_resolved=True, first_dispatched_at__isnull=True)),
        "first_time_resolution_rate__num": _count(
            CONFIRMED_CLOSED
            & Q(reopen_count=0, return_count=0)
            & (Q(resolution_deadline__isnull=True) | Q(resolved_at__lte=F("resolution_deadline")))
        ),
        "first_time_resolution_rate__den": _count(CONFIRMED_CLOSED),
        "callback_rate__num": _count(EVER_RESOLVED & CALLED_BACK),
        "callback_rate__den": _count(EVER_RESOLVED),
        "return_rate__num": _count(DISPATCHED & Q(return_count__gt=0)),
        "return_rate__den": _count(DISPATCHED),
        "redo_rate__num": _count(Q(reopen_count__gt=0)),
        "redo_rate__den": _count(EVER_RESOLVED),
        "repeat_call_rate__num": _count(_repeat_called()),
        "temperature_compliance_rate__num": _count(Q(arrival_indoor_temp__gte=TEMPERATURE_STANDARD_CELSIUS)),
        "temperature_compliance_rate__den": _count(Q(arrival_indoor_temp__isnull=False)),
        "overdue_dispatch__num": _count(
            Q(first_dispatched_at__gt=F("dispatch_deadline"))
            | Q(first_dispatched_at__isnull=True, status=S.RECEIVED, dispatch_deadline__lt=as_of)
        ),
        "overdue_response__num": _count(
            Q(accepted_at__gt=F("response_deadline")) | Q(status=S.DISPATCHED, response_deadline__lt=as_of)
        ),
        "overdue_resolution__num": _count(
            (RESOLVED_ON_SITE & Q(resolved_at__gt=F("resolution_deadline")))
            | Q(status__in=[S.DISPATCHED, S.ACCEPTED], resolution_deadline__lt=as_of)
        ),
        "overdue_callback__num": _count(
            Q(status=S.CLOSED, closed_at__gt=F("callback_deadline")) | Q(status=S.RESOLVED, callback_deadline__lt=as_of)
        ),
        "incidents__num": _count(INCIDENT_REPAIR),
        "incident_calls__num": _count(~Q(incident_code="")),
        "avg_restore_minutes__num": Sum(RESTORE_SECONDS),
        "avg_restore_minutes__den": Count(RESTORE_SECONDS),
    }


CALLBACK_KEYS = ("satisfaction_rate__num", "satisfaction_rate__den", "resolution_rate__num", "resolution_rate__den")


# The keys of ticket_aggregates() without the median, spelled out so models can name columns after them
# before the app registry is ready (a test checks the two agree).
TICKET_KEYS = (
    "received__num",
    "dispatch_on_time_rate__num",
    "dispatch_on_time_rate__den",
    "avg_response_minutes__num",
    "avg_response_minutes__den",
    "avg_arrival_minutes__num",
    "avg_arrival_minutes__den",
    "avg_resolution_minutes__num",
    "avg_resolution_minutes__den",
    "response_on_time_rate__num",
    "response_on_time_rate__den",
    "resolution_on_time_rate__num",
    "resolution_on_time_rate__den",
    "phone_resolved_rate__num",
    "first_time_resolution_rate__num",
    "first_time_resolution_rate__den",
    "callback_rate__num",
    "callback_rate__den",
    "return_rate__num",
    "return_rate__den",
    "redo_rate__num",
    "redo_rate__den",
    "repeat_call_rate__num",
    "temperature_compliance_rate__num",
    "temperature_compliance_rate__den",
    "overdue_dispatch__num",
    "overdue_response__num",
    "overdue_resolution__num",
    "overdue_callback__num",
    "incidents__num",
    "incident_calls__num",
    "avg_restore_minutes__num",
    "avg_restore_minutes__den",
)


def raw_keys() -> list[str]:
    """Every numerator and denominator that sums across populations (all but the median)."""
    return [*TICKET_KEYS, *CALLBACK_KEYS]


def definitions_fingerprint() -> str:
    """Changes when a formula, the satisfied set or the day boundaries change: sealed days are then stale."""
    text = repr(
        (
            ROLLUP_VERSION,
            [(d.key, d.formula_en) for d in KPI_DEFINITIONS.values()],
            satisfied_set(),
            settings.TIME_ZONE,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def callback_aggregates() -> dict:
    """Numerators and denominators counted over callbacks (回访) that reached the citizen."""
    reached = Q(reached=True)
    return {
        "satisfaction_rate__num": Count("id", filter=reached & Q(satisfaction__in=satisfied_set())),
        "satisfaction_rate__den": Count("id", filter=reached),
        "resolution_rate__num": Count("id", filter=reached & Q(fixed=True)),
        "resolution_rate__den": Count("id", filter=reached),
    }


# ---- Assembly ----------------------------------------------------------------------------------


def _rate(numerator: int, denominator: int) -> dict:
    value = round(numerator / denominator, 4) if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


def _minutes(seconds: float | None, count: int) -> dict:
    total = round((seconds or 0) / 60, 2)
    value = round((seconds or 0) / 60 / count, 2) if count else None
    return {"value": value, "numerator": total, "denominator": count}


def kpis_assemble(raw: dict, *, median_seconds: float | None = None) -> dict[str, dict]:
    """{key: {value, numerator, denominator}} from the raw aggregates of one population."""
    received = raw["received__num"] or 0
    result: dict[str, dict] = {}
    for key, definition in KPI_DEFINITIONS.items():
        numerator = raw.get(f"{key}__num") or 0
        if definition.unit == COUNT:
            result[key] = {"value": numerator, "numerator": numerator, "denominator": None}
        elif definition.unit == MINUTES:
            result[key] = _minutes(raw.get(f"{key}__num"), raw.get(f"{key}__den") or 0)
        elif definition.unit == MEDIAN:
            count = raw.get("avg_response_minutes__den") or 0
            value = round(median_seconds / 60, 2) if count and median_seconds is not None else None
            result[key] = {"value": value, "numerator": None, "denominator": count}
        else:
            denominator = raw.get(f"{key}__den", received) or 0
            result[key] = _rate(numerator, denominator)
    return result


def _callbacks_of(tickets: QuerySet[Ticket]) -> QuerySet[TicketCallback]:
    return TicketCallback.objects.filter(ticket__in=tickets.order_by().values("id"))


def _add(total: dict, more: dict) -> dict:
    for key, value in more.items():
        total[key] = (total.get(key) or 0) + (value or 0)
    return total


def _expression(group):
    return F(group) if isinstance(group, str) else group


@reads_replica
def kpis_raw(*, tickets: QuerySet[Ticket], as_of: dt.datetime) -> dict:
    """The raw numerators and denominators (no median) of one population: two aggregate queries."""
    tickets = tickets.order_by()
    raw = tickets.aggregate(**ticket_aggregates(as_of=as_of))
    raw.update(_callbacks_of(tickets).aggregate(**callback_aggregates()))
    return raw


def kpis_raw_grouped(*, tickets: QuerySet[Ticket], as_of: dt.datetime, groups: tuple) -> dict[tuple, dict]:
    """The raw aggregates per group; `groups` are (ticket expression, callback expression) pairs or
    ticket field names (seen from a callback through `ticket__`). Keys are tuples of group values."""
    pairs = [(g, f"ticket__{g}") if isinstance(g, str) else g for g in groups]
    names = [f"report_group_{n}" for n in range(len(pairs))]
    rows = (
        tickets.order_by()
        .annotate(**{name: _expression(ticket) for name, (ticket, _) in zip(names, pairs, strict=True)})
        .values(*names)
        .annotate(**ticket_aggregates(as_of=as_of))
        .order_by()
    )
    callback_rows = (
        _callbacks_of(tickets)
        .annotate(**{name: _expression(callback) for name, (_, callback) in zip(names, pairs, strict=True)})
        .values(*names)
        .annotate(**callback_aggregates())
        .order_by()
    )
    result: dict[tuple, dict] = {}
    for row in [*rows, *callback_rows]:
        key = tuple(row.pop(name) for name in names)
        _add(result.setdefault(key, {}), row)
    return result


LIVE_MERGE_LIMIT = 20_000  # live response times merged in memory with a window of the day book's


def response_median(*, tickets: QuerySet[Ticket], count: int, live_count: int, book=None) -> float | None:
    """The median response time in seconds over the population (and the day book's sealed days).

    Without sealed days the database returns the middle value(s) of the ordered times. With them, the
    union's middle lies within `live_count` ranks of the sealed times' same rank, so the database
    walks the sealed times' index to that window and the few live times are merged into it.
    """
    live = (
        tickets.order_by()
        .annotate(seconds=RESPONSE_SECONDS)
        .filter(seconds__isnull=False)
        .values_list("seconds", flat=True)
    )
    if book is None or not book.sealed:
        return median_of(live, "seconds", count)
    if not count:
        return None
    if live_count > LIVE_MERGE_LIMIT:
        return median_of(book.response_seconds().order_by().union(live, all=True), "seconds", count)
    low, high = (count - 1) // 2, count // 2
    skipped = max(0, low - live_count)
    window = list(book.response_seconds().order_by("seconds").values_list("seconds", flat=True)[skipped : high + 1])
    merged = sorted([*window, *live])
    return (merged[low - skipped] + merged[high - skipped]) / 2


@reads_replica
def kpis_compute(*, tickets: QuerySet[Ticket], as_of: dt.datetime, book=None) -> dict[str, dict]:
    """Every KPI over one population of tickets (already limited to a period and a scope).

    With a `book` (a daybook.DayBookSlice of the same period and scope) the sealed days are read from
    the day book and only the other days' tickets are aggregated live; the numbers are the same.
    """
    live = book.live(tickets) if book is not None else tickets
    raw = kpis_raw(tickets=live, as_of=as_of)
    live_count = raw.get("avg_response_minutes__den") or 0
    if book is not None:
        _add(raw, book.sums())
    count = raw.get("avg_response_minutes__den") or 0
    median = response_median(tickets=live, count=count, live_count=live_count, book=book)
    return kpis_assemble(raw, median_seconds=median)


@reads_replica
def kpis_compute_grouped(
    *, tickets: QuerySet[Ticket], as_of: dt.datetime, group, callback_group, book=None, book_group: str = ""
) -> dict[object, dict[str, dict]]:
    """The KPIs per group (no medians): `group` groups tickets (a field path or expression),
    `callback_group` is the same grouping seen from a callback, `book_group` from a day book row."""
    live = book.live(tickets) if book is not None else tickets
    grouped = {
        key[0]: raw
        for key, raw in kpis_raw_grouped(tickets=live, as_of=as_of, groups=((group, callback_group),)).items()
    }
    if book is not None:
        for key, raw in book.grouped_sums(book_group).items():
            _add(grouped.setdefault(key, {}), raw)
    return {key: kpis_assemble({"received__num": 0, **raw}) for key, raw in grouped.items()}


def kpis_definitions_json() -> dict[str, dict]:
    return {key: definition.as_json() for key, definition in KPI_DEFINITIONS.items()}


# The community figures (reports/kpis_beside.py, built on the helpers above) join the report's definitions.
from heatdesk.reports.kpis_beside import COMMUNITY_KPI_DEFINITIONS  # noqa: E402

# What GET /reports/kpis answers: the desk's KPIs of §5 and the community figures that joined them (§11).
REPORT_KPI_DEFINITIONS: dict[str, KpiDefinition] = {**KPI_DEFINITIONS, **COMMUNITY_KPI_DEFINITIONS}
REPORT_KPI_KEYS: tuple[str, ...] = tuple(REPORT_KPI_DEFINITIONS)


def report_definitions_json() -> dict[str, dict]:
    return {key: definition.as_json() for key, definition in REPORT_KPI_DEFINITIONS.items()}
