"""Customers of a page's invoices that are not linked yet: matched in the integration (e-mail,
then display name) or created there, before their invoices (rules 3 and 10).

A page of customers goes through the adapter's ``find_customers(customers) -> {customer id:
Pushed}`` and ``push_customers_batch([(customer, remote_id, key)]) -> [Pushed | Exception]``
(a few requests per page instead of two or three per customer). A refusal for a passing reason
is the customer's outcome: its invoices wait their backoff in the queue, never in a worker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from apps.customers.matching import normalise_name
from apps.customers.models import Customer
from apps.integrations.models import Integration

from .adapters import Adapter, NewCustomer, Pushed
from .errors import ReconnectNeeded, SyncError, Throttled
from .push_one import someone_else


def one_call(call: Callable[[list], list], items: list) -> list:
    """``call(items)``, one result per item; a refusal of the whole call is every item's. Only a
    reconnect, or the hub's own limiter (nothing was sent), stops the page."""
    try:
        return call(items)
    except (ReconnectNeeded, Throttled):
        raise
    except SyncError as exc:
        return [exc] * len(items)


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
    for customer in customers:
        match = found.get(customer.pk)
        if isinstance(match, Pushed) and someone_else(integration, customer, match):
            del found[customer.pk]  # another business under the same e-mail: not this person
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
    one name are left to the ordinary create, which tells two people apart (rule 10)."""
    names = Counter(normalise_name(c.display_name) for c in new)
    return {
        c.pk
        for c in new
        if names[normalise_name(c.display_name)] == 1 and adapter.creates_with_invoice(c)
    }


def _find(adapter: Adapter, customers: list[Customer]) -> dict[int, Pushed | SyncError]:
    try:
        return adapter.find_customers(customers)
    except (ReconnectNeeded, Throttled):
        raise
    except SyncError as exc:
        return {customer.pk: exc for customer in customers}


def _send(
    adapter: Adapter, integration: Integration, items: list[tuple[Customer, str | None]]
) -> Iterator[tuple[Customer, str | None, Pushed | SyncError]]:
    """Create (remote id None) or update each customer, in batches."""
    if not items:
        return
    request = [(c, remote_id, customer_key(integration, c)) for c, remote_id in items]
    results = one_call(adapter.push_customers_batch, request)
    for (customer, remote_id), result in zip(items, results, strict=True):
        yield customer, remote_id, _as_outcome(result)


def _as_outcome(result: Pushed | Exception) -> Pushed | SyncError:
    if isinstance(result, (Pushed, SyncError)):
        return result
    return SyncError(str(result))
