"""工单查询 with filters: status, station (or the desk for undispatched tickets), SLA stage, overdue,
extension pending and the last four digits of the caller's phone; combinable, kept in the URL, paged.

The form bounds every input (a bad value is a message on the page, never a 500); the selector builds on
`tickets.selectors.ticket_search`, so scope and the phone rules are the tickets' own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from heatdesk.accounts.models import User
from heatdesk.core.errors import ErrorCode, PermissionDenied
from heatdesk.geo.selectors import station_list
from heatdesk.sla.models import Stage
from heatdesk.tickets.models import SlaClock, Ticket
from heatdesk.tickets.selectors import FULL_PHONE_ROLES, TicketFilters, ticket_search
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus
from heatdesk.web.selectors import list_rows

PAGE_SIZE = 50
MAX_PAGE = 10_000
DESK_HOLDER = "desk"  # the station filter's value for tickets the desk holds (waiting for (re)dispatch)
UNDISPATCHED = (TicketStatus.RECEIVED, TicketStatus.RETURNED)


def _station_choices() -> list[tuple[str, str]]:
    stations = [(s.code, s.name) for s in station_list()]
    return [("", _("全部")), (DESK_HOLDER, _("话务台（待派单）")), *stations]


class TicketQueryForm(forms.Form):
    """The filters of 工单查询, all optional; every value bounded."""

    q = forms.CharField(label=_("工单号、来电号码、地址或内容"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("状态"), required=False)
    station = forms.ChoiceField(label=_("责任方"), required=False)
    stage = forms.ChoiceField(label=_("环节"), required=False)
    overdue = forms.BooleanField(label=_("仅超时"), required=False)
    at_risk = forms.BooleanField(label=_("仅预警"), required=False)
    extension = forms.BooleanField(label=_("延期待批"), required=False)
    phone4 = forms.RegexField(
        label=_("来电尾号"),
        required=False,
        regex=r"^\d{4}$",
        max_length=4,
        error_messages={"invalid": _("请输入来电号码的后四位数字 / enter the last four digits of the phone")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 5, "autocomplete": "off"}),
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["status"].choices = [("", _("全部")), ("open", _("在办")), *TicketStatus.choices]
        self.fields["station"].choices = _station_choices()
        self.fields["stage"].choices = [("", _("全部")), *Stage.choices]
        if not phone_filter_allowed(user):
            del self.fields["phone4"]

    def query(self) -> TicketQuery:
        data = self.cleaned_data
        return TicketQuery(
            q=data["q"].strip(),
            status=data["status"],
            station=data["station"],
            stage=data["stage"],
            overdue=data["overdue"],
            at_risk=data["at_risk"],
            extension=data["extension"],
            phone4=data.get("phone4") or "",
        )


def phone_filter_allowed(user: User) -> bool:
    """The phone filter is the desk's (operators, the lead, admins), who see every phone in full."""
    return user.role in FULL_PHONE_ROLES or user.is_superuser


@dataclass(frozen=True)
class TicketQuery:
    q: str = ""
    status: str = ""  # a TicketStatus, "open", or "" for all
    station: str = ""  # a station code, DESK_HOLDER, or ""
    stage: str = ""  # a Stage: the ticket has a running clock of it
    overdue: bool = False  # past a running clock's deadline (of `stage` when given)
    at_risk: bool = False  # a running clock past its warning time, not yet due (预警)
    extension: bool = False  # 申请延期 waiting for the lead
    phone4: str = ""


def ticket_query(*, user: User, query: TicketQuery, now: dt.datetime) -> QuerySet[Ticket]:
    """Visible tickets matching every filter, newest first."""
    if query.phone4 and not phone_filter_allowed(user):
        raise PermissionDenied(
            "无权按电话号码查询 / searching by phone number is not allowed for this role",
            code=ErrorCode.PHONE_SEARCH_NOT_ALLOWED,
        )
    statuses = None
    if query.status == "open":
        statuses = list(OPEN_STATUSES)
    elif query.status:
        statuses = [query.status]
    station = query.station if query.station != DESK_HOLDER else None
    filters = TicketFilters(status=statuses, station=station, q=query.q or None, phone=query.phone4 or None)
    tickets = ticket_search(user=user, filters=filters)
    if query.station == DESK_HOLDER:
        tickets = tickets.filter(status__in=UNDISPATCHED)
    if query.stage or query.overdue or query.at_risk:
        clocks = SlaClock.objects.filter(met_at__isnull=True)
        if query.stage:
            clocks = clocks.filter(stage=query.stage)
        if query.overdue:
            clocks = clocks.filter(due_at__lte=now)
        if query.at_risk:
            clocks = clocks.filter(warn_at__lte=now, due_at__gt=now)
        tickets = tickets.filter(status__in=OPEN_STATUSES, id__in=clocks.values("ticket_id"))
    if query.extension:
        tickets = tickets.filter(status=TicketStatus.ACCEPTED, extension_requested_until__isnull=False)
    return list_rows(tickets)


def ticket_query_page(*, user: User, query: TicketQuery, page: int, now: dt.datetime) -> Page:
    """One page of `ticket_query` (the last page when `page` is past it)."""
    paginator = Paginator(ticket_query(user=user, query=query, now=now), PAGE_SIZE)
    return paginator.get_page(page)
