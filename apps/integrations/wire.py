"""Small helpers both provider clients share for what they put on the wire."""

from __future__ import annotations

import functools
import inspect
import os
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from apps.integrations.contract import SyncError, TransientError


@functools.cache
def _environment_proxies(base_url: str) -> dict[str, str]:
    return requests.utils.get_environ_proxies(base_url)


def environment_read_once(session: requests.Session, base_url: str) -> requests.Session:
    """``session`` with the process's proxy and CA bundle variables read once for
    ``base_url``. requests reads them from the environment again on every request (walking
    all of it, a tenth of a millisecond of CPU each); they do not change while a process
    runs. The variables are the ones requests itself honours (``HTTPS_PROXY``, ``NO_PROXY``,
    ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``)."""
    session.trust_env = False
    session.proxies.update(_environment_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    return session


def json_ready(value: Any) -> Any:
    """Decimals as JSON numbers: both APIs read numbers, not strings."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    return value


def required_text(data: Any, key: str, *, answered: str) -> str:
    """``data[key]`` as text. An answer without it is malformed, so transient (retried and
    logged); ``answered`` starts the message, e.g. "Xero answered invoice"."""
    if not isinstance(data, Mapping) or data.get(key) in (None, ""):
        raise TransientError(f"{answered} without {key}.")
    return str(data[key])


def answered_decimal(value: Any, *, answered: str, default: Decimal | None = None) -> Decimal:
    """A number from a provider's answer; ``default`` stands in for a missing one."""
    if value in (None, "") and default is not None:
        return default
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise TransientError(f"{answered} {value!r}, which is not a number.") from None


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bodies(
    chunk: Sequence, body_of: Callable[[Any], dict]
) -> tuple[list[Any], list[tuple[int, dict]]]:
    """Each item's request body, or in its result slot the error that stopped building it."""
    results: list[Any] = [None] * len(chunk)
    built: list[tuple[int, dict]] = []
    for index, item in enumerate(chunk):
        try:
            built.append((index, body_of(item)))
        except SyncError as exc:
            results[index] = exc
    return results, built


def malformed_is_transient(provider: str) -> Callable:
    """An answer missing something we index into is a malformed answer (retried and logged),
    never a crash of the drain (docs/sync-rules.md, "Retries and parking")."""

    def unexpected(exc: Exception) -> TransientError:
        return TransientError(f"{provider} answered something unexpected ({exc!r}).")

    def decorate(method: Callable) -> Callable:
        if inspect.isgeneratorfunction(method):

            @functools.wraps(method)
            def generator(*args, **kwargs):
                try:
                    yield from method(*args, **kwargs)
                except (KeyError, IndexError, TypeError) as exc:
                    raise unexpected(exc) from exc

            return generator

        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except (KeyError, IndexError, TypeError) as exc:
                raise unexpected(exc) from exc

        return wrapper

    return decorate


def call_back(method: Callable) -> Callable:
    """``method`` (bound to an adapter) for a helper the adapter owns, such as its batch
    sender, without the helper keeping the adapter alive: an adapter the engine drops is freed
    at once, and its HTTP session's connections closed, instead of waiting for the garbage
    collector to break the cycle."""
    ref = weakref.WeakMethod(method)  # (no functools.wraps: its __wrapped__ would hold it)

    def call(*args, **kwargs):
        return ref()(*args, **kwargs)

    return call
