"""The engine, unchanged, with the MYOB adapter against the MYOB sandbox over real HTTP: an
invoice sent in the hub lands once; the hub's own writes are not pulled back as changes; an
invoice made in MYOB comes into the hub."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.integrations.companies import region_for_country
from apps.integrations.models import Integration
from apps.integrations.oauth import TokenSet
from apps.integrations.registry import adapter_for
from apps.integrations.tokens import apply_tokens
from apps.invoices.models import Invoice
from apps.sandbox.apps_registry import ensure_default_apps
from apps.sandbox.companies import company_create
from apps.sandbox.oauth import token_issue
from apps.sync.models import Change, Link
from apps.sync.nightly_export import nightly_export_run
from apps.sync.pull import pull
from tests.factories import OrganisationFactory
from tests.sync.conftest import Hub
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def myob(sandboxes, settings):
    base = f"{sandboxes.url}/sandbox/myob"
    settings.MYOB_AUTHORIZE_URL = f"{base}/oauth2/account/authorize"
    settings.MYOB_TOKEN_URL = f"{base}/oauth2/v1/authorize"
    settings.MYOB_API_BASE = f"{base}/accountright"
    organisation = OrganisationFactory(name="Bondi Plumbing", country="AU", currency="AUD")
    app = next(a for a in ensure_default_apps() if a.provider == "myob")
    company = company_create(provider="myob", name="Bondi Plumbing", country="AU")
    token = token_issue(app=app, company=company, scope="sme-company-file")
    integration = Integration(
        organisation=organisation,
        provider="myob",
        remote_company_id=company.external_id,
        remote_company_name=company.name,
        country="AU",
        currency="AUD",
        region=region_for_country("AU"),
    )
    apply_tokens(
        integration,
        TokenSet(token.access_token, token.refresh_token, token.access_expires_at, None),
    )
    integration.save()
    return integration, Hub(organisation)


def test_an_invoice_sent_in_the_hub_lands_once_in_myob_and_is_not_pulled_back(myob):
    integration, hub = myob
    invoice = hub.invoice()
    drain_until_done(integration)

    assert not Change.objects.filter(integration=integration).exclude(state="done").exists()
    link = Link.objects.get(integration=integration, kind="invoice", object_id=invoice.pk)
    adapter = adapter_for(integration)
    numbers = [c.record.number for p in adapter.pull(["invoice"], None) for c in p.changes]
    assert numbers.count(invoice.number) == 1
    before = Invoice.objects.count()

    pull(integration)

    assert Invoice.objects.count() == before
    assert Link.objects.get(pk=link.pk).remote_id == link.remote_id


def test_an_invoice_made_in_myob_comes_into_the_hub_with_myobs_total(myob):
    integration, _ = myob
    adapter = adapter_for(integration)
    gst, sales = adapter.card_tax_code(), adapter.account_uid("Income")
    card = adapter.client.create(
        "Contact/Customer",
        {
            "CompanyName": "Tamarama Tiles",
            "IsIndividual": False,
            "Addresses": [{"Location": 1, "Email": "accounts@tamarama.example"}],
            "SellingDetails": {"TaxCode": {"UID": gst}, "FreightTaxCode": {"UID": gst}},
        },
    )
    made = adapter.client.create(
        "Sale/Invoice/Service",
        {
            "Number": "MY-0001",
            "Date": f"{timezone.localdate().isoformat()}T00:00:00",
            "Customer": {"UID": card["UID"]},
            "IsTaxInclusive": False,
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": "Regrout bathroom",
                    "Total": 400.0,
                    "Account": {"UID": sales},
                    "TaxCode": {"UID": gst},
                }
            ],
        },
    )

    pull(integration)

    invoice = Invoice.objects.get(organisation=integration.organisation, number="MY-0001")
    assert invoice.total == Decimal(str(made["TotalAmount"])) == Decimal("440.00")
    assert invoice.customer.display_name == "Tamarama Tiles"


def test_the_nightly_export_sends_invoices_one_request_each_and_once(myob):
    integration, hub = myob
    integration.invoice_export_timing = Integration.ExportTiming.NIGHTLY
    integration.save(update_fields=["invoice_export_timing"])
    invoices = [hub.invoice(hub.customer(f"Client {n}", f"c{n}@x.example")) for n in range(3)]
    drain_until_done(integration)  # customers go now; invoices wait for the night

    nightly_export_run(integration=integration)
    nightly_export_run(integration=integration)  # a second run finds nothing left to send

    assert not Change.objects.filter(integration=integration).exclude(state="done").exists()
    numbers = [
        c.record.number for p in adapter_for(integration).pull(["invoice"], None) for c in p.changes
    ]
    for invoice in invoices:
        assert numbers.count(invoice.number) == 1
        assert Link.objects.filter(integration=integration, kind="invoice", object_id=invoice.pk)


def test_a_hub_number_longer_than_myob_takes_is_parked_not_cut_into_another_invoice(myob):
    """Cut to MYOB's 13 characters, HARBOUR-2026-0001 and HARBOUR-2026-0002 would be one MYOB
    invoice, the second written over the first."""
    integration, hub = myob
    customer = hub.customer()
    first, second = hub.invoice(customer), hub.invoice(customer)
    Invoice.objects.filter(pk=first.pk).update(number="HARBOUR-2026-0001")
    Invoice.objects.filter(pk=second.pk).update(number="HARBOUR-2026-0002")

    drain_until_done(integration)

    parked = Change.objects.filter(integration=integration, kind="invoice", state="failed")
    assert parked.count() == 2
    assert all("at most 13 characters" in change.last_error for change in parked)
    assert not Link.objects.filter(integration=integration, kind="invoice").exists()
    numbers = [
        c.record.number for p in adapter_for(integration).pull(["invoice"], None) for c in p.changes
    ]
    assert not [n for n in numbers if n.startswith("HARBOUR-2026")]
