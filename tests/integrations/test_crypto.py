"""Tokens at rest: MultiFernet keys separate from SECRET_KEY, and key rotation."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from apps.integrations import crypto
from apps.integrations.models import Integration, Provider


def test_encrypted_token_reads_back_and_does_not_contain_the_token(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    stored = crypto.encrypt("access-token-123")

    assert "access-token-123" not in stored
    assert crypto.decrypt(stored) == "access-token-123"


def test_without_keys_in_debug_one_generated_key_is_kept_under_var(settings, tmp_path):
    settings.DEBUG = True
    settings.TOKEN_ENCRYPTION_KEYS = []
    settings.VAR_DIR = tmp_path

    stored = crypto.encrypt("refresh-token")
    settings.SECRET_KEY = "a different secret key"  # the key does not depend on it

    key_file = tmp_path / crypto.LOCAL_KEY_FILE
    assert key_file.exists()
    assert crypto.decrypt(stored) == "refresh-token"
    assert Fernet(key_file.read_text().encode()).decrypt(stored.encode()) == b"refresh-token"


def test_a_token_from_an_unknown_key_is_reported(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    stored = crypto.encrypt("token")
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(crypto.TokenDecryptError):
        crypto.decrypt(stored)


@pytest.mark.django_db
def test_rotate_encryption_key_moves_every_row_to_the_new_key(settings, make_integration):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    for provider in (Provider.QUICKBOOKS, Provider.XERO):
        make_integration(
            provider,
            access_token_encrypted=crypto.encrypt(f"{provider}-access"),
            refresh_token_encrypted=crypto.encrypt(f"{provider}-refresh"),
        )
    settings.TOKEN_ENCRYPTION_KEYS = [new, old]

    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    settings.TOKEN_ENCRYPTION_KEYS = [new]  # the old key can now be dropped

    assert "2 integration" in out.getvalue()
    for integration in Integration.objects.all():
        assert (
            crypto.decrypt(integration.access_token_encrypted) == f"{integration.provider}-access"
        )
        assert (
            crypto.decrypt(integration.refresh_token_encrypted) == f"{integration.provider}-refresh"
        )


def test_rotate_encryption_key_can_generate_a_key():
    out = io.StringIO()

    call_command("rotate_encryption_key", "--generate", stdout=out)

    Fernet(out.getvalue().strip().encode())  # a valid key, or this raises


@pytest.mark.django_db
def test_rotate_encryption_key_moves_the_stripe_secrets_too(settings, organisation):
    from apps.integrations.models import StripeAccount
    from apps.integrations.stripe_payouts import stripe_account_save

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old]
    stripe_account_save(
        organisation=organisation,
        account_id="acct_1",
        account_name="Harbour",
        secret_key="sk_test_1",
        webhook_secret="whsec_1",
    )
    settings.TOKEN_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_key", stdout=io.StringIO())
    settings.TOKEN_ENCRYPTION_KEYS = [new]
    row = StripeAccount.objects.get()
    assert crypto.decrypt(row.secret_key_encrypted) == "sk_test_1"
    assert crypto.decrypt(row.webhook_secret_encrypted) == "whsec_1"
