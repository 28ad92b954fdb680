"""督办队列 (the desk lead's work queue): what waits for the lead's decision or chase, in four panels —
extension requests (申请延期) to approve or deny, callbacks unreached three times (ready for
未联系上办结), escalated stages (升级) and urged tickets (已催办). Scoped through the ticket selectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from heatdesk.accounts.models import User
from heatdesk.core.errors import DomainError
from heatdesk.sla.models import AlertLevel
from heatdesk.supervision.selectors import alert_list_visible_to
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.selectors import ticket_list_visible_to
from heatdesk.tickets.states import OPEN_STATUSES, TicketStatus
from heatdesk.web.actions import CALLBACK_TRIES_NEEDED
from heatdesk.web.selectors import list_rows

PANEL_LIMIT = 25  # rows per panel (the most pressing first); the panel's count is the total


def queue_extensions(*, user: User) -> QuerySet[Ticket]:
    """Accepted tickets whose station asked for more time, the nearest resolution deadline first."""
    tickets = ticket_list_visible_to(user=user).filter(
        status=TicketStatus.ACCEPTED, extension_requested_until__isnull=False
    )
    return list_rows(tickets).order_by("resolution_deadline", "id")


def queue_unreached(*, user: User) -> QuerySet[Ticket]:
    """Tickets waiting for a callback that failed (not reached) three times or more: the lead may close them."""
    tickets = ticket_list_visible_to(user=user).filter(
        status=TicketStatus.RESOLVED, callback_attempts__gte=CALLBACK_TRIES_NEEDED
    )
    return list_rows(tickets).order_by("callback_deadline", "id")


def queue_escalated(*, user: User) -> QuerySet[Ticket]:
    """Open tickets with a stage escalated (升级) and still running, the most urged first."""
    try:
        alerts = alert_list_visible_to(user=user).filter(level=AlertLevel.ESCALATED, clock__met_at__isnull=True)
    except DomainError:
        return Ticket.objects.none()
    tickets = ticket_list_visible_to(user=user).filter(
        status__in=OPEN_STATUSES, id__in=alerts.order_by().values("ticket_id")
    )
    return list_rows(tickets).order_by("-urge_count", "created_at", "id")


def queue_urged(*, user: User) -> QuerySet[Ticket]:
    """Open tickets the desk has urged (催办), the most urged first."""
    tickets = ticket_list_visible_to(user=user).filter(status__in=OPEN_STATUSES, urge_count__gt=0)
    return list_rows(tickets).order_by("-urge_count", "created_at", "id")


@dataclass
class Panel:
    key: str
    count: int
    rows: list[Ticket] = field(default_factory=list)


@dataclass
class LeadQueue:
    extensions: Panel
    unreached: Panel
    escalated: Panel
    urged: Panel

    @property
    def panels(self) -> list[Panel]:
        return [self.extensions, self.unreached, self.escalated, self.urged]


def _panel(key: str, tickets: QuerySet[Ticket], *, rows: bool) -> Panel:
    return Panel(key=key, count=tickets.count(), rows=list(tickets[:PANEL_LIMIT]) if rows else [])


def lead_queue(*, user: User, rows: bool = True) -> LeadQueue:
    """The four panels with their totals (and their first rows unless `rows` is False: counts only)."""
    return LeadQueue(
        extensions=_panel("extensions", queue_extensions(user=user), rows=rows),
        unreached=_panel("unreached", queue_unreached(user=user), rows=rows),
        escalated=_panel("escalated", queue_escalated(user=user), rows=rows),
        urged=_panel("urged", queue_urged(user=user), rows=rows),
    )
