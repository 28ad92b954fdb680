"""Fixtures of the page tests: signed-in test clients and tickets built through the real services."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from heatdesk.tickets.services import TicketIntake, ticket_act, ticket_intake

ADDRESS = "回民区蓝爵小区3号楼2单元501"  # served by 桥靠供暖所 (cf-qiaokao) of 城发热力 (chengfa)
STATION_USER = "station-cf-qiaokao"
OTHER_STATION_USER = "station-ft-guanghua"


def user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def page_as(demo_city):
    """page_as("80725") → a Django test client signed in as that demo account."""
    clients: dict[str, Client] = {}

    def make(username: str) -> Client:
        if username not in clients:
            client = Client()
            client.force_login(user(username))
            clients[username] = client
        return clients[username]

    return make


def new_ticket(*, by: str = "80725", phone: str = "13800001111", address: str = ADDRESS, dispatch=True, **fields):
    """A ticket created (and by default dispatched) by an operator through the service."""
    fields.setdefault("category", "not_warm")
    call = TicketIntake(caller_phone=phone, address=address, **fields)
    return ticket_intake(actor=user(by), call=call, dispatch=dispatch).ticket


def act(username: str, ticket, action: str, **payload):
    return ticket_act(actor=user(username), number=ticket.number, action=action, payload=payload)


def resolved_ticket(**fields):
    """A ticket taken through dispatch, accept and resolve: waiting for its callback."""
    ticket = new_ticket(**fields)
    act(STATION_USER, ticket, "accept")
    act(STATION_USER, ticket, "arrive", indoor_temp="15")
    return act(STATION_USER, ticket, "resolve", cause="air_lock", indoor_temp="19")


def png_bytes(width: int = 24, height: int = 16) -> bytes:
    """A small real PNG (what a phone camera would send, in miniature)."""
    raw = b"".join(b"\x00" + bytes([200, 80 + y, 40]) * width for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
