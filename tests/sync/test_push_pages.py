"""The one push path: what a send costs on the wire, and how a drain shares its worker."""

from __future__ import annotations

import pytest

from apps.integrations.registry import adapter_for
from apps.sandbox.models import SandboxCompany, SandboxRecord, SandboxRequest
from apps.sync.fingerprints import fingerprint
from apps.sync.models import Change, Link
from apps.sync.push import drain

CUSTOMERS = {"quickbooks": "Customer", "xero": "Contacts"}


def requests_of(integration):
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    return SandboxRequest.objects.filter(company=company)


def link_to_a_ledger_customer(integration, customer) -> None:
    """Link ``customer`` to one of the sample customers the sandbox company starts with."""
    record = SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id,
        entity=CUSTOMERS[integration.provider],
        deleted=False,
    ).first()
    Link.objects.create(
        integration=integration,
        kind="customer",
        object_id=customer.pk,
        remote_id=record.record_id,
        fingerprint=fingerprint("customer", customer),
        created_by="remote",
    )


@pytest.mark.django_db(transaction=True)
def test_one_invoice_with_a_new_customer_costs_at_most_three_requests_per_ledger(both, live_hub):
    # The organisation's settings (tax rates, accounts, items) are read once per tenant, not
    # per send: an earlier invoice to a customer the ledger already has reads them.
    known = live_hub.customer(name="Known Client", email="known@example.com")
    adapters = {}
    for integration in both:
        link_to_a_ledger_customer(integration, known)
        adapters[integration.pk] = adapter_for(integration)
    live_hub.invoice(known)
    for integration in both:
        drain(integration, adapter=adapters[integration.pk])
    before = {integration.pk: requests_of(integration).count() for integration in both}

    invoice = live_hub.invoice()  # a new customer, and its invoice
    for integration in both:
        drain(integration, adapter=adapters[integration.pk])

    for integration in both:
        made = requests_of(integration).order_by("pk")[before[integration.pk] :]
        paths = [f"{r.method} {r.path}" for r in made]
        assert len(paths) <= 3, (integration.provider, paths)
        assert Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk)
        assert Link.objects.filter(
            integration=integration, kind="customer", object_id=invoice.customer_id
        )
    assert not Change.objects.exclude(state="done").exists()


class Queue:
    """Celery's queue as a worker sees it: first in, first out."""

    def __init__(self, monkeypatch) -> None:
        from apps.sync.tasks import drain_integration

        self.waiting: list[tuple[int, float]] = []
        self.task_ids: list[str | None] = []
        self.served: list[int] = []
        self.task = drain_integration
        # The time the gathering window reads: a task runs once its countdown has passed.
        from apps.sync import gather

        self.now, self.due = 1000.0, []
        monkeypatch.setattr(gather, "clock", lambda: self.now)

        def apply_async(args, kwargs=None, countdown=0, task_id=None, **options):
            self.waiting.append((args[0], countdown))
            self.task_ids.append(task_id)
            self.due.append(self.now + countdown)

        monkeypatch.setattr(drain_integration, "apply_async", apply_async)
        monkeypatch.setattr(drain_integration, "delay", lambda pk: apply_async((pk,)))

    def run_one(self) -> None:
        """The task at the head runs as a worker runs it: with its id (one of its own when it
        was queued without)."""
        from celery.utils import uuid

        integration_id, _ = self.waiting.pop(0)
        self.now = max(self.now, self.due.pop(0))
        task_id = self.task_ids.pop(0) if len(self.task_ids) > len(self.waiting) else None
        self.served.append(integration_id)
        self.task.apply((integration_id,), task_id=task_id or uuid(), throw=True)

    def run(self) -> None:
        while self.waiting:
            self.run_one()


def customers_waiting(hub, count: int) -> None:
    for n in range(count):
        hub.customer(name=f"Client {n:03d}", email=f"client{n:03d}@example.com")


def test_a_big_backlog_gives_the_worker_back_after_each_page(
    connect, hub, remotes, monkeypatch, settings
):
    from apps.accounts.models import Organisation
    from apps.sync.push import page_size
    from tests.sync.conftest import Hub

    settings.REDIS_URL = ""  # the embedded defaults: every page full (no growing pages)

    busy = connect()
    other = Organisation.objects.create(name="Small Co", country="US", currency="USD")
    small = connect(organisation=other)
    size = page_size(busy)
    customers_waiting(hub, size * 2 + 10)
    customers_waiting(Hub(other), 3)
    queue = Queue(monkeypatch)
    for integration in (busy, small):  # the big backlog's drain was queued first
        queue.task.delay(integration.pk)

    queue.task(queue.waiting.pop(0)[0])

    # One page went, and the rest was queued behind the other organisation's drain.
    assert Change.objects.filter(integration=busy, state="done").count() == size
    assert queue.waiting == [(small.pk, 0), (busy.pk, 0)]
    queue.run()
    assert queue.served == [small.pk, busy.pk, busy.pk]
    assert remotes(small).count("customer") == 3
    assert not Change.objects.exclude(state="done").exists()


def test_a_backlog_whose_staff_keep_saving_has_one_drain_queued_at_a_time(
    connect, hub, remotes, monkeypatch, shared_cache, django_capture_on_commit_callbacks
):
    """With one worker process nothing merges two drains of one integration (only a drain
    refused by another process's claim ends its line): a backlog must not grow a second line of
    pages, each ahead of the other organisations' drains, every time its staff save."""
    from apps.accounts.models import Organisation
    from apps.sync import gather
    from apps.sync.push import PAGE_SIZE
    from tests.sync.conftest import Hub

    busy = connect()
    other = Organisation.objects.create(name="Small Co", country="US", currency="USD")
    small = connect(organisation=other)
    customers_waiting(hub, PAGE_SIZE * 3)
    queue = Queue(monkeypatch)
    gather.drain_soon([busy.pk])  # its first save asked for a drain

    for round_ in range(2):  # the worker sends a page; its staff save again meanwhile
        queue.run_one()
        for n in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                hub.customer(name=f"Later {round_}{n}", email=f"later{round_}{n}@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        Hub(other).customer(name="Only Client", email="only@example.com")

    assert [pk for pk, _ in queue.waiting] == [busy.pk, small.pk]
    queue.run()
    assert queue.served.index(small.pk) == 3  # after one more page of the backlog, no more
    assert remotes(small).count("customer") == 1
    assert remotes(busy).count("customer") == PAGE_SIZE * 3 + 6
    assert not Change.objects.exclude(state="done").exists()


def test_the_sweeps_drain_beside_a_queued_one_ends_after_its_page(
    connect, hub, monkeypatch, shared_cache
):
    """The sweep queues a drain of every integration with rows due, whatever is queued (it
    rescues drains lost with their worker): it must not start a second line of pages."""
    from apps.sync import gather
    from apps.sync.push import PAGE_SIZE
    from apps.sync.tasks import sweep_outbox

    busy = connect()
    customers_waiting(hub, PAGE_SIZE * 3)
    queue = Queue(monkeypatch)
    gather.drain_soon([busy.pk])
    sweep_outbox()
    assert [pk for pk, _ in queue.waiting] == [busy.pk, busy.pk]

    queue.run_one()  # the gathered drain: a page, and its next page queued
    queue.run_one()  # the sweep's: a page, and the next is the one queued already

    assert [pk for pk, _ in queue.waiting] == [busy.pk]


def test_every_organisations_first_records_go_in_the_first_round_then_pages_double(
    connect, hub, remotes, monkeypatch, shared_cache
):
    from apps.accounts.models import Organisation
    from apps.sync import gather
    from apps.sync.push import PAGE_SIZE
    from tests.sync.conftest import Hub

    first = connect()
    other = Organisation.objects.create(name="Second Co", country="US", currency="USD")
    second = connect(organisation=other)
    customers_waiting(hub, PAGE_SIZE + 20)
    customers_waiting(Hub(other), 5)
    queue = Queue(monkeypatch)
    gather.drain_soon([first.pk, second.pk])

    sent = []
    while queue.waiting:
        queue.run_one()
        sent.append({i.pk: remotes(i).count("customer") for i in (first, second)})

    # One round: each organisation's first two records; then each page twice the last.
    assert sent[:2] == [{first.pk: 2, second.pk: 0}, {first.pk: 2, second.pk: 2}]
    sent_so_far = [2, 2, 6, 6, 14, 30, 62, 126]  # pages of 2, 4, 8 … rows, in between the other's
    assert [s[first.pk] for s in sent if s[first.pk]] == [*sent_so_far, PAGE_SIZE + 20]
    assert remotes(second).count("customer") == 5
    assert not Change.objects.exclude(state="done").exists()


@pytest.mark.parametrize("invoices", [1, 3])
def test_the_hubs_own_limiter_puts_the_rows_back_untouched(
    connect, hub, remotes, monkeypatch, invoices, settings
):
    from apps.integrations.contract import Throttled
    from apps.sync.models import SyncLogEntry

    settings.REDIS_URL = ""  # one full page: the customer and every invoice taken together
    qbo = connect()
    customer = hub.customer()
    for _ in range(invoices):
        hub.invoice(customer)
    waiting = list(Change.objects.filter(integration=qbo, kind="invoice").values())
    remotes(qbo).fail["push_invoice"] = [
        Throttled("Wait for the limit", retry_after=7) for _ in range(invoices)
    ]
    queue = Queue(monkeypatch)

    queue.task(qbo.pk)

    # The customer went; the invoices are back as they were taken, with no trace of a try.
    assert Change.objects.get(integration=qbo, kind="customer").state == "done"
    assert list(Change.objects.filter(integration=qbo, kind="invoice").values()) == waiting
    assert not SyncLogEntry.objects.filter(kind="invoice").exists()
    assert queue.waiting == [(qbo.pk, 7)]
    queue.run()
    assert remotes(qbo).count("invoice") == invoices
    assert not Change.objects.exclude(state="done").exists()


class Wire:
    """The invoice bodies an adapter's client sends, whichever request carries them."""

    def __init__(self, adapter) -> None:
        self.bodies: list[dict] = []
        client = adapter.client
        create, many = client.create, getattr(client, "write_many", None)
        batch = getattr(client, "batch", None)

        def spy_create(entity, body, **kwargs):
            if entity in ("Invoice", "Invoices"):
                self.bodies.append(dict(body))
            return create(entity, body, **kwargs)

        client.create = spy_create
        if many is not None:  # Xero: PUT/POST of several elements

            def spy_many(method, collection, bodies, **kwargs):
                if collection == "Invoices":
                    self.bodies.extend(dict(body) for body in bodies)
                return many(method, collection, bodies, **kwargs)

            client.write_many = spy_many
        if batch is not None:  # QuickBooks: /batch

            def spy_batch(items, **kwargs):
                self.bodies.extend(dict(i["Invoice"]) for i in items if "Invoice" in i)
                return batch(items, **kwargs)

            client.batch = spy_batch

    def sent(self) -> list[dict]:
        """Without the customer's reference (a new customer may travel inside a Xero invoice)."""
        leave = {"CustomerRef", "Contact"}
        return [{k: v for k, v in body.items() if k not in leave} for body in self.bodies]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_the_nightly_export_and_an_event_drain_send_the_same_invoice_alike(
    sandboxes, live_org, live_hub, provider, monkeypatch
):
    from apps.integrations.models import Integration
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect
    from apps.sync.nightly_export import nightly_export_run
    from apps.sync.recorder import queue_for

    integration = sandbox_integration_connect(
        organisation=live_org, provider=provider, nightly=False
    )
    adapter = adapter_for(integration)
    monkeypatch.setattr("apps.integrations.registry.adapter_for", lambda integration: adapter)
    wire = Wire(adapter)
    invoices = []
    for customer in (live_hub.customer(), live_hub.customer("Ann Lee", "ann@example.com")):
        invoices.append(live_hub.invoice(customer))
        drain(integration)  # one at a time: the single create
    event = wire.sent()
    # The same invoices again, this time held for the night: their ledger copies are gone.
    links = Link.objects.filter(integration=integration, kind="invoice")
    SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id,
        record_id__in=links.values("remote_id"),
    ).update(deleted=True)
    links.delete()
    Integration.objects.filter(pk=integration.pk).update(invoice_export_timing="nightly")
    integration.refresh_from_db()
    for invoice in invoices:
        queue_for(integration_id=integration.pk, kind="invoice", object_id=invoice.pk)
    wire.bodies.clear()

    run = nightly_export_run(integration=integration)

    assert run.counts["pushed"] == 2
    assert len(event) == 2 and wire.sent() == event


@pytest.mark.django_db(transaction=True)
def test_several_new_customers_waiting_are_placed_in_two_requests_per_ledger(both, live_hub):
    before = {integration.pk: requests_of(integration).count() for integration in both}
    for n in range(5):
        live_hub.customer(name=f"Client {n}", email=f"client{n}@example.com")

    for integration in both:
        drain(integration)

    for integration in both:
        # One look at the ledger's customer list, one batch creating the five.
        assert requests_of(integration).count() - before[integration.pk] <= 2
        assert Link.objects.filter(integration=integration, kind="customer").count() == 5
    assert not Change.objects.exclude(state="done").exists()


@pytest.mark.django_db(transaction=True)
def test_a_xero_send_with_a_new_customer_creates_the_contact_inside_its_invoice(both, live_hub):
    xero = next(integration for integration in both if integration.provider == "xero")
    adapter = adapter_for(xero)
    drain(xero, adapter=adapter)  # nothing waits yet: warms nothing, sends nothing
    live_hub.invoice()  # the tenant's settings are read with this first one
    drain(xero, adapter=adapter)
    before = requests_of(xero).count()

    invoice = live_hub.invoice(live_hub.customer(name="Ann Other", email="ann@example.com"))
    drain(xero)  # a new task: a new adapter, which knows nothing of the contacts yet

    made = [f"{r.method} {r.path}" for r in requests_of(xero).order_by("pk")[before:]]
    # The contact look-up, then the invoice with the new contact inside: no PUT of Contacts.
    assert len(made) == 2, made
    assert made[0].startswith("GET") and made[1].startswith("PUT") and "Invoices" in made[1]
    contact = Link.objects.get(integration=xero, kind="customer", object_id=invoice.customer_id)
    assert SandboxRecord.objects.filter(record_id=contact.remote_id, entity="Contacts").count() == 1
    assert not Change.objects.filter(integration=xero).exclude(state="done").exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_builds_one_quickbooks_client_per_access_token(both):
    from apps.integrations.quickbooks.client import QuickBooksClient
    from apps.integrations.registry import token_refresh

    qbo = both[0]
    first = QuickBooksClient(qbo).qb
    assert QuickBooksClient(qbo).qb is first  # the next drain's adapter: no new client

    fresh = token_refresh(integration=qbo)
    renewed = QuickBooksClient(qbo).qb

    assert renewed is not first and renewed.auth_client.access_token == fresh
    assert QuickBooksClient(qbo).qb is renewed


def test_an_export_page_the_hubs_limiter_stopped_goes_on_after_the_wait(connect, hub, remotes):
    from apps.integrations.contract import Throttled
    from apps.sync.models import SyncRun
    from apps.sync.nightly_export import export_page
    from apps.sync.runs import run_start

    qbo = connect(invoice_export_timing="nightly")
    customer = hub.customer()
    for _ in range(3):
        hub.invoice(customer)
    remotes(qbo).fail["push_invoice"] = [Throttled("Wait for the limit", retry_after=7)]
    run = run_start(integration=qbo, trigger=SyncRun.Trigger.NIGHTLY)

    # A page smaller than the export's, stopped part-way: the same run goes on after the wait.
    assert export_page(run) == 7
    run.refresh_from_db()
    assert run.finished_at is None
    assert export_page(run) is None
    assert remotes(qbo).count("invoice") == 3
    assert not Change.objects.filter(integration=qbo, kind="invoice").exclude(state="done")
