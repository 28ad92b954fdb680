import pytest

from heatdesk.accounts.models import LoginFailure
from heatdesk.accounts.signin import PAIR_LIMIT as MAX_FAILURES_PER_USERNAME
from heatdesk.conftest import ApiClient
from heatdesk.core.errors import ErrorCode


def test_health_checks_the_database(anonymous_api, db):
    response = anonymous_api.get("health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_good_password_gets_a_bearer_token_that_works(demo_city, anonymous_api):
    response = anonymous_api.post("auth/token", {"username": "80725", "password": "heatdesk-demo"})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = ApiClient(body["token"]).get("me")
    assert me.status_code == 200
    assert me.json()["username"] == "80725"
    assert me.json()["roles"] == ["operator"]


def test_a_wrong_password_is_a_401_with_the_error_json(demo_city, anonymous_api):
    response = anonymous_api.post("auth/token", {"username": "80725", "password": "wrong"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "invalid_credentials"
    assert "密码" in error["message"]
    assert "password" in error["message"]


def test_repeated_failures_are_throttled_even_with_the_right_password(demo_city, anonymous_api):
    for _ in range(MAX_FAILURES_PER_USERNAME):
        assert anonymous_api.post("auth/token", {"username": "lead", "password": "no"}).status_code == 401
    response = anonymous_api.post("auth/token", {"username": "lead", "password": "heatdesk-demo"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    other = anonymous_api.post("auth/token", {"username": "80720", "password": "heatdesk-demo"})
    assert other.status_code == 200


def test_throttling_ends_after_the_window(demo_city, anonymous_api, time_machine):
    time_machine.move_to("2026-12-01 08:00:00+08:00", tick=False)
    for _ in range(MAX_FAILURES_PER_USERNAME):
        anonymous_api.post("auth/token", {"username": "lead", "password": "no"})
    assert anonymous_api.post("auth/token", {"username": "lead", "password": "heatdesk-demo"}).status_code == 429
    time_machine.move_to("2026-12-01 08:16:00+08:00", tick=False)
    assert anonymous_api.post("auth/token", {"username": "lead", "password": "heatdesk-demo"}).status_code == 200
    assert not LoginFailure.objects.filter(username="lead").exists()


def test_malformed_token_request_is_a_422_not_a_500(anonymous_api, db):
    response = anonymous_api.post("auth/token", {"username": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_me_needs_authentication(anonymous_api, db):
    response = anonymous_api.get("me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert ApiClient("not-a-token").get("me").status_code == 401


@pytest.mark.parametrize(
    ("username", "role", "stations", "companies"),
    [
        ("80725", "operator", [], []),
        ("lead", "desk_lead", [], []),
        ("regulator", "regulator", [], []),
        ("station-ft-guanghua", "station", ["ft-guanghua"], ["futai"]),
        ("company-chengfa", "company", ["cf-jinqiao", "cf-qiaokao", "cf-xincheng"], ["chengfa"]),
    ],
)
def test_me_reports_role_and_scope_codes(api_as, username, role, stations, companies):
    body = api_as(username).get("me").json()
    assert body["roles"] == [role]
    assert body["scope"]["stations"] == stations
    assert body["scope"]["companies"] == companies
    assert body["scope"]["everything"] is (role in {"operator", "desk_lead", "regulator"})


def test_geo_lists_stations_and_companies_with_codes(api_as):
    api = api_as("80725")
    stations = api.get("geo/stations").json()
    assert {"cf-qiaokao", "ft-linzhannanlu"} <= {s["code"] for s in stations}
    assert all(s["company"]["code"] for s in stations)
    companies = api.get("geo/companies").json()
    assert {c["name"] for c in companies} >= {"城发热力", "富泰热力"}


def test_openapi_docs_are_served(anonymous_api, db):
    assert anonymous_api.get("/api/v1/openapi.json").status_code == 200
    assert anonymous_api.get("/api/v1/docs").status_code == 200


def test_every_demo_account_logs_in_and_me_reports_its_role_and_scope(demo_city, anonymous_api):
    from heatdesk.demo import demo_accounts

    for account in demo_accounts():
        token = anonymous_api.post("auth/token", {"username": account["username"], "password": "heatdesk-demo"})
        assert token.status_code == 200, account["username"]
        me = ApiClient(token.json()["token"]).get("me").json()
        assert me["roles"] == [str(account["role"])]
        for kind, key in (("station", "stations"), ("company", "companies"), ("community", "communities")):
            if account.get(kind) is not None:
                assert account[kind].code in me["scope"][key]


def test_the_openapi_document_lists_every_error_code_in_the_error_schema(anonymous_api, db):
    document = anonymous_api.get("/api/v1/openapi.json").json()

    schemas = document["components"]["schemas"]
    assert set(schemas["ErrorCode"]["enum"]) == set(ErrorCode)
    assert schemas["ErrorOut"]["properties"]["error"] == {"$ref": "#/components/schemas/ErrorBodyOut"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert any(status.startswith("4") for status in operation["responses"]), (method, path)
