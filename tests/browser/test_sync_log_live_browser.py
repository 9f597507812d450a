"""In a real browser, against both sandboxes over real HTTP: an invoice sent in the hub, drained
to QuickBooks Online and Xero, reads in the Sync Log by its number and customer, and its
"Open in the sandbox" links open that very invoice and customer in each sandbox's console."""

from __future__ import annotations

import pytest

from apps.sync.push import drain
from tests.browser.conftest import SCREENSHOTS, log_in
from tests.factories import UserFactory
from tests.sync.conftest import both, live_hub, live_org, sandboxes  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sync_log_links_open_the_records_in_each_sandbox(
    browser_page,
    sandboxes,  # noqa: F811 (the fixture)
    both,  # noqa: F811
    live_hub,  # noqa: F811
    settings,
):
    settings.SANDBOX_ENABLED = True
    invoice = live_hub.invoice()
    for integration in both:
        drain(integration)
    user = UserFactory(username="dora", organisation=live_hub.org)
    page = browser_page
    base = sandboxes.url
    log_in(page, base, user.username)
    page.goto(f"{base}/sync/log/?kind=invoice")
    label = f"{invoice.number} · {invoice.customer.display_name}"
    assert page.get_by_text(label).count() == 2  # pushed to both ledgers
    page.screenshot(path=str(SCREENSHOTS / "sync-log-live.png"), full_page=True)
    links = page.get_by_test_id("ledger-link")
    assert links.count() == 2
    for index in range(2):
        href = links.nth(index).get_attribute("href")
        console = page.context.new_page()
        console.goto(f"{base}{href}")
        assert invoice.number in console.content(), href
        console.screenshot(path=str(SCREENSHOTS / f"sync-log-live-console-{index}.png"))
        console.close()
    page.get_by_role("link", name=label).first.click()
    page.wait_for_url(lambda url: url.endswith(f"/invoices/{invoice.pk}/"))
