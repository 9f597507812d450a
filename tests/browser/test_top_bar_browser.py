"""In a real browser: the favicon, the skip link, a focus ring on the top bar, Settings as one
menu, and the top bar collapsed behind a menu button on a phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_keyboard_user_skips_to_main_content_and_sees_where_focus_is(browser_page, sandbox, alice):
    page = browser_page
    log_in(page, sandbox, alice.username)
    page.goto(f"{sandbox}/customers/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.bounding_box()["y"] >= 0, "the skip link comes into view when focused"
    page.screenshot(path=str(SCREENSHOTS / "top-bar-skip-link.png"))
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.locator(".brand").focus()
    page.keyboard.press("Tab")  # from the brand to the next link of the top bar, by keyboard
    focused = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [document.activeElement.textContent.trim(), s.outlineStyle, s.outlineWidth]; }"
    )
    assert focused[1:] == ["solid", "3px"], focused
    page.screenshot(path=str(SCREENSHOTS / "top-bar-focus-ring.png"))


def test_settings_is_one_menu_and_the_favicon_is_served(browser_page, sandbox, alice):
    page = browser_page
    log_in(page, sandbox, alice.username)
    icon = page.locator("link[rel=icon]").get_attribute("href")
    response = page.request.get(f"{sandbox}{icon}")
    assert response.ok and "svg" in response.headers["content-type"]
    assert not page.get_by_role("link", name="Invoice Settings").is_visible()
    page.get_by_test_id("settings-menu").locator("summary").click()
    for name in ("Integrations", "Invoice Settings", "Quote Settings", "Organisation"):
        assert page.get_by_role("link", name=name, exact=True).is_visible(), name
    page.screenshot(path=str(SCREENSHOTS / "top-bar-settings-menu.png"))
    page.locator("h1").click()  # a click elsewhere closes it
    assert not page.get_by_role("link", name="Invoice Settings").is_visible()
    page.get_by_test_id("settings-menu").locator("summary").click()
    page.get_by_role("link", name="Quote Settings").click()
    page.wait_for_url(lambda url: url.endswith("/settings/quotes/"))
    assert "current" in page.get_by_test_id("settings-menu").locator("summary").get_attribute(
        "class"
    )


def test_phone_shows_a_menu_button_that_opens_the_links(browser_page, sandbox, alice):
    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, sandbox, alice.username)
    menu = page.get_by_test_id("menu-button")
    customers = page.locator("#main-nav").get_by_role("link", name="Customers")
    assert menu.is_visible() and not customers.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "top-bar-phone-closed.png"))
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true" and customers.is_visible()
    page.get_by_test_id("settings-menu").locator("summary").click()
    page.screenshot(path=str(SCREENSHOTS / "top-bar-phone-open.png"), full_page=True)
    customers.click()
    page.wait_for_url(lambda url: url.endswith("/customers/"))


def test_phone_without_javascript_keeps_the_links_in_view(browser_page, sandbox, alice):
    page = browser_page
    page.context.close()
    browser = page.context.browser
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, sandbox, alice.username)
    assert not page.get_by_test_id("menu-button").is_visible()
    assert page.locator("#main-nav").get_by_role("link", name="Customers").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "top-bar-phone-no-js.png"), full_page=True)
    context.close()
