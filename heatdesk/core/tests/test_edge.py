"""The edge (issue 11, defects 10, 12, 18): NUL characters refused with 422 everywhere, oversized bodies
are a 413 in the error JSON, every response has a request id, server errors are logged with their
traceback and that id, and pages carry a Content-Security-Policy."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from heatdesk.conftest import ApiClient
from heatdesk.tickets.models import Ticket


def _invalid_characters(response):
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == "invalid_characters"


def test_a_nul_in_the_unauthenticated_token_request_is_a_422(db):
    _invalid_characters(ApiClient().post("auth/token", {"username": "lead\x00", "password": "x"}))
    _invalid_characters(ApiClient().post("auth/token", {"username": "lead", "password": "\x00"}))


def test_a_nul_in_a_ticket_is_refused_and_nothing_is_stored(api_as):
    before = Ticket.objects.count()
    body = {"caller_phone": "13800000000", "address": "蓝爵小区3号楼2单元501", "description": "漏水\x00"}
    _invalid_characters(api_as("80725").post("tickets", body))
    assert Ticket.objects.count() == before


def test_a_nul_in_a_json_key_is_refused(api_as):
    raw = '{"caller_phone": "13800000000", "a\\u0000": 1}'
    response = api_as("80725").client.post(
        "/api/v1/tickets", raw, content_type="application/json", headers=api_as("80725").headers
    )
    _invalid_characters(response)


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(db):
    response = ApiClient().post("auth/token", {"username": "lead", "password": "\\u0000"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    ["tickets?q=%00", "tickets?status=received&phone=12%0034", "geo/resolve?address=%E8%93%9D%00", "tickets/HD%00"],
)
def test_a_nul_in_the_query_or_path_is_a_422(api_as, path):
    _invalid_characters(api_as("80725").get(path))


def test_a_nul_in_a_form_field_is_a_422(db):
    response = Client().post("/api/v1/auth/token", {"username": "lead\x00", "password": "x"})
    _invalid_characters(response)


def test_a_nul_in_a_page_query_is_refused_not_a_500(db):
    response = Client().get("/login/?next=%00")
    assert response.status_code == 422


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_api_body_is_a_413_in_the_error_json(db):
    response = ApiClient().post("auth/token", {"username": "lead", "password": "x" * 5000})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_every_response_has_a_request_id_and_a_good_incoming_one_is_kept(db):
    generated = Client().get("/api/v1/health")["X-Request-ID"]
    assert len(generated) == 32
    kept = Client().get("/api/v1/health", headers={"X-Request-ID": "proxy-abc-12345"})
    assert kept["X-Request-ID"] == "proxy-abc-12345"
    junk = Client().get("/api/v1/health", headers={"X-Request-ID": "bad id\nforged log line"})
    assert junk["X-Request-ID"] != "bad id\nforged log line"


def test_an_api_server_error_is_logged_with_traceback_and_request_id(api_as, monkeypatch, caplog):
    client = api_as("80725")

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("heatdesk.api.routers.accounts.selectors.user_scope", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("me")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "server_error"
    request_id = response["X-Request-ID"]
    assert error["details"]["request_id"] == request_id
    logged = [record for record in caplog.records if record.exc_info and "boom" in str(record.exc_info[1])]
    assert logged, "the traceback was not logged"
    assert logged[0].request_id == request_id


def test_a_page_server_error_is_logged_with_traceback_and_request_id(demo_city, monkeypatch, caplog):
    from heatdesk.accounts.models import User

    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="regulator"))

    def broken(*args, **kwargs):
        raise RuntimeError("page boom")

    monkeypatch.setattr("heatdesk.web.views.workspace_url", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    logged = [record for record in caplog.records if record.exc_info and "page boom" in str(record.exc_info[1])]
    assert logged
    assert logged[0].name == "django.request"
    assert logged[0].request_id == response["X-Request-ID"]


def test_pages_carry_a_content_security_policy_that_allows_only_our_scripts(db):
    policy = Client().get("/login/")["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_inline_chart_script_carries_the_nonce_of_the_policy(demo_city):
    from heatdesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="lead"))
    response = client.get("/reports/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    page = response.content.decode()
    assert f'<script nonce="{nonce}">' in page
    assert "<script>" not in page


def _settings_under(env: dict) -> dict:
    code = (
        "import json, heatdesk.settings as s;"
        "print(json.dumps({k: getattr(s, k, None) for k in ("
        "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER',"
        "'HEATDESK_TRUSTED_PROXIES')}))"
    )
    environment = {**os.environ, **env}
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_secure_cookies_and_hsts_behind_tls(tmp_path):
    secure = _settings_under({"HEATDESK_SECURE_COOKIES": "true", "HEATDESK_DATA_DIR": str(tmp_path)})
    assert secure["SESSION_COOKIE_SECURE"] is True
    assert secure["CSRF_COOKIE_SECURE"] is True
    assert secure["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert secure["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    plain = _settings_under(
        {"HEATDESK_SECURE_COOKIES": "false", "HEATDESK_DATA_DIR": str(tmp_path), "HEATDESK_TRUSTED_PROXIES": "10.0.0.1"}
    )
    assert not plain["SESSION_COOKIE_SECURE"]
    assert not plain["SECURE_HSTS_SECONDS"]
    assert plain["HEATDESK_TRUSTED_PROXIES"] == ["10.0.0.1"]
