"""督办队列: the desk lead's work queue. Each row links to its ticket and shows its clock; extension
requests are approved or denied and thrice-unreached callbacks closed from here, through the ticket's
one action door (`web:ticket-act`), which brings the lead back to the queue."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from heatdesk.accounts.models import Role
from heatdesk.core import clock
from heatdesk.web.access import role_required
from heatdesk.web.selectors import lead_queue


@require_GET
@role_required(Role.DESK_LEAD)
def queue(request):
    return render(request, "web/queue/queue.html", {"queue": lead_queue(user=request.user), "now": clock.now()})
