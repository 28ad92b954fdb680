"""Bearer tokens can be revoked (issue 11, defect 7): logout, a password change, a deactivation; a
missing or bad token is 401 on every method, never a CSRF 403."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from heatdesk.accounts.models import ApiToken, User
from heatdesk.accounts.services import user_deactivate, user_password_set, user_upsert
from heatdesk.conftest import ApiClient, _token


def test_logout_revokes_the_callers_token_only(demo_city):
    first, second = _token("80725"), _token("80725")
    response = ApiClient(first).post("auth/logout")
    assert response.status_code == 204
    assert ApiClient(first).get("me").status_code == 401
    assert ApiClient(second).get("me").status_code == 200


def test_logout_without_a_token_is_a_401(db):
    assert ApiClient().post("auth/logout").status_code == 401
    assert ApiClient("not-a-token").post("auth/logout").status_code == 401


def test_a_password_change_revokes_every_token_of_the_user(demo_city):
    token = _token("80725")
    other = _token("80720")
    user = User.objects.get(username="80725")
    user.set_password("a-brand-new-password")  # any path: admin form, changepassword, shell
    user.save()
    assert ApiClient(token).get("me").status_code == 401
    assert ApiClient(other).get("me").status_code == 200
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_password_service_and_upsert_revoke_tokens(demo_city):
    token = _token("80725")
    user_password_set(user=User.objects.get(username="80725"), password="another-new-password")
    assert ApiClient(token).get("me").status_code == 401
    token = _token("80725", "another-new-password")
    user_upsert(username="80725", role="operator", password="yet-another-password", job_number="80725")
    assert ApiClient(token).get("me").status_code == 401


def test_a_deactivated_user_stays_signed_out_after_reactivation(demo_city):
    token = _token("80725")
    user = User.objects.get(username="80725")
    user_deactivate(user=user)
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert ApiClient(token).get("me").status_code == 401


def test_deactivating_a_user_in_the_admin_revokes_their_tokens(demo_city):
    token = _token("80725")
    user = User.objects.get(username="80725")
    user.is_active = False
    request = RequestFactory().post("/admin/accounts/user/")
    request.user = User.objects.get(username="admin")
    admin.site._registry[User].save_model(request, user, form=None, change=True)
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert ApiClient(token).get("me").status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "tickets", None),
        ("post", "tickets", {"caller_phone": "13800000000", "address": "蓝爵小区3号楼2单元501"}),
        ("put", "sla/policy", []),
        ("post", "tickets/HD0/urge", {"note": "x"}),
        ("post", "auth/logout", None),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-token", ""])
def test_a_missing_or_bad_token_is_401_on_every_method(db, method, path, body, token):
    client = ApiClient(token)
    client.client = Client(enforce_csrf_checks=True)  # as a real client: CSRF is enforced
    if token == "":
        client.headers["Authorization"] = "Bearer"
    response = getattr(client, method)(path, body) if body is not None else getattr(client, method)(path)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_bad_token_beside_a_signed_in_session_is_still_401(demo_city):
    client = Client()
    client.force_login(User.objects.get(username="80725"))
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401


def test_a_signed_in_session_still_needs_the_csrf_token_to_write(demo_city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="80725"))
    assert client.get("/api/v1/me").status_code == 200
    assert client.post("/api/v1/auth/logout").status_code == 403
