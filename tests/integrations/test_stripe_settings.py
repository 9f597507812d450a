"""Settings → Integrations → Stripe: the key is checked with Stripe (the sandbox, over HTTP)
and both secrets are kept encrypted; a refused key saves nothing."""

from __future__ import annotations

import pytest

from apps.integrations import crypto
from apps.integrations.models import StripeAccount
from apps.sandbox.stripe import objects

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/settings/integrations/stripe/"


@pytest.fixture
def stripe_base(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.STRIPE_API_BASE = f"{live_server.url}/sandbox/stripe"


def test_staff_connect_stripe_and_see_the_webhook_address_to_register(
    as_alice, organisation, stripe_base, live_server
):
    account, key, _ = objects.account_create(name="Harbour Test Co")
    answer = as_alice.post(URL, {"secret_key": key, "webhook_secret": "whsec_abc123"}, follow=True)
    assert answer.status_code == 200
    row = StripeAccount.objects.get(organisation=organisation)
    assert row.account_id == account.external_id
    assert key not in row.secret_key_encrypted and crypto.decrypt(row.secret_key_encrypted) == key
    assert f"{live_server.url}/webhooks/stripe/{account.external_id}/" in answer.content.decode()


@pytest.mark.parametrize(
    "key,secret,message",
    [
        ("sk_test_not_a_key", "whsec_abc", "Stripe refused this secret key."),
        ("pk_test_publishable", "whsec_abc", "starts with sk_"),
        ("sk_test_x", "not-a-signing-secret", "starts with whsec_"),
    ],
)
def test_a_key_stripe_refuses_saves_nothing(as_alice, stripe_base, key, secret, message):
    answer = as_alice.post(URL, {"secret_key": key, "webhook_secret": secret})
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not StripeAccount.objects.exists()


def test_the_page_needs_a_login(client):
    assert client.get(URL).status_code == 302
