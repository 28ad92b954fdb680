"""The end of a simulated ticket's loop: the callback (回访) by phone, or the citizen's own answer by the
rating link of the resolved SMS (`feedback.services.rating_link_answer`, channel `sms_link`), and repeat calls.

A share of citizens (`SeasonSimulator.link_share`, of those with a mobile) answer by link before the desk
would ring them; their tickets leave the callback queue. The rest stay in the phone queue. Link choices,
delays and answers come from their own random stream, so the season's main sequence stays the same
whatever the share.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from heatdesk.feedback.cursor import sms_for_event
from heatdesk.feedback.services import RatingAnswer, rating_link_answer
from heatdesk.reports import season_model as model
from heatdesk.reports.season_record import SimTicket
from heatdesk.tickets.models import Ticket, TicketEvent
from heatdesk.tickets.services import ticket_repeat_call_register
from heatdesk.tickets.states import TicketStatus

LINK_ANSWER_MEDIAN_MINUTES = 40  # after the SMS goes out (quiet hours hold non-urgent ones until morning)
LINK_ANSWER_LATEST = dt.timedelta(hours=48)  # well inside the link's 72 h


def rating_token(message) -> str:
    """The rating link's token from a queued resolved SMS (its `link` parameter ends in /r/<token>)."""
    values = dict(message.params.get("values") or []) if message is not None else {}
    link = str(values.get("link") or "")
    return link.rsplit("/r/", 1)[1] if "/r/" in link else ""


class CallbackSteps:
    """Mixed into `SeasonSimulator`: scheduling and playing callbacks, link answers and repeat calls."""

    def _schedule_callback(self, at: dt.datetime, ticket: SimTicket, row: Ticket | None = None, action: str = ""):
        """Resolved: a citizen who answers by link gets the resolved SMS and answers it; else the desk calls."""
        if row is not None and self.link_rng.random() < self.link_share:
            # The resolved SMS as the worker's chore queues it from the event (same key: never twice).
            event = TicketEvent.objects.filter(ticket=row, kind=action).select_related("ticket").last()
            with transaction.atomic():
                message = sms_for_event(event, at=at) if event is not None else None
            token = rating_token(message)
            if token:
                sent = max(at, message.next_attempt_at)
                delay = min(
                    model.minutes(model.lognormal_minutes(self.link_rng, LINK_ANSWER_MEDIAN_MINUTES, 1.0)),
                    LINK_ANSWER_LATEST,
                )
                self.schedule(sent + delay, "link_answer", ticket, token=token)
                return
        rng = self.rng
        if rng.random() < model.P_CALLBACK_FORGOTTEN:
            when = at + dt.timedelta(hours=rng.uniform(26, 40))
        else:
            when = model.within_callback_hours(
                rng, at + model.minutes(model.lognormal_minutes(rng, 150, 0.9)), self.zone
            )
        self.schedule(when, "callback", ticket)

    def on_callback(self, at, ticket: SimTicket) -> None:
        rng = self.rng
        if rng.random() >= model.P_CALLBACK_REACHED:
            self._act(self._owner(ticket), ticket, "callback", {"reached": False})
            ticket.callback_attempts += 1
            ticket.callbacks.append((False, None, "", "phone"))
            if ticket.callback_attempts < 3:
                retry = model.within_callback_hours(rng, at + dt.timedelta(minutes=rng.randint(60, 240)), self.zone)
                self.schedule(retry, "callback", ticket)
            else:
                self.schedule(at + dt.timedelta(minutes=rng.randint(60, 180)), "close_unreached", ticket)
            return
        fixed = rng.random() < (0.995 if ticket.reopen_count else model.P_FIXED)
        answer = model.pick(rng, model.SATISFACTION_IF_FIXED if fixed else model.SATISFACTION_IF_NOT_FIXED)
        controllable = rng.random() < model.P_UNHAPPY_STATION_CONTROLLABLE
        payload = {
            "reached": True,
            "contacted": rng.random() < model.P_CONTACTED,
            "fixed": fixed,
            "satisfaction": answer,
            "station_controllable": controllable,
            "comment": "",
        }
        self._act(self._owner(ticket), ticket, "callback", payload)
        self._answered(at, ticket, fixed=fixed, answer=answer, controllable=controllable, channel="phone")

    def on_link_answer(self, at, ticket: SimTicket, *, token: str) -> None:
        """The citizen taps the rating link of the resolved SMS: the same three questions, by the feedback door."""
        rng = self.link_rng
        fixed = rng.random() < (0.995 if ticket.reopen_count else model.P_FIXED)
        answer = model.pick(rng, model.SATISFACTION_IF_FIXED if fixed else model.SATISFACTION_IF_NOT_FIXED)
        controllable = rng.random() < model.P_UNHAPPY_STATION_CONTROLLABLE
        contacted = rng.random() < model.P_CONTACTED
        rating_link_answer(
            token=token,
            answer=RatingAnswer(contacted=contacted, fixed=fixed, satisfaction=answer, station_cause=controllable),
        )
        self.actions += 1
        self._answered(at, ticket, fixed=fixed, answer=answer, controllable=controllable, channel="sms_link")

    def _answered(self, at, ticket: SimTicket, *, fixed: bool, answer: str, controllable: bool, channel: str) -> None:
        ticket.satisfaction = answer
        ticket.callbacks.append((True, fixed, answer, channel))
        if fixed and not (answer == "not_satisfied" and controllable):
            ticket.state, ticket.closed_at = TicketStatus.CLOSED, at
            return
        ticket.reopen_count += 1  # 重办: back to the same station, a new cycle
        ticket.start_cycle(ticket.station, ticket.company, at)
        self._after_dispatch(at, ticket)

    def on_close_unreached(self, at, ticket: SimTicket) -> None:
        self._act(self.lead, ticket, "close-unreached", {"note": "三次未接通"})
        ticket.state, ticket.closed_at, ticket.closed_unreached = TicketStatus.CLOSED, at, True

    def on_repeat_call(self, at, ticket: SimTicket) -> None:
        if not ticket.is_open:
            return
        ticket_repeat_call_register(
            actor=self.rng.choice(self.operators),
            number=ticket.number,
            caller_phone=model.household_phone(self.seed, ticket.household),
            note="市民再次来电催促",
        )
        self.actions += 1
        ticket.repeat_calls.append(at)
