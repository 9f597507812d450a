"""Organisation data that rarely changes, kept per connected company across drains and pulls.

Tax rates and codes, accounts and the like change a few times a year, yet every drain used to
read them again (two or three requests of Xero's 60 a minute). They are kept in Django's cache
(Redis when ``REDIS_URL`` is set, so every worker shares them; process memory otherwise), keyed
by provider and remote company, so two integrations of one company share them too.

A kept value is read again when it is older than ``REFERENCE_CACHE_SECONDS`` (an hour by
default), when the provider refuses a document because of a tax code or an account (the adapter
calls ``forget`` and reads once more), and when a webhook says such a record changed. See
docs/pulls.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")
DEFAULT_SECONDS = 3600
PREFIX = "ll:reference"


def _seconds() -> int:
    return int(getattr(settings, "REFERENCE_CACHE_SECONDS", DEFAULT_SECONDS))


def _company(integration) -> str:
    return f"{PREFIX}:{integration.provider}:{integration.remote_company_id}"


def _key(integration, what: str) -> str:
    # The company's generation is moved by ``forget_all``, which so drops every kept value.
    generation = cache.get(f"{_company(integration)}:generation", 0)
    return f"{_company(integration)}:{generation}:{what}"


def kept(integration, what: str, load: Callable[[], T]) -> T:
    """The kept value of ``what`` for the integration's company, loaded (and kept) when there
    is none or it is stale."""
    key = _key(integration, what)
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, _seconds())
    return value


def peek(integration, what: str):
    """The kept value of ``what``, or None: never loads it."""
    return cache.get(_key(integration, what))


def keep(integration, what: str, value) -> None:
    """Replace the kept value (after the adapter itself created a tax rate, say)."""
    cache.set(_key(integration, what), value, _seconds())


def forget(integration, *whats: str) -> None:
    """Drop kept values so the next use reads them again from the provider."""
    cache.delete_many([_key(integration, what) for what in whats])


def forget_all(integration) -> None:
    """Drop everything kept for the company (a webhook said such a record changed there)."""
    key = f"{_company(integration)}:generation"
    cache.add(key, 0, None)
    try:
        cache.incr(key)
    except ValueError:  # evicted in between: any new generation will do
        cache.set(key, 1, None)
