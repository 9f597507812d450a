"""``seed_demo`` makes an Australian demo organisation (AUD, GST at 10 %, GST-free fees) and
connects it to a QuickBooks Online Australia and a Xero Australia sandbox company, like an
operator consenting in the browser; running it again adds nothing and connects nothing twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.accounts.models import Organisation
from apps.customers.models import Customer
from apps.home import demo_australia
from apps.integrations.models import Integration
from apps.invoices.models import Invoice
from apps.sandbox.models import SandboxCompany

pytestmark = pytest.mark.django_db


def australian() -> Organisation:
    return Organisation.objects.get(name=demo_australia.ORGANISATION)


def test_australian_demo_charges_gst_in_aud_and_keeps_council_fees_gst_free():
    call_command("seed_demo", "--without-ledgers")
    organisation = australian()
    assert (organisation.country, organisation.currency) == ("AU", "AUD")
    assert organisation.time_zone == "Australia/Sydney"
    invoices = Invoice.objects.filter(organisation=organisation)
    assert invoices.count() == 6
    assert {invoice.tax_rate for invoice in invoices} == {Decimal("10")}
    with_fee = next(i for i in invoices if i.lines.filter(description__contains="GST free"))
    fee = with_fee.lines.get(description__contains="GST free")
    assert fee.taxable is False
    assert with_fee.tax_total == ((with_fee.subtotal - fee.amount) * Decimal("0.10")).quantize(
        Decimal("0.01")
    )
    assert Customer.objects.filter(organisation=organisation, billing_region="NSW").count() == 8
    assert not organisation.integrations.exists()


def test_australian_demo_is_connected_to_quickbooks_australia_and_xero_australia():
    call_command("seed_demo")
    integrations = Integration.objects.filter(organisation=australian())
    assert sorted(integrations.values_list("provider", flat=True)) == ["myob", "quickbooks", "xero"]
    for integration in integrations:
        assert integration.status == Integration.Status.CONNECTED
        assert (integration.country, integration.currency) == ("AU", "AUD")
        assert integration.region == "global"
        company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
        assert (company.country, company.currency) == ("AU", "AUD")


def test_running_the_demo_again_connects_nothing_twice_and_adds_no_one():
    call_command("seed_demo")
    customers, invoices = Customer.objects.count(), Invoice.objects.count()
    companies, integrations = SandboxCompany.objects.count(), Integration.objects.count()
    call_command("seed_demo")
    assert (Customer.objects.count(), Invoice.objects.count()) == (customers, invoices)
    assert SandboxCompany.objects.count() == companies
    assert Integration.objects.count() == integrations
