"""The morning digest (早报): one per group and day, its figures from the real tickets and the KPI module."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core.management import call_command

from heatdesk.accounts.models import User
from heatdesk.notify.messages import Message
from heatdesk.notify.models import OutboxMessage
from heatdesk.reports.digest import LOCAL, DigestJob
from heatdesk.tickets import services as ticket_services

YESTERDAY = dt.datetime(2026, 1, 14, 9, 0, tzinfo=LOCAL)
MORNING = dt.datetime(2026, 1, 15, 8, 0, 30, tzinfo=LOCAL)


def _ticket(**fields):
    actor = User.objects.get(username="80725")
    body = {"caller_phone": "13800001111", "category": "not_warm", "compound": "lanjuexiaoqu", "building": "3"}
    dispatch = fields.pop("dispatch", False)
    call = ticket_services.TicketIntake(**{**body, **fields})
    return ticket_services.ticket_intake(actor=actor, call=call, dispatch=dispatch).ticket


def test_the_digest_command_sends_each_group_its_summary_once_a_day(demo_city, capsys):
    with time_machine.travel(YESTERDAY, tick=False):
        first = _ticket()
        ticket_services.ticket_act(actor=User.objects.get(username="80725"), number=first.number, action="dispatch")
        ticket_services.ticket_act(
            actor=User.objects.get(username="80725"), number=first.number, action="urge", payload={"note": "快"}
        )
        _ticket()
    with time_machine.travel(MORNING, tick=False):
        call_command("digest", "--date", "2026-01-15")
        call_command("digest", "--date", "2026-01-15")  # a second run queues nothing new

    digests = OutboxMessage.objects.filter(topic="digest.daily")
    station = digests.get(org_kind="station", org_code="cf-qiaokao")
    desk = digests.get(org_kind="desk", org_code="city")
    assert digests.filter(org_kind="station", org_code="cf-qiaokao").count() == 1
    card = dict(Message.from_payload(topic=station.topic, payload=station.payload).facts)
    assert card["在办"].startswith("待派单 0 · 已退回 0 · 待接单 1")
    assert card["被催办"] == "1"
    assert card["超时"] == "1"  # the response deadline passed overnight
    assert card["昨日"].startswith("受理 1 ")
    desk_card = Message.from_payload(topic=desk.topic, payload=desk.payload)
    assert dict(desk_card.facts)["昨日"].startswith("受理 2 ")
    assert f"/tickets/{first.number}/" in desk_card.text  # the oldest open tickets, with links
    assert "13800001111" not in str(desk.payload)


def test_the_worker_job_sends_at_the_digest_time_and_not_before(demo_city):
    job = DigestJob(at=dt.time(8, 0))

    early = job.run_due(MORNING - dt.timedelta(minutes=5))
    on_time = job.run_due(MORNING)
    again = job.run_due(MORNING + dt.timedelta(hours=1))
    restarted = DigestJob(at=dt.time(8, 0)).run_due(MORNING + dt.timedelta(hours=2))

    assert early == 0
    assert on_time > 0
    assert again == restarted == 0  # once per group and day, also after a restart
