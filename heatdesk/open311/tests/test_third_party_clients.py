"""Independent Open311 client libraries from PyPI, unchanged, against a real running server (pytest-django's
live_server): `georeport` (JSON and XML reads), `civicbot` (JSON reads, tokens and POST) and `three`
(discovery, POST and reads in JSON). Raw HTTP fills what none of them does (POST and discovery in XML);
every XML body is checked against the schema. A request filed this way runs the whole loop and shows
`closed` there.
"""

from __future__ import annotations

import pytest
import requests
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client as CivicbotClient
from civicbot.registry import Endpoint
from georeport import GeoReport

from heatdesk.accounts.models import User
from heatdesk.demo import demo_seed
from heatdesk.open311.services import open311_client_create, open311_ticket_take
from heatdesk.open311.tests.conftest import CONTACT, assert_no_pii, assert_valid_xml
from heatdesk.tickets.services import ticket_act

pytestmark = pytest.mark.django_db(transaction=True)
JURISDICTION = "hohhot.12345"


@pytest.fixture
def server(live_server):
    demo_seed()
    _client, key = open311_client_create(name="第三方App")
    return f"{live_server.url}/open311/v2", key


def civicbot(base: str) -> CivicbotClient:
    endpoint = Endpoint(id="heatdesk", name="Heatdesk", base_url=base, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return CivicbotClient(endpoint, transport=transport, jurisdiction_id=JURISDICTION, fmt="json")


def civicbot_file(client: CivicbotClient, key: str, **fields):
    fields = {
        "address_string": "回民区蓝爵小区3号楼2单元501",
        "description": "暖气不热，室温偏低",
        "attributes": {"indoor_temp": "15", "scope": "whole_home"},
        **CONTACT,
        **fields,
    }
    prepared = client.create_request(
        "not_warm", dry_run=False, confirm="SEND", api_key=key, validate_remote=True, **fields
    )
    return prepared.response[0]


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_georeport_reads_services_and_definitions_in_json_and_xml(server):
    base, _key = server
    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=JURISDICTION, output_format=fmt)

        services = client.get_service_list()
        definition = client.get_service_definition("not_warm")

        assert [s["service_code"] for s in services][:2] == ["not_warm", "leak"]
        assert services[0]["service_name"] == "暖气不热"
        assert definition["service_code"] == "not_warm"
        attributes = definition["attributes"] if fmt == "json" else as_list(definition["attributes"]["attribute"])
        assert [a["code"] for a in attributes] == ["indoor_temp", "scope"]


def test_civicbot_posts_and_both_libraries_follow_the_request_in_json_and_xml(server):
    base, key = server
    bot = civicbot(base)

    filed = civicbot_file(bot, key)
    number = filed["service_request_id"]

    assert "service_notice" in filed
    assert bot.get_request(number)["status"] == "open"
    assert number in [r["service_request_id"] for r in bot.list_requests(service_code="not_warm", status="open")]
    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=JURISDICTION, output_format=fmt)
        one = client.get_service_request(number)
        listed = as_list(client.get_service_requests(service_request_id=number))
        assert one["service_request_id"] == number
        assert one["agency_responsible"]
        assert one["address"] == "3号楼, 蓝爵小区, 回民区"
        assert [r["service_request_id"] for r in listed] == [number]
        assert_no_pii(str(one) + str(listed))


def test_an_uncertain_address_returns_a_token_that_civicbot_follows(server):
    base, key = server
    bot = civicbot(base)

    filed = civicbot_file(bot, key, address_string="不存在的小区9号楼")

    assert "service_request_id" not in filed
    assert bot.get_token(filed["token"]) == [{"service_request_id": None, "token": filed["token"]}]


def test_the_libraries_see_the_spec_errors(server):
    base, _key = server
    with pytest.raises(HttpError) as refused:
        civicbot(base).create_request(
            "not_warm", dry_run=False, confirm="SEND", api_key="bad", address_string="蓝爵小区", phone="13900000000"
        )
    assert refused.value.status == 403
    with pytest.raises(requests.HTTPError) as missing:
        GeoReport(base, jurisdiction=JURISDICTION, output_format="xml").get_service_definition("pothole")
    assert missing.value.response.status_code == 404
    assert_valid_xml(missing.value.response.content, "errors")


def test_every_xml_response_of_the_live_server_is_valid(server):
    base, key = server
    form = {
        "api_key": key,
        "jurisdiction_id": JURISDICTION,
        "service_code": "leak",
        "address_string": "回民区蓝爵小区3号楼",
        "attribute[leak_place]": "indoor",
        **CONTACT,
    }
    posted = requests.post(f"{base}/requests.xml", data=form, timeout=10)
    number = assert_valid_xml(posted.content, "service_requests").findtext("request/service_request_id")
    uncertain = requests.post(f"{base}/requests.xml", data={**form, "address_string": "无名地"}, timeout=10)
    token = assert_valid_xml(uncertain.content).findtext("request/token")
    paths = {
        "discovery": "discovery",
        "services": "services",
        "services/leak": "service_definition",
        "services/other": "service_definition",
        "requests": "service_requests",
        f"requests/{number}": "service_requests",
        f"tokens/{token}": "service_requests",
        "requests/NOPE": "errors",
        "services.xml?jurisdiction_id=elsewhere": "errors",
    }
    for path, root in paths.items():
        url = f"{base}/{path}" if ".xml" in path else f"{base}/{path}.xml"
        response = requests.get(url, timeout=10)
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        assert_valid_xml(response.content, root)
        assert_no_pii(response.text)


def test_a_request_filed_through_open311_runs_the_whole_loop_and_shows_closed(server):
    base, key = server
    number = civicbot_file(civicbot(base), key)["service_request_id"]
    operator, station = User.objects.get(username="80725"), User.objects.get(username="station-cf-qiaokao")

    open311_ticket_take(actor=operator, number=number)
    ticket_act(actor=station, number=number, action="accept")
    ticket_act(actor=station, number=number, action="arrive", payload={"indoor_temp": "15"})
    ticket_act(actor=station, number=number, action="resolve", payload={"cause": "air_lock", "indoor_temp": "20"})
    middle = GeoReport(base, jurisdiction=JURISDICTION).get_service_request(number)
    ticket_act(
        actor=operator,
        number=number,
        action="callback",
        payload={"reached": True, "contacted": True, "fixed": True, "satisfaction": "satisfied"},
    )

    assert middle["status"] == "open"
    assert "回访" in middle["status_notes"]
    for fmt in ("json", "xml"):
        done = GeoReport(base, jurisdiction=JURISDICTION, output_format=fmt).get_service_request(number)
        assert done["status"] == "closed"
        assert_no_pii(str(done))
    closed = as_list(
        GeoReport(base, jurisdiction=JURISDICTION, output_format="xml").get_service_requests(status="closed")
    )
    assert [r["service_request_id"] for r in closed] == [number]


def test_three_discovers_posts_and_follows_in_json(server):
    """`three` 0.8.0 is Python 2 code whose only break on Python 3 is the import of `itertools.ifilter`;
    that one name is provided (as the builtin `filter`), the library itself runs unchanged."""
    import itertools

    itertools.ifilter = filter  # type: ignore[attr-defined]
    from three import Three

    base, key = server
    client = Three(base, format="json", jurisdiction=JURISDICTION, api_key=key)

    discovery = client.discovery()
    services = client.services()
    posted = client.post(
        "leak",
        address="回民区蓝爵小区3号楼2单元501",
        name="小明 欧阳",
        phone=CONTACT["phone"],
        description="暖气片接口漏水",
        **{"attribute[leak_place]": "indoor"},
    )
    number = posted[0]["service_request_id"]
    followed = client.request(number)
    listed = client.requests("leak")

    assert discovery["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert [s["service_code"] for s in services][1] == "leak"
    assert followed[0]["status"] == "open"
    assert [r["service_request_id"] for r in listed] == [number]
    assert_no_pii(str(followed) + str(listed))
