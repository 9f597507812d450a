"""The top bar: a skip link, the favicon, Settings as one menu, the Sandbox link only when the
sandbox is served."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _settings_menu(page: str) -> str:
    return re.search(r'<details class="nav-group".*?</details>', page, re.S).group(0)


def test_settings_pages_are_grouped_in_one_menu(as_alice):
    page = as_alice.get(reverse("dashboard")).content.decode()
    menu = _settings_menu(page)
    for href in ("/settings/integrations/", "/settings/invoices/", "/settings/quotes/"):
        assert f'href="{href}"' in menu, href
    assert 'href="/sync/log/"' not in menu and 'href="/customers/"' not in menu


@pytest.mark.parametrize("enabled", [True, False])
def test_sandbox_link_only_when_the_sandbox_is_on(as_alice, settings, enabled):
    settings.SANDBOX_ENABLED = enabled
    page = as_alice.get(reverse("dashboard")).content.decode()
    assert ('href="/sandbox/"' in page) is enabled


def test_every_page_has_a_skip_link_to_main_and_the_favicon(as_alice, client):
    for page in (
        as_alice.get(reverse("invoices:list")).content.decode(),
        client.get(reverse("login")).content.decode(),
    ):
        assert '<a class="skip-link" href="#main">Skip to main content</a>' in page
        assert 'id="main"' in page
        assert 'rel="icon" href="/static/img/favicon.svg"' in page
