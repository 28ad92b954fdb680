"""The desk's Open311 queue (`/open311/desk/`): confirm uncertain addresses, take requests filed by the
intake account. Each button calls one service; the operator pressing it becomes the first-ask owner."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from heatdesk.core.errors import DomainError, PermissionDenied
from heatdesk.open311 import selectors, services


def _desk_only(request: HttpRequest) -> None:
    if request.user.role not in services.DESK_ROLES:
        raise PermissionDenied("只有专席可以处理 Open311 诉求 / the desk only")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if request.user.role not in services.DESK_ROLES:
        return HttpResponse("只有专席可以处理 Open311 诉求 / the desk only", status=403)
    return render(request, "open311/queue.html", selectors.desk_queue())


@login_required
@require_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        _desk_only(request)
        ticket = services.open311_submission_confirm(
            actor=request.user,
            token=token,
            compound=request.POST.get("compound", "").strip(),
            building=request.POST.get("building", ""),
            unit=request.POST.get("unit", ""),
            room=request.POST.get("room", ""),
        )
        messages.success(request, f"已建单并派单 {ticket.number} / filed and dispatched")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("open311:queue")


@login_required
@require_POST
def take(request: HttpRequest, number: str) -> HttpResponse:
    try:
        _desk_only(request)
        ticket = services.open311_ticket_take(actor=request.user, number=number)
        messages.success(request, f"已确认并派单 {ticket.number} / taken and dispatched")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("open311:queue")
