"""The citizen's pages (no sign-in): status page `/s/<number>` and rating link `/r/<token>`; and the
demo's console of sent SMS `/sms/` (desk roles). Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from heatdesk.core import clock
from heatdesk.core.errors import DomainError, Throttled
from heatdesk.core.http import client_address
from heatdesk.feedback import links
from heatdesk.feedback.models import SmsKind
from heatdesk.feedback.selectors import DESK_ROLES, sms_recent
from heatdesk.feedback.services import RatingAnswer, rating_link_answer, rating_link_usable, ticket_status_lookup
from heatdesk.tickets.models import Satisfaction

SATISFACTION_CHOICES = [
    ("very_satisfied", "非常满意", True),
    ("satisfied", "满意", True),
    ("fairly_satisfied", "基本满意", True),
    ("not_satisfied", "不满意（维修服务问题）", True),
    ("not_satisfied_other", "不满意（其他原因）", False),
]


@require_http_methods(["GET", "POST"])
def status_page(request: HttpRequest, number: str) -> HttpResponse:
    context: dict[str, object] = {"number": number[:20]}
    status = 200
    if request.method == "POST":
        try:
            context["view"] = ticket_status_lookup(
                number=number, digits=str(request.POST.get("digits", "")), address=client_address(request)
            )
        except Throttled as error:
            context["error"], status = error.message, 429
        except DomainError as error:
            context["error"], status = error.message, error.status
    response = render(request, "feedback/status.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "900"
    return response


def _answer_from(post: dict[str, str]) -> RatingAnswer | None:
    choice = post.get("satisfaction", "")
    picked = next((c for c in SATISFACTION_CHOICES if c[0] == choice), None)
    if post.get("contacted") not in ("yes", "no") or post.get("fixed") not in ("yes", "no") or picked is None:
        return None
    satisfaction = Satisfaction.NOT_SATISFIED if choice == "not_satisfied_other" else choice
    return RatingAnswer(
        contacted=post["contacted"] == "yes",
        fixed=post["fixed"] == "yes",
        satisfaction=satisfaction,
        station_cause=picked[2],
        comment=post.get("comment", "")[:500],
    )


@require_http_methods(["GET", "POST"])
def rating_page(request: HttpRequest, token: str) -> HttpResponse:
    context: dict[str, object] = {"choices": SATISFACTION_CHOICES}
    try:
        link = rating_link_usable(nonce=links.rating_link_nonce(token), now=clock.now())
    except DomainError as error:
        context["error"] = error.message
        return render(request, "feedback/rating.html", context, status=410 if error.status == 409 else 404)
    context["number"] = link.ticket.number
    if request.method == "POST":
        answer = _answer_from({key: str(value) for key, value in request.POST.items()})
        if answer is None:
            context["missing"] = "请回答全部三个问题 / please answer all three questions"
            return render(request, "feedback/rating.html", context, status=422)
        try:
            ticket = rating_link_answer(token=token, answer=answer)
        except DomainError as error:
            context["error"] = error.message
            return render(request, "feedback/rating.html", context, status=error.status)
        context["done"] = "closed" if ticket.status == "closed" else "redo"
    return render(request, "feedback/rating.html", context)


@login_required
def sms_console(request: HttpRequest) -> HttpResponse:
    """The demo's SMS console: what the console backend 'sent', newest first (desk roles)."""
    user = request.user
    if getattr(user, "role", "") not in DESK_ROLES and not user.is_superuser:
        return render(request, "feedback/console.html", {"forbidden": True}, status=403)
    return render(request, "feedback/console.html", {"messages_sent": sms_recent(), "kinds": SmsKind})
