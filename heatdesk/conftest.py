"""Fixtures shared by every app's tests: the demo city, API clients, and a real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hashers, get_hashers_by_algorithm
from django.test import Client

from heatdesk.demo import DEMO_PASSWORD, demo_seed

CHROMIUM = "/usr/bin/chromium"


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """The production algorithm with few iterations: hashes stay verifiable by a real server process."""

    iterations = 1000


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["heatdesk.conftest.FastPBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture
def demo_city(db):
    """The seeded demo city and its demo accounts."""
    return demo_seed()


class ApiClient:
    """A Django test client that speaks JSON to /api/v1 with a bearer token."""

    def __init__(self, token: str | None = None, headers: dict[str, str] | None = None) -> None:
        self.client = Client()
        self.headers = dict(headers or {})
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, body=None, headers=None, **kwargs):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        all_headers = {**self.headers, **(headers or {})}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(self.client, method)(url, headers=all_headers, **kwargs)

    def get(self, path, **kwargs):
        return self._call("get", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self._call("post", path, body if body is not None else {}, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self._call("put", path, body, **kwargs)


def _token(username: str, password: str = DEMO_PASSWORD) -> str:
    response = Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def api_as(demo_city) -> Callable[[str], ApiClient]:
    """api_as("80725") → an ApiClient signed in as that demo account."""
    cache: dict[str, ApiClient] = {}

    def make(username: str) -> ApiClient:
        if username not in cache:
            cache[username] = ApiClient(_token(username))
        return cache[username]

    return make


@pytest.fixture
def anonymous_api() -> ApiClient:
    return ApiClient()


def browser_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright. Skips locally when absent; CI requires it."""
    if not browser_available():
        if os.environ.get("CI") or os.environ.get("HEATDESK_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests need Debian chromium at {CHROMIUM}")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir():
    """Where browser tests leave screenshots; kept out of the repo (see .gitignore)."""
    path = os.environ.get("HEATDESK_SCREENSHOT_DIR") or os.path.join(os.getcwd(), "artifacts", "screenshots")
    os.makedirs(path, exist_ok=True)
    return path


PHONE_WIDTH = 600  # narrower viewports are phones: touch and mobile layout


@pytest.fixture
def open_as(browser, live_server):
    """open_as("80725", {"width": 390, "height": 844}) → a page signed in through the login form, at that size
    (the demo city seeded); a phone-sized viewport is a touch phone."""
    demo_seed()
    contexts = []

    def make(username: str, viewport: dict | None = None, locale: str = "zh-CN"):
        viewport = viewport or {"width": 1280, "height": 800}
        phone = viewport["width"] < PHONE_WIDTH
        context = browser.new_context(viewport=viewport, locale=locale, is_mobile=phone, has_touch=phone)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(8000)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名或工号").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("domcontentloaded")
        return page

    yield make
    for context in contexts:
        context.close()
