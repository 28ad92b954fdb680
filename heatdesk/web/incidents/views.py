"""停热事件 pages: the list (with burst suggestions and the declare form), one incident's page (area, calls,
callbacks done, timeline; update and restore), and the one-click declare from a burst suggestion."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.core.errors import DomainError, NotFound
from heatdesk.incidents import selectors, services
from heatdesk.incidents.models import BurstSuggestion
from heatdesk.web.access import TICKET_READERS, role_required
from heatdesk.web.views_ticket import _not_found

MANAGERS = (Role.DESK_LEAD, Role.COMPANY, Role.STATION)
DEFAULT_RESTORE_HOURS = 4


def _when(text: str) -> dt.datetime | None:
    """A `datetime-local` value (Hohhot time) as an aware datetime; None when blank or bad."""
    try:
        naive = dt.datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return naive if naive.tzinfo else timezone.make_aware(naive)


def _buildings(text: str) -> dict[str, list[str]]:
    """`lanjuexiaoqu:3,5; beierluxiaoqu:1` → {"lanjuexiaoqu": ["3", "5"], "beierluxiaoqu": ["1"]}."""
    result: dict[str, list[str]] = {}
    for part in (text or "").replace("；", ";").split(";"):
        code, _, numbers = part.partition(":")
        if code.strip() and numbers.strip():
            result[code.strip()] = [n.strip() for n in numbers.replace("，", ",").split(",") if n.strip()]
    return result


def _suggestions(user) -> list[dict]:
    if user.role not in (Role.OPERATOR, Role.DESK_LEAD, Role.STATION, Role.COMPANY, Role.ADMIN):
        return []
    since = clock.now() - dt.timedelta(hours=12)
    rows = []
    for suggestion in selectors.burst_suggestions_open():
        station = suggestion.substation.station
        visible = user.role not in (Role.STATION, Role.COMPANY) or (
            station.id == user.station_id if user.role == Role.STATION else station.company_id == user.company_id
        )
        if suggestion.last_call_at >= since and visible:
            compounds = selectors.burst_suggestion_compounds(suggestion=suggestion)
            rows.append({"suggestion": suggestion, "compounds": ",".join(compounds)})
    return rows


@require_GET
@role_required(*TICKET_READERS)
def incident_list(request):
    incidents = list(selectors.incident_list_visible_to(user=request.user)[:100])
    counts = selectors.incident_counts(codes=[i.code for i in incidents])
    default_restore = timezone.localtime(clock.now() + dt.timedelta(hours=DEFAULT_RESTORE_HOURS))
    context = {
        "rows": [(incident, counts[incident.code]) for incident in incidents],
        "suggestions": _suggestions(request.user),
        "can_declare": request.user.role in MANAGERS,
        "default_restore": default_restore.strftime("%Y-%m-%dT%H:%M"),
    }
    return render(request, "web/incidents/list.html", context)


@require_POST
@role_required(*MANAGERS)
def incident_declare(request):
    """Declare from the form, or in one click from a burst suggestion (its calls attach)."""
    post = request.POST
    suggestion_id = int(post["suggestion"]) if post.get("suggestion", "").isdigit() else None
    expected = _when(post.get("expected_restore_at", "")) or clock.now() + dt.timedelta(hours=DEFAULT_RESTORE_HOURS)
    declaration = services.IncidentDeclaration(
        compounds=tuple(c.strip() for c in post.get("compounds", "").replace("，", ",").split(",") if c.strip()),
        buildings=_buildings(post.get("buildings", "")),
        cause=post.get("cause", "").strip() or ("疑似换热站故障" if suggestion_id else ""),
        expected_restore_at=expected,
        suggestion=suggestion_id if BurstSuggestion.objects.filter(id=suggestion_id).exists() else None,
    )
    try:
        incident = services.incident_declare(actor=request.user, declaration=declaration)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:incidents")
    messages.success(request, f"已发布停热事件 {incident.code}")
    return redirect("web:incident", code=incident.code)


@require_GET
@role_required(*TICKET_READERS)
def incident_detail(request, code: str):
    try:
        incident = selectors.incident_get_visible(user=request.user, code=code)
    except NotFound as error:
        return _not_found(request, error)
    counts = selectors.incident_counts(codes=[incident.code])[incident.code]
    context = {
        "incident": incident,
        "counts": counts,
        "areas": list(incident.areas.select_related("compound")),
        "calls": list(selectors.incident_calls(incident=incident)[:500]),
        "events": list(incident.events.select_related("actor")),
        "can_manage": request.user.role in MANAGERS and incident.is_open,
        "expected": timezone.localtime(incident.expected_restore_at).strftime("%Y-%m-%dT%H:%M"),
    }
    return render(request, "web/incidents/detail.html", context)


@require_POST
@role_required(*MANAGERS)
def incident_update(request, code: str):
    expected = _when(request.POST.get("expected_restore_at", ""))
    try:
        if expected is None:
            messages.error(request, "请填写预计恢复时间 / expected restore time is required")
        else:
            services.incident_update(
                actor=request.user, code=code, expected_restore_at=expected, note=request.POST.get("note", "")
            )
            messages.success(request, "已更新预计恢复时间")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:incident", code=code)


@require_POST
@role_required(*MANAGERS)
def incident_restore(request, code: str):
    try:
        services.incident_restore(actor=request.user, code=code, note=request.POST.get("note", ""))
        messages.success(request, "已恢复供热：来电工单已转待回访")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("web:incident", code=code)
