"""The GeoReport v2 endpoints through Django's test client: shapes, errors, intake rules, privacy."""

from __future__ import annotations

import json

import pytest

from heatdesk.accounts.models import User
from heatdesk.geo.models import Compound
from heatdesk.open311.models import Open311Client, Open311Submission, RateWindow
from heatdesk.open311.services import open311_submission_confirm, open311_ticket_take
from heatdesk.open311.tests.conftest import CONTACT, LANJUE, assert_no_pii, assert_valid_xml
from heatdesk.tickets.models import Ticket
from heatdesk.tickets.states import TicketStatus

V2 = "/open311/v2"


def post(client, fmt="json", **form):
    return client.post(f"{V2}/requests.{fmt}", form)


def file_request(client, api_key, fmt="json", attributes=None, **extra):
    form = {
        "api_key": api_key,
        "service_code": "not_warm",
        "address_string": "回民区蓝爵小区3号楼2单元501",
        "description": "暖气片只有上面热",
        **(
            attributes
            if attributes is not None
            else {"attribute[indoor_temp]": "15.5", "attribute[scope]": "whole_home"}
        ),
        **CONTACT,
        **extra,
    }
    return post(client, fmt, **form)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_list_every_category_with_chinese_names(client, demo_city, fmt):
    response = client.get(f"{V2}/services.{fmt}")

    assert response.status_code == 200
    if fmt == "xml":
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        document = assert_valid_xml(response.content, "services")
        codes = [service.findtext("service_code") for service in document.findall("service")]
        assert document.find("service/service_name").text == "暖气不热"
    else:
        assert response["Content-Type"] == "application/json; charset=utf-8"
        codes = [service["service_code"] for service in response.json()]
        assert response.json()[0]["metadata"] is True
    assert codes == ["not_warm", "leak", "no_heat", "below_standard", "billing", "service_change", "other"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_asks_for_the_indoor_temperature(client, demo_city, fmt):
    response = client.get(f"{V2}/services/below_standard.{fmt}")

    assert response.status_code == 200
    if fmt == "xml":
        document = assert_valid_xml(response.content, "service_definition")
        assert document.findtext("attributes/attribute/code") == "indoor_temp"
        assert document.findtext("attributes/attribute/required") == "true"
    else:
        attribute = response.json()["attributes"][0]
        assert (attribute["code"], attribute["datatype"], attribute["required"], attribute["order"]) == (
            "indoor_temp",
            "number",
            True,
            1,
        )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_v2_endpoint_and_both_formats(client, demo_city, fmt):
    response = client.get(f"{V2}/discovery.{fmt}")

    assert response.status_code == 200
    if fmt == "xml":
        document = assert_valid_xml(response.content, "discovery")
        assert [f.text for f in document.findall("endpoints/endpoint/formats/format")] == [
            "text/xml",
            "application/json",
        ]
    else:
        endpoint = response.json()["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/services.json?jurisdiction_id=beijing.12345", 404),
        ("/services/no_such_service.json", 404),
        ("/requests/NOPE-1.json", 404),
        ("/tokens/nope.json", 404),
        ("/requests.json?status=half", 400),
        ("/requests.json?start_date=yesterday", 400),
        ("/requests.json?end_date=2026-13-45T00:00:00Z", 400),
        ("/requests.json?start_date=2026-02-30", 400),
        ("/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
        ("/nothing-here.json", 404),
    ],
)
def test_errors_are_the_spec_list_with_a_4xx_status(client, demo_city, path, status):
    for fmt in ("json", "xml"):
        response = client.get(V2 + path.replace(".json", f".{fmt}"))

        assert response.status_code == status, response.content
        if fmt == "xml":
            document = assert_valid_xml(response.content, "errors")
            assert document.findtext("error/code") == str(status)
        else:
            body = response.json()
            assert isinstance(body, list)
            assert body[0]["code"] == status
            assert body[0]["description"]


def test_the_configured_jurisdiction_is_accepted(client, demo_city):
    assert client.get(f"{V2}/services.json?jurisdiction_id=hohhot.12345").status_code == 200


@pytest.mark.parametrize("key", ["", "wrong-key"])
def test_post_without_a_valid_key_is_403_and_files_nothing(client, demo_city, key):
    response = file_request(client, key, fmt="xml")

    assert response.status_code == 403
    assert_valid_xml(response.content, "errors")
    assert not Ticket.objects.exists()
    assert not Open311Submission.objects.exists()


def test_a_revoked_key_is_refused(client, demo_city, api_key):
    Open311Client.objects.update(is_active=False)

    assert file_request(client, api_key).status_code == 403


def test_bad_post_lists_every_problem_and_files_nothing(client, demo_city, api_key):
    response = post(client, api_key=api_key, service_code="below_standard", email="not-an-email")

    assert response.status_code == 400
    descriptions = " ".join(error["description"] for error in response.json())
    for word in ("indoor_temp", "location", "phone", "email"):
        assert word in descriptions
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"attribute[indoor_temp]": "NaN", "attribute[scope]": "whole_home"},
        {"attribute[indoor_temp]": "16", "attribute[scope]": "the_moon"},
        {"attribute[colour]": "red"},
        {"lat": "nan", "long": "111.6"},
        {"lat": "40.8"},
        {"media_url": "javascript:alert(1)"},
    ],
)
def test_bad_attributes_and_coordinates_are_400(client, demo_city, api_key, extra):
    attributes = {k: v for k, v in extra.items() if k.startswith("attribute")}
    fields = {k: v for k, v in extra.items() if not k.startswith("attribute")}

    response = file_request(client, api_key, attributes=attributes or None, **fields)

    assert response.status_code == 400, response.content
    assert not Ticket.objects.exists()


def test_an_unknown_service_code_is_404_and_a_missing_one_400(client, demo_city, api_key):
    assert file_request(client, api_key, service_code="pothole").status_code == 404
    assert file_request(client, api_key, service_code="").status_code == 400


def test_a_certain_address_becomes_a_ticket_owned_by_intake_until_an_operator_takes_it(client, demo_city, api_key):
    response = file_request(client, api_key)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    ticket = Ticket.objects.get(number=body[0]["service_request_id"])
    assert (ticket.channel, ticket.status, ticket.owner.username) == ("app", "received", "open311-intake")
    assert (ticket.compound.code, ticket.building, ticket.unit, ticket.room) == (LANJUE, "3", "2", "501")
    assert ticket.station.code == "cf-qiaokao"
    assert ticket.caller_phone == CONTACT["phone"]
    assert "15.5" in ticket.description

    operator = User.objects.get(username="80725")
    taken = open311_ticket_take(actor=operator, number=ticket.number)

    assert (taken.owner.username, taken.status) == ("80725", TicketStatus.DISPATCHED)
    assert list(taken.events.values_list("kind", flat=True)) == ["create", "transfer", "dispatch"]


def test_an_uncertain_address_is_not_guessed_the_desk_confirms_it(client, demo_city, api_key):
    response = file_request(client, api_key, fmt="xml", address_string="某个不存在的地方7号楼")

    document = assert_valid_xml(response.content, "service_requests")
    assert document.find("request/service_request_id") is None
    token = document.findtext("request/token")
    assert "确认" in document.findtext("request/service_notice")
    assert not Ticket.objects.exists()
    assert client.get(f"{V2}/tokens/{token}.json").json() == [{"service_request_id": None, "token": token}]

    operator = User.objects.get(username="80720")
    ticket = open311_submission_confirm(actor=operator, token=token, compound=LANJUE, building="7")

    assert (ticket.owner.username, ticket.status, ticket.channel) == ("80720", "dispatched", "app")
    token_body = client.get(f"{V2}/tokens/{token}.xml")
    assert assert_valid_xml(token_body.content).findtext("request/service_request_id") == ticket.number


def test_the_same_idempotency_key_files_once(client, demo_city, api_key):
    first = file_request(client, api_key, idempotency_key="app-42").json()
    again = client.post(
        f"{V2}/requests.json",
        {
            "api_key": api_key,
            "service_code": "not_warm",
            "address_string": "回民区蓝爵小区3号楼2单元501",
            "description": "暖气片只有上面热",
            "attribute[indoor_temp]": "15.5",
            "attribute[scope]": "whole_home",
            **CONTACT,
        },
        headers={"Idempotency-Key": "app-42"},
    ).json()

    assert first == again
    assert Ticket.objects.count() == 1
    changed = file_request(client, api_key, idempotency_key="app-42", description="别的事")
    assert changed.status_code == 409


def test_lat_long_needs_coordinates_in_the_gazetteer(client, demo_city, api_key):
    response = file_request(client, api_key, address_string="", lat="40.81", long="111.66")

    assert response.status_code == 400
    assert "address_string" in response.json()[0]["description"]


def test_lat_long_goes_to_the_nearest_compound_within_reach(client, demo_city, api_key):
    Compound.objects.filter(code=LANJUE).update(lat=40.8100, lon=111.6600)
    Compound.objects.filter(pk=Compound.objects.exclude(code=LANJUE).first().pk).update(lat=40.8300, lon=111.7000)

    near = file_request(client, api_key, address_string="", lat="40.8105", long="111.6602").json()
    far = file_request(client, api_key, address_string="", lat="40.90", long="111.90").json()

    assert Ticket.objects.get(number=near[0]["service_request_id"]).compound.code == LANJUE
    assert "token" in far[0]


def test_get_requests_filters_and_never_shows_contact_details(client, demo_city, api_key):
    filed = file_request(client, api_key).json()[0]["service_request_id"]
    leak = file_request(client, api_key, service_code="leak", attributes={"attribute[leak_place]": "indoor"})
    assert leak.status_code == 200, leak.content

    for fmt in ("json", "xml"):
        every = client.get(f"{V2}/requests.{fmt}")
        one = client.get(f"{V2}/requests/{filed}.{fmt}")
        leaks = client.get(f"{V2}/requests.{fmt}?service_code=leak&status=open")
        for response in (every, one, leaks):
            assert response.status_code == 200
            assert_no_pii(response.content.decode())
            if fmt == "xml":
                assert_valid_xml(response.content, "service_requests")
    request = client.get(f"{V2}/requests/{filed}.json").json()[0]
    assert request["status"] == "open"
    assert request["address"] == "3号楼, 蓝爵小区, 回民区"
    assert request["agency_responsible"]
    assert request["expected_datetime"]
    assert "501" not in json.dumps(request, ensure_ascii=False)
    assert [r["service_code"] for r in client.get(f"{V2}/requests.json?service_code=leak").json()] == ["leak"]
    assert client.get(f"{V2}/requests.json?status=closed").json() == []
    by_ids = client.get(f"{V2}/requests.json?service_request_id={filed},NOPE&status=closed").json()
    assert [r["service_request_id"] for r in by_ids] == [filed]


def test_reads_and_posts_are_rate_limited(client, demo_city, api_key, settings):
    settings.HEATDESK_OPEN311_READ_LIMIT = 2
    settings.HEATDESK_OPEN311_POST_LIMIT = 1

    statuses = [client.get(f"{V2}/services.json").status_code for _ in range(3)]
    settings.HEATDESK_OPEN311_READ_LIMIT = 100
    first, second = file_request(client, api_key), file_request(client, api_key, description="再一次")

    assert statuses == [200, 200, 429]
    assert (first.status_code, second.status_code) == (200, 429)
    assert int(second["Retry-After"]) >= 1
    assert second.json()[0]["code"] == 429
    assert RateWindow.objects.count() == 2
