"""Template helpers for the pages: status badges, SLA clocks, addresses, masked phones, the role's nav."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.tickets.selectors import phone_masked, phone_visible_in_full
from heatdesk.web.clocks import ClockView, current_clock, duration_text

register = template.Library()

# Stations read their own figures (reports are scoped to the viewer's organisation).
REPORT_ROLES = (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMPANY, Role.REGULATOR, Role.ADMIN)


@register.inclusion_tag("web/_nav.html", takes_context=True)
def main_nav(context):
    """The role's workspaces, the current one marked."""
    request = context["request"]
    user = request.user
    items: list[tuple[str, str]] = []
    if not user.is_authenticated:
        return {"items": []}
    role = user.role
    if role in (Role.OPERATOR, Role.DESK_LEAD):
        items += [(reverse("web:desk"), _("话务台")), (reverse("web:callbacks"), _("回访"))]
    if role == Role.STATION:
        items.append((reverse("web:station"), _("供暖所看板")))
    if role == Role.COMMUNITY:
        items += [(reverse("web:community"), _("社区工作台")), (reverse("web:community-visit"), _("走访登记"))]
        items.append((reverse("web:community-ledgers"), _("问题台账")))
    if role in (Role.OPERATOR, Role.DESK_LEAD, Role.COMPANY, Role.REGULATOR, Role.ADMIN) or user.is_superuser:
        items.append((reverse("web:wall"), _("督办大屏")))
    if role == Role.DESK_LEAD:
        items.append((reverse("web:queue"), _("督办队列")))
    if role in (Role.DESK_LEAD, Role.ADMIN, Role.COMPANY, Role.STATION):
        items.append((reverse("web:groups"), _("工作群")))
    items.append((reverse("web:tickets"), _("工单查询")))
    items.append((reverse("web:incidents"), _("停热事件")))
    if role in REPORT_ROLES or user.is_superuser:
        items.append(("/reports/", _("报表")))
    if user.is_staff:
        items.append((reverse("admin:index"), _("管理后台")))
    path = request.path
    return {"items": [(url, label, path.startswith(url) and url != "/") for url, label in items]}


@register.simple_tag
def status_badge(ticket):
    return format_html('<span class="badge status status-{}">{}</span>', ticket.status, ticket.get_status_display())


@register.simple_tag
def urgency_badge(ticket):
    if ticket.urgency == "urgent":
        return format_html('<span class="badge urgent">{}</span>', _("紧急"))
    return ""


@register.simple_tag
def clock_badge(view: ClockView | None, *, compact: bool = False):
    """A countdown the browser keeps ticking: 剩余 42分 / 超时 5分, coloured by state."""
    if view is None:
        return ""
    label = "" if compact else format_html('<span class="clock-stage">{}</span>', view.label)
    met = timezone.localtime(view.met_at).isoformat() if view.met_at else ""
    return format_html(
        '<span class="clock {}" data-start="{}" data-warn="{}" data-due="{}" data-met="{}">{}'
        '<span class="clock-text">{}</span></span>',
        view.state,
        view.started_at.isoformat(),
        view.warn_at.isoformat(),
        view.due_at.isoformat(),
        met,
        label,
        view.text,
    )


@register.simple_tag
def clock_formats():
    """The clock words as data attributes of <body>, so the browser's countdown says what the server says."""
    formats = {
        "left": _("剩余 %(d)s"),
        "over": _("超时 %(d)s"),
        "dh": _("%(d)s天%(h)s小时"),
        "hm": _("%(h)s小时%(m)s分"),
        "m": _("%(m)s分"),
        "s": _("%(s)s秒"),
    }
    return format_html_join(" ", 'data-fmt-{}="{}"', formats.items())


@register.simple_tag(takes_context=True)
def ticket_clock(context, ticket, compact=False):
    """The clock of the ticket's current stage, from its deadline fields."""
    now = context.get("now") or clock.now()
    return clock_badge(current_clock(ticket, now=now), compact=compact)


@register.simple_tag(takes_context=True)
def phone(context, ticket):
    """The caller's phone, in full for the desk and the station it is dispatched to, masked elsewhere."""
    user = context["request"].user
    if phone_visible_in_full(user=user, ticket=ticket):
        return ticket.caller_phone
    return phone_masked(ticket.caller_phone)


@register.simple_tag
def address_of(ticket):
    """蓝爵小区 3号楼2单元501室, or the address as the caller said it."""
    parts = []
    compound = ticket.compound if ticket.compound_id else None
    if compound is not None:
        parts.append(compound.name)
    place = ""
    if ticket.building:
        place += _("%(b)s号楼") % {"b": ticket.building}
    if ticket.unit:
        place += _("%(u)s单元") % {"u": ticket.unit}
    if ticket.room:
        place += _("%(r)s室") % {"r": ticket.room}
    if place:
        parts.append(place)
    if not parts:
        return ticket.address or "—"
    return " ".join(parts)


@register.filter
def duration(seconds):
    try:
        return duration_text(float(seconds))
    except (TypeError, ValueError):
        return ""


@register.filter
def percent(value):
    return "—" if value is None else f"{value:g}%"


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
