"""Role × endpoint: every API operation (from the OpenAPI document) and every page (from the URL resolver)
has a row here saying, for each role, the class of status it gets. A route without a row fails the test.

Classes: `o` ok (2xx, or a 3xx that is not the login page), `i` the input or the ticket's state refused
(400, 405, 409, 422, 429), `d` denied (403), `h` hidden (404: not in the caller's scope), `a` sign in first
(401 on the API, the login page on pages). Every request runs inside a rolled-back savepoint, so each role
meets the same ticket: dispatched by operator 80725 to 桥靠供暖所 (cf-qiaokao), with one photo.
"""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from heatdesk.accounts.models import User
from heatdesk.api.api import api
from heatdesk.conftest import ApiClient, _token
from heatdesk.tickets.attachments import ticket_attachment_add
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.services import TicketIntake, ticket_intake

pytestmark = pytest.mark.django_db

# The columns of every row, in order.
ROLES = ("anon", "80725", "lead", "station", "other_station", "company", "community", "regulator", "admin")
USERNAMES = {
    "80725": "80725",
    "lead": "lead",
    "station": "station-cf-qiaokao",
    "other_station": "station-ft-guanghua",
    "company": "company-chengfa",
    "regulator": "regulator",
    "admin": "admin",
}

SLA_RULES = [{"urgency": "normal", "stage": "dispatch", "seconds": 600}]

# ---- the API: "METHOD /api/v1/path" → (body, statuses by role) ---------------------------------------
#                                                            an 80 le st os co cm re ad
API = {
    "GET /api/v1/health": (None, "o o o o o o o o o"),
    "POST /api/v1/auth/token": ({"username": "nobody", "password": "x"}, "a a a a a a a a a"),
    "POST /api/v1/auth/logout": ({}, "a o o o o o o o o"),
    "GET /api/v1/me": (None, "a o o o o o o o o"),
    "GET /api/v1/geo/stations": (None, "a o o o o o o o o"),
    "GET /api/v1/geo/companies": (None, "a o o o o o o o o"),
    "GET /api/v1/geo/resolve?address=蓝爵小区3号楼": (None, "a o o o o o o o o"),
    "GET /api/v1/geo/compounds?q=蓝爵": (None, "a o o o o o o o o"),
    "POST /api/v1/tickets": (
        {"caller_phone": "13900001234", "compound": "lanjuexiaoqu", "category": "not_warm"},
        "a o o d d d d d d",
    ),
    "GET /api/v1/tickets": (None, "a o o o o o o o o"),
    "GET /api/v1/tickets/{number}": (None, "a o o o h o o o o"),
    "GET /api/v1/tickets/{number}/events": (None, "a o o o h o o o o"),
    "POST /api/v1/tickets/{number}/attachments": ("photo", "a o o o h d o d d"),
    "GET /api/v1/tickets/{number}/attachments": (None, "a o o o h o o o o"),
    "POST /api/v1/tickets/{number}/guide": ({"solved": False}, "a i i d h d d d d"),
    "POST /api/v1/tickets/{number}/dispatch": ({}, "a i i d h d d d d"),
    "POST /api/v1/tickets/{number}/accept": (None, "a d d o h d d d d"),
    "POST /api/v1/tickets/{number}/depart": (None, "a d d i h d d d d"),
    "POST /api/v1/tickets/{number}/arrive": ({"indoor_temp": 18}, "a d d i h d d d d"),
    "POST /api/v1/tickets/{number}/note": ({"note": "记录"}, "a o o o h o o d d"),
    "POST /api/v1/tickets/{number}/resolve": ({"cause": "valve"}, "a d d i h d d d d"),
    "POST /api/v1/tickets/{number}/return": ({"reason": "非本所"}, "a d d o h d d d d"),
    "POST /api/v1/tickets/{number}/extend": ({"until": "{soon}", "reason": "等配件"}, "a d d i h d d d d"),
    "POST /api/v1/tickets/{number}/approve-extension": ({}, "a d i d h d d d d"),
    "POST /api/v1/tickets/{number}/urge": ({"note": "快"}, "a o o d h d d d d"),
    "POST /api/v1/tickets/{number}/callback": ({"reached": False}, "a i i d h d d d d"),
    "POST /api/v1/tickets/{number}/close-unreached": ({}, "a d i d h d d d d"),
    "POST /api/v1/tickets/{number}/transfer": ({"to": "80720", "reason": "换班"}, "a d o d h d d d d"),
    "POST /api/v1/tickets/{number}/merge": ({"into": "GR000000000000"}, "a i i d h d d d d"),
    "GET /api/v1/sla/policy": (None, "a o o o o o o o o"),
    "PUT /api/v1/sla/policy": (SLA_RULES, "a d o d d d d d o"),
    "GET /api/v1/supervision/alerts": (None, "a o o o o o d o o"),
    "GET /api/v1/supervision/counts": (None, "a o o o o o d o o"),
    "GET /api/v1/reports/kpis": (None, "a o o o o o o o o"),
    "GET /api/v1/reports/rankings": (None, "a o o o o o o o o"),
    "GET /api/v1/reports/hotspots": (None, "a o o o o o o o o"),
    "GET /api/v1/audit": (None, "a d d d d d d d o"),
    # Work groups (issue 12): admin and desk lead; an empty body is refused before anything changes.
    "GET /api/v1/channels": (None, "a d o d d d d d o"),
    "POST /api/v1/channels": ({}, "a i i i i i i i i"),
    "PATCH /api/v1/channels/{channel_id}": ({}, "a h h h h h h h h"),
    "DELETE /api/v1/channels/{channel_id}": (None, "a h h h h h h h h"),
    "POST /api/v1/channels/{channel_id}/test": ({}, "a h h h h h h h h"),
    # Incidents (issue 15): everyone in scope reads; the desk lead (or a company/station for its own
    # compounds) declares; an empty body is refused; an unknown incident is not found.
    "GET /api/v1/incidents": (None, "a o o o o o o o o"),
    "POST /api/v1/incidents": ({}, "a i i i i i i i i"),
    "GET /api/v1/incidents/{code}": (None, "a h h h h h h h h"),
    "POST /api/v1/incidents/{code}/update": ({}, "a i i i i i i i i"),
    "POST /api/v1/incidents/{code}/restore": ({}, "a h h h h h h h h"),
    # Citizens (issue 16): the SMS a ticket sent, desk roles.
    "GET /api/v1/tickets/{number}/sms": (None, "a o o d d d d d o"),
    # Community (issue 18): the community, the serving station and company, the desk lead.
    "GET /api/v1/community/compounds/{code}/stewards": (None, "a d o o d o o d o"),
    "PUT /api/v1/community/compounds/{code}/stewards": ({}, "a d d d d o o d o"),
    "GET /api/v1/community/vulnerable": (None, "a d o o o d o d d"),
    "POST /api/v1/community/vulnerable": ({}, "a i i i i i i i i"),
    "GET /api/v1/community/vulnerable/cold-snap": (None, "a d o o o d o d d"),
    "GET /api/v1/community/campaigns": (None, "a d o d d d o d d"),
    "POST /api/v1/community/campaigns": ({}, "a i i i i i i i i"),
    "POST /api/v1/community/visits": ({}, "a i i i i i i i i"),
    "GET /api/v1/community/ledgers": (None, "a d o o o o o d d"),
    "POST /api/v1/community/ledgers": ({}, "a i i i i i i i i"),
    "GET /api/v1/community/ledgers/{ledger_id}": (None, "a h h h h h h h h"),
    "POST /api/v1/community/ledgers/{ledger_id}/close": ({}, "a h h h h h h h h"),
    "POST /api/v1/community/ledgers/{ledger_id}/households/{household_id}/refused": ({}, "a h h h h h h h h"),
}
# Routes outside the document (old spellings, the unknown-action catch-all, the document itself).
API_EXTRA = {
    "POST /api/v1/tickets/{number}/approve_extension": ({}, "a d i d h d d d d"),
    "POST /api/v1/tickets/{number}/close_unreached": ({}, "a d i d h d d d d"),
    "POST /api/v1/tickets/{number}/fly": ({}, "a h h h h h h h h"),
    "GET /api/v1/openapi.json": (None, "o o o o o o o o o"),
    "GET /api/v1/docs": (None, "o o o o o o o o o"),
}

# ---- pages: resolver pattern → (method, path, statuses by role) --------------------------------------
#                                                                                          an 80 le st os co cm re ad
PAGES = {
    "login/": ("GET", "/login/", "o o o o o o o o o"),
    "logout/": ("POST", "/logout/", "a a a a a a a a a"),  # back to the login page
    "": ("GET", "/", "a o o o o o o o o"),
    "i18n/setlang/": ("POST", "/i18n/setlang/", "o o o o o o o o o"),
    "desk/": ("GET", "/desk/", "a o o d d d d d d"),
    "desk/lookup/": ("GET", "/desk/lookup/?phone=1380000", "a o o d d d d d d"),
    "desk/resolve/": ("GET", "/desk/resolve/?address=蓝爵", "a o o d d d d d d"),
    "desk/guidance/": ("GET", "/desk/guidance/?category=not_warm", "a o o d d d d d d"),
    "desk/queue/": ("GET", "/desk/queue/", "a o o d d d d d d"),
    "desk/repeat/": ("POST", "/desk/repeat/", "a o o d d d d d d"),
    "tickets/": ("GET", "/tickets/", "a o o o o o o o o"),
    "tickets/<str:number>/": ("GET", "/tickets/{number}/", "a o o o h o o o o"),
    "tickets/<str:number>/live/": ("GET", "/tickets/{number}/live/", "a o o o o o o o o"),
    "tickets/<str:number>/act/<str:action>/": ("POST", "/tickets/{number}/act/note/", "a i i i h i i i i"),
    "tickets/<str:number>/photos/": ("POST", "/tickets/{number}/photos/", "a o o o h d o d d"),
    "tickets/<str:number>/photos/<int:attachment_id>/": (
        "GET",
        "/tickets/{number}/photos/{attachment}/",
        "a o o o h o o o o",
    ),
    "station/": ("GET", "/station/", "a d d o o d d d d"),
    "station/board/": ("GET", "/station/board/", "a d d o o d d d d"),
    "station/tickets/<str:number>/": ("GET", "/station/tickets/{number}/", "a d d o h d d d d"),
    "wall/": ("GET", "/wall/", "a o o d d o d o o"),
    "wall/live/": ("GET", "/wall/live/", "a o o d d o d o o"),
    "wall/urge/<str:number>/": ("POST", "/wall/urge/{number}/", "a o o d d d d d d"),
    "callbacks/": ("GET", "/callbacks/", "a o o d d d d d d"),
    "callbacks/new/": ("GET", "/callbacks/new/", "a o o d d d d d d"),
    "callbacks/<str:number>/": ("POST", "/callbacks/{number}/", "a o o d d d d d d"),
    "callbacks/<str:number>/unreached/": ("POST", "/callbacks/{number}/unreached/", "a d o d d d d d d"),
    "reports/": ("GET", "/reports/", "a o o o o o o o o"),
    "reports/day/": ("GET", "/reports/day/", "a o o o o o o o o"),
    "reports/export/season.xlsx": ("GET", "/reports/export/season.xlsx", "a o o o o o o o o"),
    "reports/export/day.xlsx": ("GET", "/reports/export/day.xlsx", "a o o o o o o o o"),
    "reports/export/tickets.csv": ("GET", "/reports/export/tickets.csv", "a o o o o o o o o"),
    # Open311: public discovery and catalogue; requests need an api_key; the desk's confirmation queue.
    r"open311/^v2/discovery\.(?P<fmt>xml|json)$": ("GET", "/open311/v2/discovery.json", "o o o o o o o o o"),
    r"open311/^v2/services\.(?P<fmt>xml|json)$": ("GET", "/open311/v2/services.json", "o o o o o o o o o"),
    r"open311/^v2/services/(?P<service_code>[\w-]+)\.(?P<fmt>xml|json)$": (
        "GET",
        "/open311/v2/services/nonexistent.json",
        "h h h h h h h h h",
    ),
    r"open311/^v2/requests\.(?P<fmt>xml|json)$": ("POST", "/open311/v2/requests.json", "d d d d d d d d d"),
    r"open311/^v2/requests/(?P<service_request_id>[\w-]+)\.(?P<fmt>xml|json)$": (
        "GET",
        "/open311/v2/requests/GR000000000000.json",
        "h h h h h h h h h",
    ),
    r"open311/^v2/tokens/(?P<token_id>[\w-]+)\.(?P<fmt>xml|json)$": (
        "GET",
        "/open311/v2/tokens/nonexistent.json",
        "h h h h h h h h h",
    ),
    "open311/v2/<path:rest>": ("GET", "/open311/v2/nothing-here", "h h h h h h h h h"),
    "open311/desk/": ("GET", "/open311/desk/", "a o o d d d d d d"),
    # Refused with a message on the queue page (a redirect), for the desk (unknown token) and others alike.
    "open311/desk/confirm/<str:token>": ("POST", "/open311/desk/confirm/nonexistent", "a o o o o o o o o"),
    "open311/desk/take/<str:number>": ("POST", "/open311/desk/take/{number}", "a o o o o o o o o"),
    # The admin: staff only (Django's own permissions inside); a sample of its pages.
    "admin/": ("GET", "/admin/", "a a o a a a a a o"),  # the desk lead is staff (SLA rules, scripts)
    # The printable work order (派工单) reads like the ticket page.
    "tickets/<str:number>/print/": ("GET", "/tickets/{number}/print/", "a o o o h o o o o"),
    # Incidents (issue 15).
    "incidents/": ("GET", "/incidents/", "a o o o o o o o o"),
    "incidents/declare/": ("POST", "/incidents/declare/", "a d o o o o d d d"),
    "incidents/<str:code>/": ("GET", "/incidents/none/", "a h h h h h h h h"),
    "incidents/<str:code>/update/": ("POST", "/incidents/none/update/", "a d o o o o d d d"),
    "incidents/<str:code>/restore/": ("POST", "/incidents/none/restore/", "a d o o o o d d d"),
    # Work groups (issue 12).
    "queue/": ("GET", "/queue/", "a d o d d d d d d"),
    "groups/": ("GET", "/groups/", "a d o o o o d d o"),
    "groups/retry/<int:message_id>/": ("POST", "/groups/retry/999999/", "a d d d d d d d d"),
    # Citizens (issue 16): the status page and rating link are public (no personal data, throttled).
    "s/<str:number>": ("GET", "/s/{number}", "o o o o o o o o o"),
    "r/<str:token>": ("GET", "/r/forged-token", "h h h h h h h h h"),
    "sms/": ("GET", "/sms/", "a o o d d d d d o"),
    # Community (issue 18).
    "community/": ("GET", "/community/", "a d o o o o o d o"),
    "community/compounds/<str:code>/stewards/": (
        "GET",
        "/community/compounds/lanjuexiaoqu/stewards/",
        "a d o o d o o d o",
    ),
    "community/register/": ("GET", "/community/register/", "a d o o o d o d d"),
    "community/campaigns/": ("GET", "/community/campaigns/", "a d o d d d o d d"),
    "community/visit/": ("GET", "/community/visit/", "a d o d d d o d d"),
    "community/ledgers/": ("GET", "/community/ledgers/", "a d o o o o o d d"),
    "community/ledgers/<int:ledger_id>/": ("GET", "/community/ledgers/999999/", "a d o o o o o d d"),
}
ADMIN_SAMPLE = {
    "/admin/tickets/ticket/": "a a h a a a a a h",  # tickets are not edited in the admin
    "/admin/accounts/user/": "a a d a a a a a o",
    "/admin/sla/slarule/": "a a o a a a a a o",
}


def _status_class(status: int, location: str) -> str:
    if status == 401 or (status in (301, 302) and "/login/" in location):
        return "a"
    if status < 400:
        return "o"
    return {403: "d", 404: "h"}.get(status, "i" if status < 500 else "!")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))


def _resolver_patterns() -> list[str]:
    def walk(patterns, prefix: str = ""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


def _api_pattern(route: str) -> str:
    """`GET /api/v1/tickets/{number}?x=1` → the resolver's `api/v1/tickets/<number>`."""
    path = route.split(" ", 1)[1].split("?")[0].lstrip("/")
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


def test_every_documented_api_operation_has_a_row():
    document = api.get_openapi_schema()
    operations = {f"{method.upper()} {path}" for path, methods in document["paths"].items() for method in methods}
    rows = {route.split("?")[0] for route in API}
    assert sorted(operations - rows) == [], "add a row to API for each new operation"
    assert sorted(rows - operations) == [], "a row names an operation the document no longer has"


def test_every_route_of_the_url_resolver_has_a_row():
    covered = {_api_pattern(route) for route in (*API, *API_EXTRA)} | set(PAGES)
    covered |= {"api/v1/tickets/<number>/<action>", "api/v1/"}  # the catch-all row is `/fly`; the root 404s
    missing = [p for p in _resolver_patterns() if p not in covered and not p.startswith("admin/")]
    assert missing == [], "add a row to PAGES (or API) for each new route"


@pytest.fixture
def world(demo_city):
    operator = User.objects.get(username="80725")
    call = TicketIntake(caller_phone="13800001111", category="not_warm", compound="lanjuexiaoqu", building="3")
    ticket = ticket_intake(actor=operator, call=call, dispatch=True).ticket
    photo = SimpleUploadedFile("site.png", _png(), content_type="image/png")
    attachment = ticket_attachment_add(actor=operator, number=ticket.number, upload=photo)
    community = User.objects.get(username__startswith="community-", community=ticket.compound.community)
    usernames = {**USERNAMES, "community": community.username}
    return ticket, attachment, usernames


def _fill(text: str, ticket: Ticket, attachment) -> str:
    soon = (ticket.resolution_deadline).isoformat() if ticket.resolution_deadline else ""
    filled = text.replace("{number}", ticket.number).replace("{attachment}", str(attachment.id)).replace("{soon}", soon)
    # Other path parameters: the ticket's compound, or ids that name nothing (the row says what that gets).
    filled = filled.replace("{code}", ticket.compound.code if ticket.compound else "none")
    return re.sub(r"\{\w+_id\}", "999999", filled)


def _api_call(client: ApiClient | None, route: str, body, ticket, attachment) -> tuple[int, str]:
    method, path = route.split(" ", 1)
    path = _fill(path, ticket, attachment)
    headers = dict(client.headers) if client else {}
    http = client.client if client else Client()
    if body == "photo":
        upload = SimpleUploadedFile("site.png", _png(), content_type="image/png")
        response = http.post(path, {"file": upload}, headers=headers)
    elif body is None:
        response = getattr(http, method.lower())(path, headers=headers)
    else:
        payload = (
            {k: _fill(v, ticket, attachment) if isinstance(v, str) else v for k, v in body.items()}
            if isinstance(body, dict)
            else body
        )
        response = getattr(http, method.lower())(path, payload, content_type="application/json", headers=headers)
    return response.status_code, response.get("Location", "")


def _rolled_back(call, *args):
    """call(*args) inside a savepoint that is rolled back: every role meets the same ticket."""
    with transaction.atomic():
        result = call(*args)
        transaction.set_rollback(True)
    return result


def _page_call(client: Client, method: str, url: str, pattern: str):
    if method == "GET":
        return client.get(url)
    data = {}
    if pattern == "tickets/<str:number>/photos/":
        data = {"photo": SimpleUploadedFile("site.png", _png(), content_type="image/png")}
    return client.post(url, data)


def _api_mismatches(ticket, attachment, usernames) -> list[str]:
    clients = {role: ApiClient(_token(usernames[role])) for role in ROLES if role != "anon"}
    wrong = []
    for route, (body, expected) in {**API, **API_EXTRA}.items():
        got = []
        for role in ROLES:
            client = None if role == "anon" else clients[role]
            if client is not None and "logout" in route:  # logout revokes the token it is called with
                client = ApiClient(_token(usernames[role]))
            status, location = _rolled_back(_api_call, client, route, body, ticket, attachment)
            got.append(_status_class(status, location))
        if " ".join(got) != expected:
            wrong.append(f"{route}: expected {expected}, got {' '.join(got)}")
    return wrong


def _page_mismatches(ticket, attachment, usernames) -> list[str]:
    clients = {role: Client() for role in ROLES}
    for role, client in clients.items():
        if role != "anon":
            client.force_login(User.objects.get(username=usernames[role]))
    pages = {**PAGES, **{path: ("GET", path, classes) for path, classes in ADMIN_SAMPLE.items()}}
    wrong = []
    for pattern, (method, path, expected) in pages.items():
        got = []
        for role in ROLES:
            response = _rolled_back(_page_call, clients[role], method, _fill(path, ticket, attachment), pattern)
            got.append(_status_class(response.status_code, response.get("Location", "")))
            if pattern == "logout/" and role != "anon":
                clients[role].force_login(User.objects.get(username=usernames[role]))
        if " ".join(got) != expected:
            wrong.append(f"{pattern} ({method} {path}): expected {expected}, got {' '.join(got)}")
    return wrong


def test_each_role_gets_the_status_class_its_row_says(world):
    ticket, attachment, usernames = world

    wrong = _api_mismatches(ticket, attachment, usernames) + _page_mismatches(ticket, attachment, usernames)

    assert wrong == [], "\n" + "\n".join(wrong)
