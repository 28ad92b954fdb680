import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_logs_in_through_the_chinese_login_page(browser, live_server, screenshot_dir):
    from heatdesk.demo import demo_seed

    demo_seed()
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    assert page.get_by_role("heading", name="登录供热专席").is_visible()
    page.screenshot(path=f"{screenshot_dir}/login-desktop.png")
    page.get_by_label("用户名或工号").fill("80725")
    page.get_by_label("密码").fill("heatdesk-demo")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/desk/")  # an operator lands on the desk
    assert "80725" in page.locator(".who").inner_text()
    page.screenshot(path=f"{screenshot_dir}/home-operator.png")
    page.close()


def test_a_wrong_password_shows_a_chinese_error(browser, live_server):
    from heatdesk.demo import demo_seed

    demo_seed()
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名或工号").fill("80725")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().startswith("用户名或密码错误")
    page.close()


def test_an_english_browser_still_gets_chinese_until_it_switches(client, db):
    page = client.get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "登录供热专席" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "登录供热专席" not in client.get("/login/").content.decode()
