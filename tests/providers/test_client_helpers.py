from __future__ import annotations

import requests


def test_an_answer_missing_what_we_need_is_transient_not_a_crash():
    import pytest

    from apps.integrations.contract import TransientError
    from apps.integrations.wire import malformed_is_transient

    @malformed_is_transient("Xero")
    def reads(answer):
        return answer["Contacts"][0]["ContactID"]

    @malformed_is_transient("Xero")
    def pages(answer):
        yield answer["Contacts"]

    with pytest.raises(TransientError, match="Xero answered something unexpected"):
        reads({})
    with pytest.raises(TransientError):
        list(pages({}))


def test_a_provider_session_keeps_the_proxy_and_ca_bundle_of_the_environment(monkeypatch):
    from apps.integrations import wire

    wire._environment_proxies.cache_clear()
    for lower in ("https_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(lower, raising=False)  # urllib lets lower case win
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company-ca.pem")
    try:
        public = wire.environment_read_once(requests.Session(), "https://api.xero.com")
        internal = wire.environment_read_once(requests.Session(), "https://internal.example")
    finally:
        wire._environment_proxies.cache_clear()

    # Read once here, not from the environment on every request.
    assert public.trust_env is False
    assert public.proxies["https"] == "http://proxy.example:3128"
    assert "https" not in internal.proxies  # NO_PROXY still honoured
    assert public.verify == "/etc/ssl/company-ca.pem"
