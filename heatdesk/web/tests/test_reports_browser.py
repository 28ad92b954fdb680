"""The reports page at the desk's size (1366×768): a download says 正在生成… while the file is built, then
hands it over; a refused download is explained on the page, in the page's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import expect

from heatdesk.demo import DEMO_PASSWORD, demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESK = {"width": 1366, "height": 768}
PERIOD = "from=2026-12-01&to=2026-12-01"


@pytest.fixture
def reports_page(browser, live_server):
    demo_seed()
    contexts = []

    def make(username: str, language: str = "zh-hans"):
        context = browser.new_context(viewport=DESK, accept_downloads=True)
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(8000)
        page.goto(f"{live_server.url}/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("button.primary[type=submit]").click()
        page.wait_for_load_state("domcontentloaded")
        page.goto(f"{live_server.url}/reports/?{PERIOD}")
        return page

    yield make
    for context in contexts:
        context.close()


def test_a_download_shows_it_is_being_generated_then_hands_over_the_file(reports_page):
    page = reports_page("lead")
    held = []
    page.route("**/reports/export/**", lambda route: held.append(route))  # the server "is still building"
    button = page.locator("a[data-export]").first
    label = button.inner_text()
    button.click()
    expect(button).to_have_text("正在生成…")
    expect(button).to_have_attribute("aria-busy", "true")
    with page.expect_download() as download:
        held[0].continue_()
    assert download.value.suggested_filename == "heatdesk-season-2026-12-01-2026-12-01.xlsx"
    expect(button).to_have_text(label)
    expect(page.locator("[data-export-error]")).to_be_hidden()


@pytest.mark.parametrize(
    ("language", "busy", "said", "not_said"),
    [
        ("en", "Generating…", "from is after to", "开始日期"),
        ("zh-hans", "正在生成…", "开始日期晚于结束日期", "from is"),
    ],
)
def test_a_refused_download_is_explained_in_the_pages_language(
    reports_page, screenshot_dir, language, busy, said, not_said
):
    page = reports_page("lead", language)
    # The server refuses this download (its period runs backwards) once the button was pressed.
    page.route(
        "**/reports/export/**",
        lambda route: route.continue_(url=route.request.url.replace("from=2026-12-01", "from=2026-12-09")),
    )
    button = page.locator("a[data-export]").last
    assert button.get_attribute("data-busy-label") == busy
    button.click()
    error = page.locator("[data-export-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(said)
    expect(error).not_to_contain_text(not_said)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
    page.screenshot(path=f"{screenshot_dir}/reports-error-{language}.png")
