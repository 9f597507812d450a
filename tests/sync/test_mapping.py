"""Account and tax mapping (docs/mapping.md), through the integration's settings page and
against the sandboxes over HTTP: what is suggested, what a saved choice changes in what the
ledger receives, what is refused, and what is held back until it is mapped."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from apps.common.lines import LineInput
from apps.customers.services import customer_create
from apps.integrations import reference_cache
from apps.integrations.models import AccountMapping, ItemAccountMapping, TaxMapping
from apps.integrations.registry import adapter_for
from apps.invoices.services import invoice_create, invoice_send, payment_collect_online
from apps.sandbox.models import SandboxRecord
from apps.sandbox.tools.benchmark_data import sandbox_integration_connect
from apps.sync.models import Change, Link, SyncLogEntry
from apps.sync.push import drain
from tests.factories import OrganisationFactory, ServiceItemFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def connected(provider: str, country: str = "US", currency: str = "USD"):
    organisation = OrganisationFactory(
        name=f"Mapping {provider}", country=country, currency=currency
    )
    integration = sandbox_integration_connect(
        organisation=organisation, provider=provider, nightly=False
    )
    client = Client()
    client.force_login(UserFactory(organisation=organisation))
    return integration, client


def settings_url(integration) -> str:
    return f"/settings/integrations/{integration.pk}/"


def record(integration, entity: str, remote_id: str) -> dict:
    return SandboxRecord.objects.get(
        company__external_id=integration.remote_company_id, entity=entity, record_id=remote_id
    ).data


def remote_id_of(integration, kind: str, object_id: int) -> str:
    return Link.objects.get(integration=integration, kind=kind, object_id=object_id).remote_id


def drain_all(integration) -> None:
    for _ in range(5):
        drain(integration)
        waiting = Change.objects.filter(integration=integration, state="pending")
        if not waiting.exists():
            return
        waiting.update(next_attempt_at=None)


def sent_invoice(organisation, *, tax="0", item=None, price="100.00"):
    customer = customer_create(
        organisation=organisation, given_name="Nick", family_name="Brown", email="nick@example.com"
    )
    line = LineInput(
        description="Boiler service",
        quantity=Decimal("1"),
        unit_price=Decimal(price),
        taxable=True,
        service_item=item,
    )
    invoice = invoice_create(
        organisation=organisation,
        lines=[line],
        customer=customer,
        tax_rate=Decimal(tax),
        issue_date=timezone.localdate(),
    )
    return invoice_send(invoice=invoice)


# --- the page ----------------------------------------------------------------------------
def test_settings_page_lists_the_ledgers_accounts_with_suggestions(sandboxes):
    xero, client = connected("xero")
    page = client.get(settings_url(xero)).content.decode()
    assert 'data-testid="mapping"' in page
    # Today's choices are the suggestions: revenue 200 for lines, bank 090 for payments.
    assert "Suggested: Sales (200)" in page
    assert "Suggested: Business Bank Account (090)" in page
    assert "Other Revenue (260)" in page
    # The hub's rates: 0 % (untaxed lines) and the organisation's default, with Xero's code.
    assert "Suggested: No Tax" in page
    assert AccountMapping.objects.get(integration=xero).accounts_read_at is not None


def test_quickbooks_suggests_undeposited_funds_and_says_us_lines_carry_no_tax_code(sandboxes):
    qbo, client = connected("quickbooks")
    page = client.get(settings_url(qbo)).content.decode()
    assert "Suggested: Undeposited Funds" in page
    assert "Suggested: Services" in page  # the first income account, as items were made under
    assert 'data-testid="no-tax-codes"' in page


def test_refresh_reads_an_account_added_in_the_ledger(sandboxes):
    xero, client = connected("xero")
    client.get(settings_url(xero))
    adapter_for(xero).client.create(
        "Accounts", {"Code": "270", "Name": "Call-out Fees", "Type": "REVENUE"}, key="acct-270"
    )
    assert "Call-out Fees (270)" not in client.get(settings_url(xero)).content.decode()
    answer = client.post(f"{settings_url(xero)}mapping/refresh/", follow=True)
    assert "Call-out Fees (270)" in answer.content.decode()


# --- saving changes what the ledger receives ---------------------------------------------
def test_mapped_income_and_payment_accounts_are_what_xero_receives(sandboxes):
    xero, client = connected("xero")
    client.get(settings_url(xero))
    answer = client.post(
        f"{settings_url(xero)}mapping/", {"income_account": "260", "payments_account": "090"}
    )
    assert answer.status_code == 302
    invoice = sent_invoice(xero.organisation)
    drain_all(xero)
    data = record(xero, "Invoices", remote_id_of(xero, "invoice", invoice.pk))
    assert {line["AccountCode"] for line in data["LineItems"]} == {"260"}

    payment = payment_collect_online(invoice=invoice, amount="50.00")
    drain_all(xero)
    paid = record(xero, "Payments", remote_id_of(xero, "payment", payment.pk))
    assert paid["Account"]["Code"] == "090"


def test_a_service_items_own_income_account_is_used_on_its_lines(sandboxes):
    xero, client = connected("xero")
    item = ServiceItemFactory(organisation=xero.organisation, name="Gas safety check")
    client.get(settings_url(xero))
    client.post(f"{settings_url(xero)}mapping/", {f"item_{item.pk}": "260"})
    assert ItemAccountMapping.objects.get(integration=xero, item=item).income_account_id == "260"
    invoice = sent_invoice(xero.organisation, item=item)
    drain_all(xero)
    data = record(xero, "Invoices", remote_id_of(xero, "invoice", invoice.pk))
    assert data["LineItems"][0]["AccountCode"] == "260"


def test_quickbooks_payment_is_deposited_to_the_mapped_account(sandboxes):
    qbo, client = connected("quickbooks")
    client.get(settings_url(qbo))
    answer = client.post(f"{settings_url(qbo)}mapping/", {"payments_account": "35"})
    assert answer.status_code == 302
    invoice = sent_invoice(qbo.organisation)
    payment = payment_collect_online(invoice=invoice, amount="40.00")
    drain_all(qbo)
    data = record(qbo, "Payment", remote_id_of(qbo, "payment", payment.pk))
    assert data["DepositToAccountRef"]["value"] == "35"
    assert data["DepositToAccountRef"]["name"] == "Checking"


def test_quickbooks_item_made_for_a_line_is_sold_under_the_mapped_income_account(sandboxes):
    qbo, client = connected("quickbooks")
    item = ServiceItemFactory(organisation=qbo.organisation, name="Gas safety check")
    client.get(settings_url(qbo))
    client.post(f"{settings_url(qbo)}mapping/", {f"item_{item.pk}": "82"})
    sent_invoice(qbo.organisation, item=item)
    drain_all(qbo)
    made = SandboxRecord.objects.get(
        company__external_id=qbo.remote_company_id, entity="Item", data__Name="Gas safety check"
    )
    assert made.data["IncomeAccountRef"]["value"] == "82"


def test_myob_invoice_lines_post_to_the_mapped_income_account(sandboxes):
    myob, client = connected("myob", "AU", "AUD")
    accounts = {
        r.data["DisplayID"]: r.record_id
        for r in SandboxRecord.objects.filter(
            company__external_id=myob.remote_company_id, entity="myob:GeneralLedger/Account"
        )
    }
    page = client.get(settings_url(myob)).content.decode()
    assert "Suggested: Sales - Services (4-1000)" in page
    answer = client.post(f"{settings_url(myob)}mapping/", {"income_account": accounts["4-3000"]})
    assert answer.status_code == 302
    invoice = sent_invoice(myob.organisation, tax="10")
    drain_all(myob)
    data = record(myob, "myob:Sale/Invoice", remote_id_of(myob, "invoice", invoice.pk))
    assert {line["Account"]["UID"] for line in data["Lines"]} == {accounts["4-3000"]}
    assert TaxMapping.objects.get(integration=myob, rate=Decimal("10")).remote_name.startswith(
        "GST"
    )


# --- refused, reported -------------------------------------------------------------------
def test_a_bank_account_as_income_account_is_refused_and_nothing_is_saved(sandboxes):
    xero, client = connected("xero")
    client.get(settings_url(xero))
    answer = client.post(
        f"{settings_url(xero)}mapping/", {"income_account": "090", "payments_account": "090"}
    )
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Nothing was saved" in page
    assert (
        "Default income account: Business Bank Account is a Bank account, not an income "
        "(revenue) account." in page
    )
    mapping = AccountMapping.objects.get(integration=xero)
    assert (mapping.income_account_id, mapping.payments_account_id) == ("", "")


def test_an_expense_tax_type_on_sales_is_refused(sandboxes):
    xero, client = connected("xero")
    client.get(settings_url(xero))
    answer = client.post(f"{settings_url(xero)}mapping/", {"tax_8_25": "INPUT"})
    assert answer.status_code == 400
    assert "Tax on Purchases cannot be used on income (revenue) accounts" in (
        answer.content.decode()
    )
    assert not TaxMapping.objects.filter(integration=xero, rate=Decimal("8.25")).exists()


def test_a_code_of_another_rate_is_refused(sandboxes):
    qbo, client = connected("quickbooks", "CA", "CAD")
    client.get(settings_url(qbo))
    answer = client.post(f"{settings_url(qbo)}mapping/", {"tax_5": "4"})  # HST ON, 13 %
    assert answer.status_code == 400
    assert "HST ON is 13% in QuickBooks Online, not 5%" in answer.content.decode()


def archive_in_xero(xero, code: str = "260", name: str = "Other Revenue") -> None:
    """An account (260, Other Revenue) archived in Xero, as staff would there."""
    account = SandboxRecord.objects.get(
        company__external_id=xero.remote_company_id, entity="Accounts", data__Code=code
    )
    adapter_for(xero).client.update(
        "Accounts", account.record_id, {"Code": code, "Name": name, "Status": "ARCHIVED"}
    )


def test_an_archived_mapped_account_is_reported_and_holds_the_invoice_back(sandboxes):
    xero, client = connected("xero")
    client.get(settings_url(xero))
    client.post(f"{settings_url(xero)}mapping/", {"income_account": "260"})
    archive_in_xero(xero)
    page = client.post(f"{settings_url(xero)}mapping/refresh/", follow=True).content.decode()
    assert "the account Other Revenue is archived or inactive in the ledger" in page

    invoice = sent_invoice(xero.organisation)
    drain_all(xero)
    change = Change.objects.filter(integration=xero, kind="invoice", object_id=invoice.pk).last()
    assert change.state == Change.State.HELD_BACK
    assert "is archived in Xero" in change.last_error
    assert not Link.objects.filter(integration=xero, kind="invoice", object_id=invoice.pk)


def test_a_deleted_mapped_account_is_reported_on_the_page(sandboxes):
    qbo, client = connected("quickbooks")
    client.get(settings_url(qbo))
    client.post(f"{settings_url(qbo)}mapping/", {"payments_account": "36"})
    SandboxRecord.objects.filter(
        company__external_id=qbo.remote_company_id, entity="Account", record_id="36"
    ).delete()
    page = client.post(f"{settings_url(qbo)}mapping/refresh/", follow=True).content.decode()
    assert "the account Savings no longer exists in the ledger (deleted)" in page
    assert "Choose another account and save" in page
    # Needs attention lists it too, from the chart just read (no request to QuickBooks).
    dashboard = client.get("/").content.decode()
    assert "Payments deposited to: the account Savings no longer exists" in dashboard
    assert "Open the mapping" in dashboard


# --- tax codes: suggested, held back, released -------------------------------------------
def test_the_one_code_of_a_rate_is_used_and_shown_as_the_mapping(sandboxes):
    xero, client = connected("xero")
    invoice = sent_invoice(xero.organisation, tax="8.25")
    drain_all(xero)
    data = record(xero, "Invoices", remote_id_of(xero, "invoice", invoice.pk))
    assert data["LineItems"][0]["TaxType"] == "OUTPUT"
    mapped = TaxMapping.objects.get(integration=xero, rate=Decimal("8.25"))
    assert (mapped.remote_code, mapped.remote_name) == ("OUTPUT", "Tax on Sales")
    page = client.get(settings_url(xero)).content.decode()
    assert '<option value="OUTPUT" selected>Tax on Sales · 8.25 %</option>' in page


def test_an_ambiguous_rate_holds_the_invoice_until_it_is_mapped(sandboxes):
    xero, client = connected("xero")
    adapter_for(xero).client.create(
        "TaxRates",
        {"Name": "City sales tax", "TaxComponents": [{"Name": "City", "Rate": "8.25"}]},
        key="city-tax",
    )
    reference_cache.forget_all(xero)
    invoice = sent_invoice(xero.organisation, tax="8.25")
    drain_all(xero)

    change = Change.objects.filter(integration=xero, kind="invoice", object_id=invoice.pk).last()
    assert change.state == Change.State.HELD_BACK
    assert change.last_error.startswith("Tax rate 8.25% has no tax code mapped, and Xero has 2")
    assert SyncLogEntry.objects.filter(
        integration=xero, object_id=invoice.pk, outcome="held_back", message=change.last_error
    ).exists()
    dashboard = client.get("/").content.decode()
    assert "Map this rate" in dashboard
    assert f"{settings_url(xero)}#tax-8_25" in dashboard
    log = client.get(f"/sync/log/?integration={xero.pk}").content.decode()
    assert "Tax rate 8.25% has no tax code mapped" in log
    assert f'href="{settings_url(xero)}#tax-8_25" data-testid="mapping-fix">Map this rate' in log
    page = client.get(settings_url(xero)).content.decode()
    assert "Choose: 2 codes at this rate" in page
    assert "documents at this rate are held back until you do" in page

    city = next(
        r.record_id
        for r in SandboxRecord.objects.filter(
            company__external_id=xero.remote_company_id, entity="TaxRates"
        )
        if r.data.get("Name") == "City sales tax"
    )
    answer = client.post(f"{settings_url(xero)}mapping/", {"tax_8_25": city})
    assert answer.status_code == 302
    drain_all(xero)
    data = record(xero, "Invoices", remote_id_of(xero, "invoice", invoice.pk))
    assert data["LineItems"][0]["TaxType"] == city
    assert Decimal(str(data["TotalTax"])) == invoice.tax_total


class _FormAsPosted(HTMLParser):
    """The mapping form's selects as a browser posts them: each one's selected option."""

    def __init__(self):
        super().__init__()
        self.values, self._select = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._select = attrs["name"]
            self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def test_saving_the_form_keeps_an_item_and_a_rate_mapped_to_what_the_ledger_no_longer_offers(
    sandboxes,
):
    xero, client = connected("xero")
    item = ServiceItemFactory(organisation=xero.organisation, name="Gas safety check")
    city = adapter_for(xero).client.create(
        "TaxRates",
        {"Name": "City sales tax", "TaxComponents": [{"Name": "City", "Rate": "8.25"}]},
        key="city-tax",
    )["TaxType"]
    reference_cache.forget_all(xero)
    client.get(settings_url(xero))
    client.post(f"{settings_url(xero)}mapping/", {f"item_{item.pk}": "260", "tax_8_25": city})
    archive_in_xero(xero)
    SandboxRecord.objects.filter(
        company__external_id=xero.remote_company_id, entity="TaxRates", data__TaxType=city
    ).delete()
    page = client.post(f"{settings_url(xero)}mapping/refresh/", follow=True).content.decode()
    assert "Other Revenue (not usable)" in page and "City sales tax (not usable)" in page

    form = _FormAsPosted()
    form.feed(page)
    form.values["income_account"] = "200"  # staff change the default income account only
    answer = client.post(f"{settings_url(xero)}mapping/", form.values)

    assert answer.status_code == 302
    assert ItemAccountMapping.objects.get(integration=xero, item=item).income_account_id == "260"
    assert TaxMapping.objects.get(integration=xero, rate=Decimal("8.25")).remote_code == city
    assert AccountMapping.objects.get(integration=xero).income_account_id == "200"
