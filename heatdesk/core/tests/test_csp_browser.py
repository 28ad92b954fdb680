"""Under the Content-Security-Policy the pages still work in a real browser: the charts draw, HTMX
swaps, and chromium reports no violation (issue 11, defect 18)."""

import pytest

from heatdesk.demo import DEMO_PASSWORD, demo_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("username", "path"), [("lead", "/reports/"), ("lead", "/wall/"), ("80725", "/desk/")])
def test_pages_run_under_the_policy_without_violations(browser, live_server, username, path):
    demo_seed()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(8000)
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或工号").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    if path == "/reports/":  # the inline chart script runs by its nonce
        assert page.locator("canvas").count() > 0, "the charts did not draw"
    if page.locator("[data-chart]").count():  # the wall's chart, when it has stations to show
        assert page.locator("[data-chart] svg").count() > 0
    assert violations == []
    context.close()
