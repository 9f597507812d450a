"""Customers of the nightly export's invoices that are not linked yet: matched in the integration
(e-mail, then display name) or created there, before their invoices (rules 3 and 10).

An adapter may offer ``find_customers(customers) -> {customer id: Pushed}`` and
``push_customers_batch([(customer, remote_id, key)]) -> [Pushed | Exception]``: then a page of
customers costs a lookup and a few batches instead of two requests each. Without them the
export falls back to the contract's one-by-one ``find_customer`` / ``push_customer``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from apps.customers.models import Customer
from apps.integrations.models import Integration

from . import outbox
from .adapters import Adapter, Pushed
from .errors import AuthExpired, ReconnectNeeded, SyncError, TransientError

T = TypeVar("T")
ATTEMPTS = 4
MAX_WAIT_SECONDS = 120.0
CUSTOMER_BATCH_SIZE = {"quickbooks": 30, "xero": 50}


def with_retries(call: Callable[[], T]) -> T:
    """``call()``, tried again after the wait a transient refusal (429, 5xx, time-out, expired
    token) asks for; the last error is raised when every attempt failed. Safe for creates
    because each carries its idempotency key."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return call()
        except (TransientError, AuthExpired) as exc:
            if attempt == ATTEMPTS:
                raise
            wait = getattr(exc, "retry_after", None) or outbox.backoff_seconds(attempt)
            time.sleep(min(wait, MAX_WAIT_SECONDS))
    raise AssertionError("unreachable")


def customer_key(integration: Integration, customer: Customer) -> str:
    """A customer is created at most once per integration, whichever invoice brings it first,
    so its key names the integration and the customer only."""
    return f"ll-{integration.pk}-customer-{customer.pk}"[:50]


def customers_resolve(
    adapter: Adapter, integration: Integration, customers: list[Customer]
) -> Iterator[tuple[Customer, Pushed | SyncError, bool]]:
    """(customer, where it lives now or why it could not be sent, whether it was created).

    A customer found in the integration is updated with the hub's details when Customers
    Sync to is on, as the event-driven push does; otherwise it is only linked."""
    found = _find(adapter, customers)
    to_send: list[tuple[Customer, str | None]] = []
    for customer in customers:
        match = found.get(customer.pk)
        if isinstance(match, SyncError) or (
            isinstance(match, Pushed) and not integration.customers_sync_to
        ):
            yield customer, match, False
        else:
            to_send.append((customer, match.remote_id if match else None))
    for customer, remote_id, outcome in _send(adapter, integration, to_send):
        yield customer, outcome, remote_id is None


def _find(adapter: Adapter, customers: list[Customer]) -> dict[int, Pushed | SyncError]:
    if hasattr(adapter, "find_customers"):
        try:
            return with_retries(lambda: adapter.find_customers(customers))
        except ReconnectNeeded:
            raise
        except SyncError as exc:
            return {customer.pk: exc for customer in customers}
    found: dict[int, Pushed | SyncError] = {}
    for customer in customers:
        try:
            match = with_retries(lambda c=customer: adapter.find_customer(c))
        except ReconnectNeeded:
            raise
        except SyncError as exc:
            match = exc
        if match is not None:
            found[customer.pk] = match
    return found


def _send(
    adapter: Adapter, integration: Integration, items: list[tuple[Customer, str | None]]
) -> Iterator[tuple[Customer, str | None, Pushed | SyncError]]:
    """Create (remote id None) or update each customer, in batches when the adapter can."""
    if not items:
        return
    if hasattr(adapter, "push_customers_batch"):
        size = CUSTOMER_BATCH_SIZE.get(integration.provider, 30)
        for start in range(0, len(items), size):
            chunk = items[start : start + size]
            request = [(c, remote_id, customer_key(integration, c)) for c, remote_id in chunk]
            try:
                results = with_retries(lambda r=request: adapter.push_customers_batch(r))
            except ReconnectNeeded:
                raise
            except SyncError as exc:
                results = [exc] * len(chunk)
            for (customer, remote_id), result in zip(chunk, results, strict=True):
                yield customer, remote_id, _as_outcome(result)
        return
    for customer, remote_id in items:
        key = customer_key(integration, customer)
        try:
            pushed = with_retries(
                lambda c=customer, r=remote_id, k=key: adapter.push_customer(c, r, key=k)
            )
        except ReconnectNeeded:
            raise
        except SyncError as exc:
            pushed = exc
        yield customer, remote_id, pushed


def _as_outcome(result: Pushed | Exception) -> Pushed | SyncError:
    if isinstance(result, (Pushed, SyncError)):
        return result
    return SyncError(str(result))
