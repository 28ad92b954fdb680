"""Sign-in throttling (issue 11, defects 3 and 6): one credential check behind every login path; a
(name, address) pair is locked, an address slowed, a name never locked for everyone; X-Forwarded-For
is believed only from trusted proxies."""

import pytest
from django.test import Client, RequestFactory, override_settings

from heatdesk.accounts.models import LoginFailure
from heatdesk.accounts.signin import ADDRESS_LIMIT, PAIR_LIMIT
from heatdesk.core.http import client_address

GOOD = "heatdesk-demo"


def _token(username, password, address="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": address}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json", **extra
    )


def _admin_login(client, username, password, address="10.0.0.1"):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_user_locked_out_on_the_login_page_is_locked_out_of_the_admin_too(demo_city):
    for _ in range(PAIR_LIMIT):
        Client().post("/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    client = Client()
    response = _admin_login(client, "admin", GOOD)
    assert response.status_code == 200  # the form again, not the redirect into the admin
    assert "_auth_user_id" not in client.session
    assert "登录失败次数过多" in response.content.decode()


def test_wrong_passwords_on_the_admin_count_against_the_api(demo_city):
    client = Client()
    for _ in range(PAIR_LIMIT):
        assert _admin_login(client, "admin", "wrong").status_code == 200
    assert _token("admin", GOOD).status_code == 429


def test_the_admin_still_signs_in_with_the_right_password(demo_city):
    client = Client()
    response = _admin_login(client, "admin", GOOD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_locked_pair_does_not_lock_the_user_out_from_another_address(demo_city):
    for _ in range(PAIR_LIMIT):
        assert _token("lead", "no", address="10.0.0.66").status_code == 401
    refused = _token("lead", GOOD, address="10.0.0.66")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert _token("lead", GOOD, address="10.0.0.7").status_code == 200  # the lead at their own desk


def test_an_address_guessing_many_names_is_slowed_down(demo_city):
    for n in range(ADDRESS_LIMIT):
        assert _token(f"guess-{n}", "no", address="10.0.0.66").status_code == 401
    assert _token("80725", GOOD, address="10.0.0.66").status_code == 429
    assert _token("80725", GOOD, address="10.0.0.7").status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(demo_city):
    for n in range(ADDRESS_LIMIT):
        _token(f"guess-{n}", "no", address="10.0.0.66", forwarded=f"198.51.100.{n}")
    assert _token("80725", GOOD, address="10.0.0.66", forwarded="198.51.100.200").status_code == 429


def test_a_forged_forwarded_for_cannot_lock_out_a_victims_address(demo_city):
    for _ in range(PAIR_LIMIT):
        _token("lead", "no", address="10.0.0.66", forwarded="10.0.0.7")
    assert _token("lead", GOOD, address="10.0.0.7").status_code == 200


@override_settings(HEATDESK_TRUSTED_PROXIES=["10.0.0.1"])
def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(demo_city):
    for _ in range(PAIR_LIMIT):
        _token("lead", "no", address="10.0.0.1", forwarded="203.0.113.9")
    assert _token("lead", GOOD, address="10.0.0.1", forwarded="203.0.113.9").status_code == 429
    assert _token("lead", GOOD, address="10.0.0.1", forwarded="203.0.113.10").status_code == 200


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        ([], "10.0.0.5", "1.2.3.4", "10.0.0.5"),
        (["10.0.0.1"], "10.0.0.5", "1.2.3.4", "10.0.0.5"),
        (["10.0.0.1"], "10.0.0.1", "1.2.3.4", "1.2.3.4"),
        (["10.0.0.1"], "10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the client may prepend anything
        (["10.0.0.0/8"], "10.0.0.1", "1.2.3.4, 10.9.9.9", "1.2.3.4"),  # two trusted proxies in a row
        (["10.0.0.1"], "10.0.0.1", "", "10.0.0.1"),
        (["::1"], "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address_believes_forwarded_for_only_from_trusted_proxies(trusted, remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(HEATDESK_TRUSTED_PROXIES=trusted):
        assert client_address(request) == expected


def test_a_success_clears_its_own_pair_only(demo_city):
    for _ in range(2):
        _token("lead", "no", address="10.0.0.66")
    _token("80725", "no", address="10.0.0.66")
    assert _token("lead", GOOD, address="10.0.0.66").status_code == 200
    assert not LoginFailure.objects.filter(username="lead").exists()
    assert LoginFailure.objects.filter(username="80725").count() == 1


def test_a_refused_attempt_does_not_extend_the_lock(demo_city, time_machine):
    time_machine.move_to("2026-12-01 08:00:00+08:00", tick=False)
    for _ in range(PAIR_LIMIT):
        _token("lead", "no")
    time_machine.move_to("2026-12-01 08:14:00+08:00", tick=False)
    assert _token("lead", "no").status_code == 429
    time_machine.move_to("2026-12-01 08:15:30+08:00", tick=False)
    assert _token("lead", GOOD).status_code == 200
