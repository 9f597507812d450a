"""Customers of the nightly export's invoices that are not linked yet: matched in the integration
(e-mail, then display name) or created there, before their invoices
(docs/sync-rules.md, "Dependencies first" and "Matching and duplicates").

A page of customers goes through the adapter's ``find_customers(customers) -> {customer id:
Pushed}`` and ``push_customers_batch([(customer, remote_id, key)]) -> [Pushed | Exception]`` when
its capabilities say it has them (a few requests per page instead of two or three per
customer); otherwise through the contract's one-by-one ``find_customer`` / ``push_customer``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TypeVar

from apps.customers.matching import normalise_name
from apps.customers.models import Customer
from apps.integrations.contract import (
    Adapter,
    AuthExpired,
    NewCustomer,
    Pushed,
    ReconnectNeeded,
    SyncError,
    TransientError,
)
from apps.integrations.models import Integration

from . import outbox

T = TypeVar("T")
ATTEMPTS = 4
MAX_WAIT_SECONDS = 120.0


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


def each_with_retries(call: Callable[[list], list], items: list) -> list:
    """``call(items)`` answers one result per item; items answered with a transient error are
    sent again (only they) after the wait the provider asked for, a few times. A refusal of
    the whole call counts for every item; only a reconnect stops everything."""
    results: list = [None] * len(items)
    todo = list(range(len(items)))
    for attempt in range(1, ATTEMPTS + 1):
        try:
            answers = with_retries(lambda todo=todo: call([items[i] for i in todo]))
        except ReconnectNeeded:
            raise
        except SyncError as exc:
            answers = [exc] * len(todo)
        again = [i for i, answer in zip(todo, answers, strict=True) if _transient(answer)]
        for i, answer in zip(todo, answers, strict=True):
            results[i] = answer
        if not again or attempt == ATTEMPTS:
            return results
        waits = [getattr(results[i], "retry_after", None) or 0 for i in again]
        time.sleep(min(max(waits) or outbox.backoff_seconds(attempt), MAX_WAIT_SECONDS))
        todo = again
    return results


def _transient(answer) -> bool:
    return isinstance(answer, (TransientError, AuthExpired))


def customer_key(integration: Integration, customer: Customer) -> str:
    """A customer is created at most once per integration, whichever invoice brings it first,
    so its key names the integration and the customer only."""
    return f"ll-{integration.pk}-customer-{customer.pk}"[:50]


def customers_resolve(
    adapter: Adapter, integration: Integration, customers: list[Customer]
) -> Iterator[tuple[Customer, Pushed | SyncError | NewCustomer, bool]]:
    """(customer, where it lives now or why it could not be sent, whether it was created).
    ``NewCustomer``: the adapter creates it inside its first invoice.

    A customer found in the integration is updated with the hub's details when Customers
    Sync to is on, as the event-driven push does; otherwise it is only linked."""
    found = _find(adapter, customers)
    with_invoice = _made_with_invoice(adapter, [c for c in customers if c.pk not in found])
    to_send: list[tuple[Customer, str | None]] = []
    for customer in customers:
        match = found.get(customer.pk)
        if isinstance(match, SyncError) or (
            isinstance(match, Pushed) and not integration.customers_sync_to
        ):
            yield customer, match, False
        elif customer.pk in with_invoice:
            yield customer, NewCustomer(customer), True
        else:
            to_send.append((customer, match.remote_id if match else None))
    for customer, remote_id, outcome in _send(adapter, integration, to_send):
        yield customer, outcome, remote_id is None


def _made_with_invoice(adapter: Adapter, new: list[Customer]) -> set[int]:
    """The new customers the adapter can create inside their first invoice. Two of them with
    one name are left to the ordinary create, which tells two people apart
    (docs/sync-rules.md, "Matching and duplicates")."""
    if not adapter.capabilities.creates_customer_with_invoice:
        return set()
    names = Counter(normalise_name(c.display_name) for c in new)
    return {
        c.pk
        for c in new
        if names[normalise_name(c.display_name)] == 1 and adapter.creates_with_invoice(c)
    }


def _find(adapter: Adapter, customers: list[Customer]) -> dict[int, Pushed | SyncError]:
    if adapter.capabilities.finds_customers_in_bulk:
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
    if adapter.capabilities.pushes_customers_in_batch:
        request = [(c, remote_id, customer_key(integration, c)) for c, remote_id in items]
        results = each_with_retries(adapter.push_customers_batch, request)
        for (customer, remote_id), result in zip(items, results, strict=True):
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
