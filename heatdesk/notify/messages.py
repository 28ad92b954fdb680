"""The typed work-group message: what a producer queues and what every channel renders (STYLE §20).

Producers (the ticket door's notifications, the supervision monitor) build a `Message`; the outbox
stores it as JSON (`to_payload`) and the worker reads it back (`from_payload`) for the channels, which
render the title once, then the text, the ticket line and the link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from heatdesk.notify.models import Topic

MAX_TITLE_LENGTH = 200


def ticket_link(number: str) -> str:
    """The absolute address of a ticket's page: `{HEATDESK_BASE_URL}/tickets/<number>/`."""
    base = str(settings.HEATDESK_BASE_URL).rstrip("/")
    return f"{base}/tickets/{number}/"


@dataclass(frozen=True)
class Message:
    """One work-group message. `title` is the headline (shown once), `text` the body lines below it,
    `ticket_number` the ticket it is about ("" for none), `link` an absolute URL to act on it ("" for none)."""

    topic: Topic
    title: str
    text: str = ""
    ticket_number: str = ""
    link: str = ""
    # The card's structured lines, in order: (label, value), e.g. ("地址", "蓝爵小区 3-2-501"). No phones.
    facts: tuple[tuple[str, str], ...] = ()
    # The running deadline the group must beat, with what it is ("响应时限"); shown in local time.
    deadline: dt.datetime | None = None
    deadline_label: str = ""
    # True: the channel's on-duty people (`mention_mobiles`) are @-mentioned (urgent leaks, escalations).
    mention: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "topic", Topic(self.topic))  # an unknown topic is a programming error
        object.__setattr__(self, "facts", tuple((str(label), str(value)) for label, value in self.facts))
        if self.deadline is not None and self.deadline.tzinfo is None:
            raise ValueError("a message deadline must be timezone-aware")

    @classmethod
    def about_ticket(
        cls,
        *,
        topic: Topic | str,
        number: str,
        title: str,
        text: str = "",
        facts: tuple[tuple[str, str], ...] = (),
        deadline: dt.datetime | None = None,
        deadline_label: str = "",
        mention: bool = False,
    ) -> Message:
        """A message about one ticket, linking to its page."""
        return cls(
            topic=Topic(topic),
            title=title,
            text=text,
            ticket_number=number,
            link=ticket_link(number),
            facts=facts,
            deadline=deadline,
            deadline_label=deadline_label,
            mention=mention,
        )

    def to_payload(self) -> dict[str, Any]:
        """The JSON stored in the outbox row (the topic has its own column)."""
        return {
            "title": self.title,
            "text": self.text,
            "ticket_number": self.ticket_number,
            "link": self.link,
            "facts": [[label, value] for label, value in self.facts],
            "deadline": self.deadline.isoformat() if self.deadline else "",
            "deadline_label": self.deadline_label,
            "mention": self.mention,
        }

    @classmethod
    def from_payload(cls, *, topic: str, payload: Mapping[str, Any]) -> Message:
        """The message an outbox row holds. Rows queued before messages were typed kept the ticket
        under `ticket.number`; they are read the same way."""
        ticket = payload.get("ticket")
        number = payload.get("ticket_number") or (ticket.get("number") if isinstance(ticket, Mapping) else "")
        facts = payload.get("facts") or []
        deadline = str(payload.get("deadline") or "")
        return cls(
            topic=Topic(topic),
            title=str(payload.get("title") or ""),
            text=str(payload.get("text") or ""),
            ticket_number=str(number or ""),
            link=str(payload.get("link") or ""),
            facts=tuple(
                (str(pair[0]), str(pair[1])) for pair in facts if isinstance(pair, list | tuple) and len(pair) == 2
            ),
            deadline=dt.datetime.fromisoformat(deadline) if deadline else None,
            deadline_label=str(payload.get("deadline_label") or ""),
            mention=payload.get("mention") is True,
        )
