"""Webhooks for what the hub itself wrote cost at most one cheap request and change nothing;
an edit made in the ledger is still pulled; tax rates and accounts are read once per tenant,
and again once when the ledger refuses what the kept copy named. Real adapters against both
sandboxes over HTTP; requests counted in the sandboxes' request log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from apps.integrations import reference_cache
from apps.integrations.models import WebhookEvent
from apps.integrations.quickbooks import notifications as quickbooks_notifications
from apps.integrations.webhooks import webhook_events_record
from apps.integrations.xero import notifications as xero_notifications
from apps.invoices.models import Invoice
from apps.sandbox import store
from apps.sandbox import webhooks as sandbox_webhooks
from apps.sandbox.models import SandboxCompany, SandboxRequest
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.pull import pull
from apps.sync.push import drain

pytestmark = pytest.mark.django_db(transaction=True)

ENTITIES = {
    "quickbooks": {"customer": "Customer", "invoice": "Invoice"},
    "xero": {"customer": "Contacts", "invoice": "Invoices"},
}


class Notifications:
    """The sandboxes' own notification bodies, made when the sandbox makes the change (as it
    stamps them), handed to the hub's receiver when the test says so."""

    def __init__(self) -> None:
        self.made: list[tuple[str, object]] = []

    def notify(self, company, entity, record_id, operation) -> None:
        if company.provider == "xero":
            if entity not in sandbox_webhooks.XERO_CATEGORIES:
                return
            payload = sandbox_webhooks._xero_payload(company, entity, record_id, operation)
        else:
            payload = sandbox_webhooks._qbo_payload(company, entity, record_id, operation)
        self.made.append((company.provider, payload))

    def deliver(self) -> None:
        for provider, payload in self.made:
            reader = quickbooks_notifications if provider == "quickbooks" else xero_notifications
            webhook_events_record(provider=provider, events=reader.notices(payload))
        self.made = []


def quickbooks_notifies(integration, entity: str, record_id: str, operation="Create") -> None:
    """The sandbox's notification of a change, received by the hub (which queues the pull)."""
    company = company_of(integration)
    payload = sandbox_webhooks._qbo_payload(company, entity, record_id, operation)
    webhook_events_record(provider="quickbooks", events=quickbooks_notifications.notices(payload))


@pytest.fixture
def notifications(both, monkeypatch) -> Notifications:
    made = Notifications()
    monkeypatch.setattr("apps.sandbox.webhooks.notify", made.notify)
    # The engine's task is started by the test itself (pull with the webhook trigger).
    monkeypatch.setattr("apps.sync.receivers.webhook_pulls", lambda *args, **kwargs: None)
    return made


def company_of(integration) -> SandboxCompany:
    return SandboxCompany.objects.get(external_id=integration.remote_company_id)


def requests_of(integration):
    return SandboxRequest.objects.filter(company=company_of(integration))


def sent(integration, live_hub, notifications):
    """An invoice for a new customer sent from the hub, and the sandbox's notifications."""
    invoice = live_hub.invoice()
    drain(integration)
    assert Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk)
    assert notifications.made, "the sandbox announced the hub's writes"
    return invoice


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_webhooks_for_an_invoice_the_hub_just_sent_cost_at_most_one_request(
    both, live_hub, notifications, provider
):
    integration = both[0] if provider == "quickbooks" else both[1]
    invoice = Invoice.objects.get(pk=sent(integration, live_hub, notifications).pk)
    before = requests_of(integration).count()
    waiting = Change.objects.exclude(state="done").count()

    notifications.deliver()
    result = pull(integration, trigger="webhook")

    assert requests_of(integration).count() - before <= 1
    assert result.error == ""
    assert not SyncLogEntry.objects.filter(integration=integration, direction="pull").exists()
    assert model_to_dict(Invoice.objects.get(pk=invoice.pk)) == model_to_dict(invoice)
    assert Change.objects.exclude(state="done").count() == waiting  # nothing sent on anywhere
    assert not WebhookEvent.objects.filter(integration=integration, processed_at=None).exists()


def test_xero_stamping_a_contact_again_for_the_hubs_first_sale_of_it_reads_nothing(
    both, live_hub, notifications
):
    xero = both[1]
    customer = live_hub.customer(name="Ann Fixit", email="ann@example.com")
    drain(xero)  # the contact, made on its own: not a customer yet
    assert Link.objects.filter(integration=xero, kind="customer", object_id=customer.pk)
    notifications.deliver()
    pull(xero, trigger="webhook")
    live_hub.invoice(customer)
    drain(xero)
    events = [
        (event["eventCategory"], event["eventType"])
        for _, payload in notifications.made
        for event in payload["events"]
    ]
    assert ("CONTACT", "UPDATE") in events  # flagged a customer by the invoice
    before = requests_of(xero).count()

    notifications.deliver()
    pull(xero, trigger="webhook")

    assert requests_of(xero).count() == before


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_a_webhook_its_time_cannot_place_reads_the_named_records_once_per_kind(
    both, live_hub, notifications, provider
):
    integration = both[0] if provider == "quickbooks" else both[1]
    sent(integration, live_hub, notifications)
    # The hub recorded its write before the event's time (clocks apart): only versions tell.
    Link.objects.filter(integration=integration).update(
        synced_at=Link.objects.get(integration=integration, kind="invoice").synced_at
        - timedelta(minutes=5)
    )
    before = list(requests_of(integration).values_list("path", flat=True))

    notifications.deliver()
    result = pull(integration, trigger="webhook")

    made = list(requests_of(integration).values_list("path", flat=True))[len(before) :]
    assert len(made) == 2, made  # one for the customer, one for the invoice, read by id
    assert result.error == ""
    assert not WebhookEvent.objects.filter(integration=integration, processed_at=None).exists()
    # Nothing changed (Xero's own stamp of the new contact reads as no change either).
    assert not SyncLogEntry.objects.filter(integration=integration, direction="pull").exists()


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_an_edit_made_in_the_ledger_after_the_hub_wrote_is_still_pulled(
    both, live_hub, notifications, provider
):
    integration = both[0] if provider == "quickbooks" else both[1]
    invoice = sent(integration, live_hub, notifications)
    notifications.deliver()
    pull(integration, trigger="webhook")
    link = Link.objects.get(integration=integration, kind="customer", object_id=invoice.customer_id)

    record = store.record_get(
        company=company_of(integration),
        entity=ENTITIES[provider]["customer"],
        record_id=link.remote_id,
    )
    data = dict(record.data)
    if provider == "quickbooks":
        data["PrimaryPhone"] = {"FreeFormNumber": "555-0199"}
    else:
        data["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": "555-0199"}]
    store.record_save(record=record, data=data)
    notifications.deliver()
    pull(integration, trigger="webhook")

    invoice.customer.refresh_from_db()
    assert "555-0199" in invoice.customer.phone
    assert SyncLogEntry.objects.filter(
        integration=integration, direction="pull", outcome="pulled", kind="customer"
    ).exists()


def _paths(integration, word: str) -> int:
    return requests_of(integration).filter(path__contains=word).count()


def test_a_second_drain_reads_neither_tax_rates_nor_accounts_again(both, live_hub):
    xero = both[1]
    live_hub.invoice()
    drain(xero)
    live_hub.invoice(live_hub.customer("Ada Lane", "ada@example.com"))
    drain(xero)

    assert Link.objects.filter(integration=xero, kind="invoice").count() == 2
    assert _paths(xero, "/TaxRates") == 1
    assert _paths(xero, "/Accounts") == 1


def test_a_tax_type_the_tenant_no_longer_has_reads_the_tax_rates_again_once_before_sending(
    both, live_hub
):
    xero = both[1]
    live_hub.invoice()
    drain(xero)
    # Someone changed the tenant's tax rates since they were kept: the kept copy names a type
    # Xero no longer takes.
    kept = reference_cache.kept(xero, "tax-rates", lambda: pytest.fail("kept after the drain"))
    stale = [{**row, "TaxType": f"GONE{n}"} for n, row in enumerate(kept)]
    reference_cache.keep(xero, "tax-rates", stale)

    before = requests_of(xero).filter(path__contains="/Invoices", method="PUT").count()
    invoice = live_hub.invoice(live_hub.customer("Ada Lane", "ada@example.com"))
    drain(xero)

    assert Link.objects.filter(integration=xero, kind="invoice", object_id=invoice.pk).exists()
    # Once at first, once when the mapped type was missing from the kept copy: read again
    # before sending, so Xero never sees (and refuses) the stale type.
    assert _paths(xero, "/TaxRates") == 2
    refused = requests_of(xero).filter(path__contains="/Invoices", status=400).count()
    assert refused == 0
    puts = requests_of(xero).filter(path__contains="/Invoices", method="PUT").count() - before
    assert puts == 1


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The webhook pulls the hub's receiver queues (the task itself is not run)."""
    pulls: list[int] = []
    from apps.sync import gather

    def queue(task, what, pk, **kwargs):
        if what == gather.WEBHOOK_PULL:
            pulls.append(pk)

    monkeypatch.setattr(gather, "queue", queue)
    return pulls


def caught_up(integration) -> None:
    from apps.sync.outbox import state_for

    state = state_for(integration.pk)
    state.caught_up_at = integration.connected_at + timedelta(seconds=1)
    state.save(update_fields=["caught_up_at"])


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_the_hubs_own_writes_coming_back_queue_no_pull_for_the_worker(
    both, live_hub, notifications, queued, provider
):
    integration = both[0] if provider == "quickbooks" else both[1]
    sent(integration, live_hub, notifications)
    caught_up(integration)
    before = requests_of(integration).count()

    notifications.deliver()

    assert queued == []
    assert not WebhookEvent.objects.filter(integration=integration, processed_at=None).exists()
    assert requests_of(integration).count() == before


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_a_webhook_for_an_edit_made_in_the_ledger_still_queues_its_pull(
    both, live_hub, notifications, queued, provider
):
    integration = both[0] if provider == "quickbooks" else both[1]
    invoice = sent(integration, live_hub, notifications)
    caught_up(integration)
    notifications.deliver()
    link = Link.objects.get(integration=integration, kind="invoice", object_id=invoice.pk)
    record = store.record_get(
        company=company_of(integration),
        entity=ENTITIES[provider]["invoice"],
        record_id=link.remote_id,
    )
    store.record_save(record=record, data=dict(record.data))  # stamped later: an edit there

    notifications.deliver()

    assert queued == [integration.pk]
    assert WebhookEvent.objects.filter(integration=integration, processed_at=None).exists()


def test_a_webhook_before_the_first_catch_up_still_queues_its_pull(
    both, live_hub, notifications, queued
):
    quickbooks = both[0]
    sent(quickbooks, live_hub, notifications)

    notifications.deliver()

    assert set(queued) == {quickbooks.pk}  # one per notification; gathered into one task


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_a_webhook_for_a_create_not_linked_yet_waits_while_the_hub_is_still_sending(
    both, live_hub, notifications, provider
):
    integration = both[0] if provider == "quickbooks" else both[1]
    invoice = sent(integration, live_hub, notifications)
    # The hub's answer for its own create is not written yet, and it is still sending others.
    Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk).delete()
    Change.objects.create(integration=integration, kind="invoice", object_id=0, state="in_progress")
    before = requests_of(integration).count()

    notifications.deliver()
    result = pull(integration, trigger="webhook")

    assert result.postponed
    assert requests_of(integration).count() == before  # nothing read yet
    assert WebhookEvent.objects.filter(integration=integration, processed_at=None).exists()


def test_a_webhook_for_a_record_not_linked_is_pulled_when_the_hub_is_not_sending(
    both, live_hub, notifications
):
    quickbooks = both[0]
    invoice = sent(quickbooks, live_hub, notifications)
    Link.objects.filter(integration=quickbooks, kind="invoice", object_id=invoice.pk).delete()
    before = requests_of(quickbooks).count()

    notifications.deliver()
    result = pull(quickbooks, trigger="webhook")

    assert not result.postponed
    assert requests_of(quickbooks).count() > before  # the incremental pull, as before
    assert not WebhookEvent.objects.filter(integration=quickbooks, processed_at=None).exists()


def test_a_webhook_is_not_postponed_for_ever(both, live_hub, notifications):
    quickbooks = both[0]
    invoice = sent(quickbooks, live_hub, notifications)
    Link.objects.filter(integration=quickbooks, kind="invoice", object_id=invoice.pk).delete()
    Change.objects.create(integration=quickbooks, kind="invoice", object_id=0, state="in_progress")
    notifications.deliver()
    WebhookEvent.objects.filter(integration=quickbooks).update(
        received_at=timezone.now() - timedelta(seconds=31)
    )

    result = pull(quickbooks, trigger="webhook")

    assert not result.postponed
    assert not WebhookEvent.objects.filter(integration=quickbooks, processed_at=None).exists()


def test_a_failing_echo_check_still_queues_the_pull(
    both, live_hub, notifications, queued, monkeypatch
):
    quickbooks = both[0]
    sent(quickbooks, live_hub, notifications)
    caught_up(quickbooks)

    def broken(integration_id):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("apps.sync.receivers.webhook_echoes_settled", broken)
    notifications.deliver()

    assert set(queued) == {quickbooks.pk}


def test_a_webhook_pull_run_in_place_reads_at_once_rather_than_waiting_for_links(
    both, live_hub, notifications
):
    """Tasks run eagerly (as in a request) ignore countdowns: waiting would loop at once."""
    from apps.sync.tasks import pull_integration
    from config.celery import app

    quickbooks = both[0]
    invoice = sent(quickbooks, live_hub, notifications)
    caught_up(quickbooks)
    Link.objects.filter(integration=quickbooks, kind="invoice", object_id=invoice.pk).delete()
    Change.objects.create(integration=quickbooks, kind="invoice", object_id=0, state="in_progress")
    notifications.deliver()

    app.conf.task_always_eager = True
    try:
        pull_integration.delay(quickbooks.pk, trigger="webhook")
    finally:
        app.conf.task_always_eager = False

    assert not WebhookEvent.objects.filter(integration=quickbooks, processed_at=None).exists()
