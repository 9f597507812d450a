"""Driving the real connect flow over HTTP with ``requests``: log in through the login page,
click Connect, fill in the sandbox's consent form, follow the redirects back."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

from tests.factories import PASSWORD


class _FormParser(HTMLParser):
    """The fields of the first form on a page: hidden inputs, pre-checked radios and boxes."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "form" and not self._done:
            self._in_form = True
        if not self._in_form or tag != "input":
            return
        kind = (attrs.get("type") or "text").lower()
        name = attrs.get("name")
        if not name:
            return
        if kind == "hidden" or (kind in ("radio", "checkbox") and "checked" in attrs):
            # A box without a value is sent as "on", as browsers send it.
            default = "on" if kind == "checkbox" else ""
            self.fields[name] = attrs.get("value") or default

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def form_fields(html: str, testid: str = "") -> dict[str, str]:
    """The first form's fields, or those of the first form at or after ``data-testid``."""
    if testid:
        marker = html.index(f'data-testid="{testid}"')
        html = html[html.rindex("<", 0, marker) :]
    parser = _FormParser()
    parser.feed(html)
    return parser.fields


class Staff:
    """One staff member's browser session, over real HTTP against the live server."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD) -> None:
        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        page = self.http.get(f"{self.base}/login/", timeout=30)
        fields = form_fields(page.text)
        response = self.http.post(
            f"{self.base}/login/",
            data={**fields, "username": username, "password": password},
            timeout=30,
        )
        assert "sessionid" in self.http.cookies, f"login failed: {response.status_code}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=30, **kwargs)

    def consent_page(self, provider: str, **options: bool) -> requests.Response:
        """Click Connect, keep the preselected choices (or change ``options``) and click
        Continue: lands on the provider's consent page."""
        path = f"/settings/integrations/{provider}/connect/"
        choices = self.get(path)
        assert choices.status_code == 200, choices.text[:500]
        data = form_fields(choices.text, "connect-options")
        for name, on in options.items():
            if on:
                data[name] = "on"
            else:
                data.pop(name, None)
        page = self.http.post(
            f"{self.base}{path}", data=data, headers={"Referer": choices.url}, timeout=30
        )
        assert page.status_code == 200, page.text[:500]
        return page

    def consent(
        self,
        page: requests.Response,
        *,
        company: str = "",
        name: str = "",
        country: str = "US",
        currency: str = "USD",
        action: str = "approve",
        follow: bool = True,
    ) -> requests.Response:
        """Answer the consent page: an existing company (its external id) or a new one."""
        data = form_fields(page.text)
        if company:
            data["company"] = company
        else:
            data.update(company="", new_company_name=name, country=country, currency=currency)
        data["action"] = action
        return self.http.post(page.url, data=data, allow_redirects=follow, timeout=60)

    def connect(self, provider: str, options: dict | None = None, **company) -> requests.Response:
        return self.consent(self.consent_page(provider, **(options or {})), **company)

    def start_first_sync(self, integration_id: int) -> requests.Response:
        """Click Start on the preview of a new connection's first sync."""
        path = f"/settings/integrations/{integration_id}/first-sync/"
        page = self.get(path)
        data = form_fields(page.text, "start-form")
        return self.http.post(f"{self.base}{path}start/", data=data, timeout=60)


def with_query(url: str, **changes: str | None) -> str:
    """``url`` with some query parameters replaced (None removes one)."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))
