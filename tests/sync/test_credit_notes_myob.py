"""Credit notes and refunds are not supported by MYOB yet (docs/credit-notes.md, "MYOB"): a hub
credit note stays out of a MYOB company file, with the reason in the Sync Log."""

from __future__ import annotations

import pytest

from apps.invoices.credits import credit_note_create
from apps.sandbox.models import SandboxRecord
from apps.sync.models import SyncLogEntry
from tests.factories import OrganisationFactory
from tests.sync.conftest import Hub
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def myob(sandboxes):
    from apps.sandbox.tools.benchmark_data import sandbox_integration_connect

    org = OrganisationFactory(name="Coastline Trades", country="AU", currency="AUD")
    return org, sandbox_integration_connect(organisation=org, provider="myob", nightly=False)


def test_a_credit_note_is_held_back_from_myob_with_the_reason_in_the_sync_log(myob):
    org, integration = myob
    invoice = Hub(org).invoice()
    drain_until_done(integration)
    invoices_before = SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity="myob:Sale/Invoice"
    ).count()

    note = credit_note_create(invoice=invoice, reason="Job cancelled")
    drain_until_done(integration)

    entry = SyncLogEntry.objects.filter(
        integration=integration, kind="credit_note", object_id=note.pk
    ).latest("pk")
    assert entry.message == "This integration does not take credit notes from the hub."
    after = SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity="myob:Sale/Invoice"
    ).count()
    assert after == invoices_before
