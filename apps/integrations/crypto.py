"""Encryption of integration tokens at rest (MultiFernet over ``settings.TOKEN_ENCRYPTION_KEYS``).

The keys are separate from ``SECRET_KEY`` so that rotating one never touches the other. The first
key encrypts; every key decrypts, which is what lets ``manage.py rotate_encryption_key`` move rows
to a new key without downtime.
"""

from __future__ import annotations

import functools
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LOCAL_KEY_FILE = "token-encryption.key"


class TokenDecryptError(Exception):
    """A stored token was encrypted with a key that is no longer configured."""


def key_generate() -> str:
    return Fernet.generate_key().decode()


def _local_key() -> str:
    """In DEBUG without configured keys: one random key, generated once and kept under var/,
    so local tokens survive restarts without ever deriving a key from SECRET_KEY."""
    path = Path(settings.VAR_DIR) / LOCAL_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x") as handle:
                handle.write(key_generate())
            path.chmod(0o600)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
    return path.read_text().strip()


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(generate one with: manage.py rotate_encryption_key --generate)."
        ) from exc


def _fernet() -> MultiFernet:
    keys = tuple(key.strip() for key in settings.TOKEN_ENCRYPTION_KEYS if key.strip())
    if not keys:
        # config.settings refuses to start without keys when DEBUG is off, so this is a local
        # run (or a test run, where Django turns DEBUG off after start-up).
        keys = (_local_key(),)
    return _fernet_for(keys)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptError(
            "A stored token cannot be decrypted with the configured TOKEN_ENCRYPTION_KEYS."
        ) from exc


def reencrypt(value: str) -> str:
    """Re-encrypt under the first (newest) key; a no-op for empty values."""
    if not value:
        return ""
    try:
        return _fernet().rotate(value.encode()).decode()
    except InvalidToken as exc:
        raise TokenDecryptError(
            "A stored token cannot be decrypted with any configured key; keep the old key in "
            "TOKEN_ENCRYPTION_KEYS (after the new one) until rotation has finished."
        ) from exc
