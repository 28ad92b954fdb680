"""The desk's Open311 queue page and the key command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from heatdesk.accounts.models import User
from heatdesk.open311.models import Open311Client, Open311Submission
from heatdesk.open311.services import RequestSubmission, open311_client_authenticate, open311_request_submit
from heatdesk.open311.tests.conftest import CONTACT, LANJUE
from heatdesk.tickets.models import Ticket


def submit(client_row, address: str) -> Open311Submission:
    return open311_request_submit(
        client=client_row,
        submission=RequestSubmission(service_code="no_heat", address_string=address, phone=CONTACT["phone"]),
    )


def test_the_key_command_prints_a_key_that_authenticates(db):
    out = StringIO()

    call_command("open311_key", "12345平台", stdout=out)

    key = out.getvalue().strip()
    assert open311_client_authenticate(api_key=key).name == "12345平台"
    assert Open311Client.objects.get().key_hash != key
    with pytest.raises(CommandError):
        call_command("open311_key", "12345平台", stdout=StringIO())


def test_an_operator_confirms_and_takes_requests_from_the_queue(client, demo_city, api_key):
    app = Open311Client.objects.get()
    pending = submit(app, "看不懂的地址")
    filed = submit(app, "回民区蓝爵小区5号楼")
    client.force_login(User.objects.get(username="80734"))

    page = client.get("/open311/desk/").content.decode()
    client.post(f"/open311/desk/take/{filed.ticket.number}")
    client.post(f"/open311/desk/confirm/{pending.token}", {"compound": LANJUE, "building": "2"})

    assert pending.token in page
    assert filed.ticket.number in page
    taken = Ticket.objects.get(pk=filed.ticket.pk)
    confirmed = Open311Submission.objects.get(pk=pending.pk).ticket
    assert (taken.owner.username, taken.status) == ("80734", "dispatched")
    assert (confirmed.owner.username, confirmed.status, confirmed.building) == ("80734", "dispatched", "2")
    assert confirmed.compound.code == LANJUE


def test_only_the_desk_sees_the_queue(client, demo_city, api_key):
    pending = submit(Open311Client.objects.get(), "看不懂的地址")
    client.force_login(User.objects.get(username="station-cf-qiaokao"))

    assert client.get("/open311/desk/").status_code == 403
    client.post(f"/open311/desk/confirm/{pending.token}", {"compound": LANJUE})
    assert Open311Submission.objects.get(pk=pending.pk).ticket is None
