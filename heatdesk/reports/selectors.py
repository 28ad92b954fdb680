"""Reads for reports: the period, the scope a user may report on, and the ticket population behind
every KPI, chart and export. All scoping goes through `tickets.selectors.ticket_list_visible_to`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from heatdesk.accounts.models import READ_ALL_ROLES, Role, User
from heatdesk.core import clock
from heatdesk.core.databases import reads_replica
from heatdesk.core.errors import ErrorCode, NotFound, OutOfScope, ValidationFailed
from heatdesk.geo.models import Company, District, Station
from heatdesk.reports import kpis, kpis_beside
from heatdesk.reports.daybook import DayBookSlice
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.states import TicketStatus

SEASON_START = (10, 15)  # Hohhot's heating season starts on 15 October (and ends on 15 April).


def report_timezone() -> ZoneInfo:
    """Days in reports are the desk's days (settings.TIME_ZONE, Asia/Shanghai)."""
    return ZoneInfo(settings.TIME_ZONE)


def report_today() -> dt.date:
    return clock.now().astimezone(report_timezone()).date()


def season_start(day: dt.date) -> dt.date:
    """The first day of the heating season `day` belongs to (15 Oct of this year, or of last year)."""
    start = dt.date(day.year, *SEASON_START)
    return start if day >= start else dt.date(day.year - 1, *SEASON_START)


@dataclass(frozen=True)
class Period:
    """Whole local days from `first_day` to `last_day`, both included: tickets created in [start, end)."""

    first_day: dt.date
    last_day: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), tzinfo=report_timezone())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(), tzinfo=report_timezone())

    @property
    def days(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]

    def as_json(self, *, as_of: dt.datetime | None = None) -> dict:
        body = {
            "from": self.first_day.isoformat(),
            "to": self.last_day.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": settings.TIME_ZONE,
        }
        if as_of is not None:
            body["as_of"] = as_of.astimezone(report_timezone()).isoformat()
        return body


# A period is at most this many days (a 200-year export took 13 s and starved the server); dates lie in
# [EARLIEST_DAY, LATEST_DAY], far from the calendar's edges where a day in local time overflows in UTC.
MAX_PERIOD_DAYS = 400
EARLIEST_DAY = dt.date(1970, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)


def _date(raw: str | dt.date | None, name: str) -> dt.date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, dt.date):
        day = raw
    else:
        try:
            day = dt.date.fromisoformat(str(raw).strip())
        except ValueError as error:
            raise ValidationFailed(
                f"{name} 须为日期 YYYY-MM-DD / {name} must be a date YYYY-MM-DD", details=[{"field": name}]
            ) from error
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationFailed(
            f"{name} 超出范围（{EARLIEST_DAY} 至 {LATEST_DAY}） / "
            f"{name} must lie between {EARLIEST_DAY} and {LATEST_DAY}",
            details=[{"field": name}],
        )
    return day


def period_parse(*, date_from: str | dt.date | None, date_to: str | dt.date | None) -> Period:
    """A period from `from`/`to` dates (both inclusive). Missing `to` is today; missing `from` is the
    start of that day's heating season. `from` after `to` is refused (422)."""
    last = _date(date_to, "to") or report_today()
    first = _date(date_from, "from") or season_start(last)
    if first > last:
        raise ValidationFailed("开始日期晚于结束日期 / from is after to", details=[{"field": "from"}])
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            f"时段最长 {MAX_PERIOD_DAYS} 天 / a period may span at most {MAX_PERIOD_DAYS} days",
            code=ErrorCode.PERIOD_TOO_LONG,
            details=[{"field": "from", "max_days": MAX_PERIOD_DAYS}],
        )
    return Period(first, last)


def period_of_day(raw: str | dt.date | None) -> Period:
    day = _date(raw, "date") or report_today()
    return Period(day, day)


# ---- Scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """Filters inside what the user may see: a company, a station, a district, an operator (owner)."""

    company: Company | None = None
    station: Station | None = None
    district: District | None = None
    operator: str | None = None  # the owner's username, as asked: not looked up (no user enumeration)
    # The organisation a station, company or community user's reports are limited to (its name), so a
    # report without filters names it rather than 全市.
    covers: str | None = None

    def as_json(self) -> dict:
        def org(value):
            return {"code": value.code, "name": value.name} if value is not None else None

        return {
            "company": org(self.company),
            "station": org(self.station),
            "district": org(self.district),
            "operator": self.operator,
        }

    def _parts(self) -> list[str]:
        parts = [str(value) for value in (self.company, self.station, self.district) if value is not None]
        if self.operator is not None:
            parts.append(self.operator)
        if self.covers and self.covers not in parts:
            parts.insert(0, self.covers)
        return parts

    def label(self) -> str:
        """The scope in both languages, for the workbooks' intro lines: 城发热力 · 新城区, or 全市 / all."""
        return " · ".join(self._parts()) or "全市 / all"

    @property
    def name(self) -> str:
        """The scope in the active language, for page headings and titles."""
        return " · ".join(self._parts()) or gettext("全市")

    @property
    def city_wide(self) -> bool:
        return not self._parts()


ORG_LABELS = {"company": "供热企业", "station": "供暖所", "district": "区"}


def _lookup(model, code: str | None, name: str, *, by_name: bool = False):
    if not code:
        return None
    match = Q(code=code) | Q(name=code) if by_name else Q(code=code)
    found = model.objects.filter(match).first()
    if found is None:
        raise NotFound(f"未知{ORG_LABELS[name]} {code} / unknown {name} {code}", code=ErrorCode(f"unknown_{name}"))
    return found


def _covers(user: User) -> str | None:
    """The name of the organisation the user's reports are limited to (None: the whole city)."""
    if user.role == Role.STATION and user.station is not None:
        return user.station.name
    if user.role == Role.COMPANY and user.company is not None:
        return user.company.name
    if user.role == Role.COMMUNITY and user.community is not None:
        return user.community.name
    return None


def report_scope_resolve(
    *,
    user: User | None,
    company: str | None = None,
    station: str | None = None,
    district: str | None = None,
    operator: str | None = None,
) -> ReportScope:
    """Check the filters against the user's organisation: unknown codes are 404; a station or company
    outside it is 403. Station staff see their station, company managers their stations, the desk and
    the regulator everything (user None = the system, e.g. the CLI). An operator is a username matched
    against ticket owners, never looked up: an unknown name answers like a known one with no tickets."""
    scope = ReportScope(
        company=_lookup(Company, company, "company"),
        station=_lookup(Station, station, "station"),
        district=_lookup(District, district, "district", by_name=True),
        operator=operator or None,
    )
    if user is None or user.is_superuser:
        return scope
    scope = replace(scope, covers=_covers(user))
    own_station = user.station if user.role == Role.STATION else None
    own_company = user.company if user.role == Role.COMPANY else own_station.company if own_station else None
    if own_station and scope.station and scope.station.id != own_station.id:
        raise OutOfScope("只能查看本供暖所的报表 / you may report on your own station only")
    if own_company and scope.company and scope.company.id != own_company.id:
        raise OutOfScope("只能查看本企业的报表 / you may report on your own company only")
    if own_company and scope.station and scope.station.company_id != own_company.id:
        raise OutOfScope("该供暖所不属于本企业 / that station is not one of your company's")
    return scope


def report_tickets(*, user: User | None, period: Period, scope: ReportScope) -> QuerySet[Ticket]:
    """The population of every report: tickets the user may see, created in the period, in the scope,
    merged duplicates excluded."""
    tickets = ticket_list_visible_to(user=user) if user is not None else Ticket.objects.all()
    tickets = (
        tickets.select_related(None)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .exclude(status=TicketStatus.MERGED)
    )
    if scope.company is not None:
        tickets = tickets.filter(station__company_id=scope.company.id)
    if scope.station is not None:
        tickets = tickets.filter(station_id=scope.station.id)
    if scope.district is not None:
        tickets = tickets.filter(district_id=scope.district.id)
    if scope.operator is not None:
        tickets = tickets.filter(owner__username=scope.operator)
    return tickets.order_by()


def report_book(*, user: User | None, period: Period, scope: ReportScope) -> DayBookSlice | None:
    """The day book for this population, when its scope can be read from it (stations, companies,
    districts, an operator); None for a community's compounds, which are computed live."""
    if user is not None and user.role == Role.COMMUNITY and not user.is_superuser:
        return None
    # Companies as lists of station ids: the median then walks one index instead of joining stations.
    rows = Q()
    if user is not None and not user.is_superuser and user.role == Role.STATION:
        rows &= Q(station_id=user.station_id)
    elif user is not None and not user.is_superuser and user.role == Role.COMPANY:
        rows &= Q(station_id__in=list(Station.objects.filter(company_id=user.company_id).values_list("id", flat=True)))
    elif user is not None and not (user.is_superuser or user.role in READ_ALL_ROLES):
        return None
    if scope.company is not None:
        rows &= Q(station_id__in=list(scope.company.stations.values_list("id", flat=True)))
    if scope.station is not None:
        rows &= Q(station_id=scope.station.id)
    if scope.district is not None:
        rows &= Q(district_id=scope.district.id)
    if scope.operator is not None:
        rows &= Q(owner__username=scope.operator)
    return DayBookSlice.of(first_day=period.first_day, last_day=period.last_day, rows=rows)


@reads_replica
def report_kpis(*, user: User | None, period: Period, scope: ReportScope, as_of: dt.datetime | None = None) -> dict:
    """The KPI report of DESIGN §5 for one period and scope: period, scope, kpis and definitions."""
    as_of = as_of or clock.now()
    tickets = report_tickets(user=user, period=period, scope=scope)
    book = report_book(user=user, period=period, scope=scope)
    values = kpis.kpis_compute(tickets=tickets, as_of=as_of, book=book)
    values.update(kpis_beside.community_kpis_compute(tickets=tickets, book=book))
    return {
        "period": period.as_json(as_of=as_of),
        "scope": scope.as_json(),
        "kpis": {key: {**value, "definition": key} for key, value in values.items()},
        "definitions": kpis.report_definitions_json(),
        "callback_channels": kpis_beside.callback_channels(tickets=tickets, book=book),
    }


def stations_visible_to(user: User | None) -> QuerySet[Station]:
    """Stations a user may pick in report filters (and that appear in rankings)."""
    stations = Station.objects.select_related("company").order_by("company__code", "code")
    if user is None or user.is_superuser:
        return stations
    if user.role == Role.STATION:
        return stations.filter(id=user.station_id)
    if user.role == Role.COMPANY:
        return stations.filter(company_id=user.company_id)
    if user.role == Role.COMMUNITY:
        return stations.filter(compounds__community_id=user.community_id).distinct()
    return stations


def companies_visible_to(user: User | None) -> QuerySet[Company]:
    return Company.objects.filter(id__in=stations_visible_to(user).values("company_id")).order_by("code")
