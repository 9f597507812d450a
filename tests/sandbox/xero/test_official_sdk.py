"""The official xero-python SDK, pointed at the sandbox's base URLs with a token from the
sandbox's own consent page, makes every call the product makes."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth2Session
from xero_python.accounting import (
    AccountingApi,
    Allocation,
    Allocations,
    Contact,
    Contacts,
    CreditNote,
    CreditNotes,
    CurrencyCode,
    Invoice,
    Invoices,
    Item,
    Items,
    LineItem,
    Payment,
    Payments,
    Quote,
    Quotes,
    QuoteStatusCodes,
    TaxComponent,
    TaxRate,
    TaxRates,
)
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import ApiException
from xero_python.identity import IdentityApi

pytestmark = pytest.mark.django_db(transaction=True)
CALLBACK = "http://localhost:9/callback/"
SCOPE = ["offline_access", "accounting.transactions", "accounting.contacts", "accounting.settings"]


def _sandbox_tokens(live_server, app, tenant) -> dict:
    session = OAuth2Session(app.client_id, redirect_uri=CALLBACK, scope=SCOPE)
    url, _ = session.authorization_url(f"{live_server.url}/sandbox/xero/identity/connect/authorize")
    answer = requests.post(
        url,
        data={"action": "approve", "company": tenant.external_id},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return requests.post(
        f"{live_server.url}/sandbox/xero/identity/connect/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(app.client_id, app.client_secret),
        timeout=10,
    ).json()


@pytest.fixture
def sdk(live_server, monkeypatch, xero_app, xero_company):
    """(api client, accounting, identity), the SDK's identity host replaced by the sandbox's."""
    token_url = f"{live_server.url}/sandbox/xero/identity/connect/token"
    monkeypatch.setattr(TokenApi, "refresh_token_url", token_url)
    monkeypatch.setattr(
        TokenApi, "revoke_token_url", f"{live_server.url}/sandbox/xero/identity/connect/revocation"
    )
    stored = {"token": _sandbox_tokens(live_server, xero_app, xero_company)}
    client = ApiClient(
        Configuration(
            oauth2_token=OAuth2Token(
                client_id=xero_app.client_id, client_secret=xero_app.client_secret
            )
        ),
        pool_threads=1,
        oauth2_token_getter=lambda: stored["token"],
        oauth2_token_saver=lambda token: stored.update(token=token),
    )
    accounting = AccountingApi(client, base_url=f"{live_server.url}/sandbox/xero/api.xro/2.0")
    identity = IdentityApi(client, base_url=f"{live_server.url}/sandbox/xero")
    yield client, accounting, identity
    client.rest_client.pool_manager.clear()


def test_sdk_refreshes_its_token_and_lists_its_connection(sdk, xero_company):
    client, _, identity = sdk
    before = client.get_oauth2_token()["access_token"]
    assert client.refresh_oauth2_token()["access_token"] != before
    (connection,) = identity.get_connections()
    assert str(connection.tenant_id) == xero_company.external_id
    assert connection.tenant_type == "ORGANISATION"


def test_sdk_reads_organisation_accounts_tax_rates_and_items(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    (organisation,) = accounting.get_organisations(tenant).organisations
    assert organisation.name == "Harbour Plumbing"
    assert "200" in {a.code for a in accounting.get_accounts(tenant).accounts}
    assert "OUTPUT2" in {r.tax_type for r in accounting.get_tax_rates(tenant).tax_rates}
    items = accounting.get_items(tenant, where='Code=="LABOUR"').items
    assert [i.code for i in items] == ["LABOUR"]


def test_sdk_creates_tax_rates_and_items_and_updates_an_item(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    rate = TaxRate(name="Special 9%", tax_components=[TaxComponent(name="GST", rate=9.0)])
    (made_rate,) = accounting.create_tax_rates(tenant, TaxRates(tax_rates=[rate])).tax_rates
    assert made_rate.tax_type and made_rate.effective_rate == 9.0
    item = Item(code="HOSE", name="Hose", description="Garden hose")
    (made,) = accounting.create_items(tenant, Items(items=[item])).items
    changed = Items(items=[Item(code="HOSE", name="Hose, 20 m")])
    (updated,) = accounting.update_item(tenant, made.item_id, changed).items
    assert updated.name == "Hose, 20 m"


def test_sdk_finds_creates_and_updates_contacts(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    new = Contact(name="Kowhai Cafe", email_address="hello@kowhai.example.com")
    (made,) = accounting.create_contacts(tenant, Contacts(contacts=[new])).contacts
    found = accounting.get_contacts(tenant, where='EmailAddress=="hello@kowhai.example.com"')
    assert [c.contact_id for c in found.contacts] == [made.contact_id]
    change = Contacts(contacts=[Contact(name="Kowhai Cafe Ltd")])
    (updated,) = accounting.update_contact(tenant, made.contact_id, change).contacts
    assert updated.name == "Kowhai Cafe Ltd"
    page = accounting.get_contacts(tenant, page=1, page_size=100)
    assert len(page.contacts) == 4


def _contact_id(accounting, tenant):
    return accounting.get_contacts(tenant, where='Name=="Bayside Club"').contacts[0].contact_id


def _invoice(contact_id, number, **fields):
    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        invoice_number=number,
        date=dt.date(2026, 11, 2),
        due_date=dt.date(2026, 12, 2),
        line_items=[
            LineItem(description="Service call", quantity=2, unit_amount=60, account_code="200")
        ],
        **fields,
    )


def test_sdk_creates_invoices_in_a_batch_with_summarize_errors_false(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    contact_id = _contact_id(accounting, tenant)
    good = _invoice(contact_id, "H-1", status="AUTHORISED")
    bad = _invoice(contact_id, "H-2", currency_code=CurrencyCode.EUR)
    answer = accounting.update_or_create_invoices(
        tenant, Invoices(invoices=[good, bad]), summarize_errors=False
    )
    first, second = answer.invoices
    assert first.status_attribute_string == "OK" and first.total == 138.0
    assert second.has_errors and "EUR" in second.validation_errors[0].message
    with pytest.raises(ApiException) as refused:
        accounting.create_invoices(tenant, Invoices(invoices=[bad]))
    assert refused.value.status == 400


def test_sdk_reads_invoices_by_where_order_page_numbers_and_ids(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    contact_id = _contact_id(accounting, tenant)
    batch = Invoices(invoices=[_invoice(contact_id, f"H-{n}") for n in (1, 2, 3)])
    made = accounting.create_invoices(tenant, batch).invoices
    listed = accounting.get_invoices(
        tenant, where='Type=="ACCREC"', order="UpdatedDateUTC ASC", page=1
    ).invoices
    assert [i.invoice_number for i in listed] == ["H-1", "H-2", "H-3"]
    assert listed[0].line_items[0].line_amount == 120.0
    by_number = accounting.get_invoices(tenant, invoice_numbers=["H-2"]).invoices
    assert [i.invoice_id for i in by_number] == [made[1].invoice_id]
    by_id = accounting.get_invoices(tenant, i_ds=[made[2].invoice_id]).invoices
    assert [i.invoice_number for i in by_id] == ["H-3"]
    (one,) = accounting.get_invoice(tenant, made[0].invoice_id).invoices
    assert one.line_items[0].description == "Service call"


def test_sdk_updates_an_invoice_and_pays_it(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    contact_id = _contact_id(accounting, tenant)
    (made,) = accounting.create_invoices(
        tenant, Invoices(invoices=[_invoice(contact_id, "H-9")])
    ).invoices
    change = Invoices(invoices=[Invoice(invoice_id=made.invoice_id, status="AUTHORISED")])
    (approved,) = accounting.update_invoice(tenant, made.invoice_id, change).invoices
    assert approved.status == "AUTHORISED"
    payment = Payment(
        invoice=Invoice(invoice_id=made.invoice_id),
        account=accounting.get_accounts(tenant, where='Code=="090"').accounts[0],
        amount=138.0,
        date=dt.date(2026, 11, 20),
    )
    (paid,) = accounting.create_payments(tenant, Payments(payments=[payment])).payments
    assert paid.amount == 138.0
    (after,) = accounting.get_invoice(tenant, made.invoice_id).invoices
    assert after.status == "PAID" and after.amount_due == 0.0
    assert [p.payment_id for p in accounting.get_payments(tenant).payments] == [paid.payment_id]


def test_sdk_credits_an_invoice_allocates_and_refunds_the_rest(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    contact_id = _contact_id(accounting, tenant)
    (invoice,) = accounting.create_invoices(
        tenant, Invoices(invoices=[_invoice(contact_id, "H-10", status="AUTHORISED")])
    ).invoices
    note = CreditNote(
        type="ACCRECCREDIT",
        contact=Contact(contact_id=contact_id),
        date=dt.date(2026, 11, 20),
        status="AUTHORISED",
        credit_note_number="CN-9",
        line_items=[LineItem(description="Refund", quantity=1, unit_amount=40, account_code="200")],
    )
    (made,) = accounting.create_credit_notes(tenant, CreditNotes(credit_notes=[note])).credit_notes
    assert (made.total, made.remaining_credit) == (46.0, 46.0)
    allocation = Allocation(
        invoice=Invoice(invoice_id=invoice.invoice_id), amount=30.0, date=dt.date(2026, 11, 20)
    )
    accounting.create_credit_note_allocation(
        tenant, made.credit_note_id, Allocations(allocations=[allocation])
    )
    refund = Payment(
        credit_note=CreditNote(credit_note_id=made.credit_note_id),
        account=accounting.get_accounts(tenant, where='Code=="090"').accounts[0],
        amount=16.0,
        date=dt.date(2026, 11, 21),
    )
    (paid_back,) = accounting.create_payments(tenant, Payments(payments=[refund])).payments
    assert paid_back.payment_type == "ARCREDITPAYMENT"
    (after,) = accounting.get_credit_note(tenant, made.credit_note_id).credit_notes
    assert (after.status, after.remaining_credit) == ("PAID", 0.0)
    (credited,) = accounting.get_invoice(tenant, invoice.invoice_id).invoices
    assert (credited.amount_credited, credited.amount_due) == (30.0, 108.0)
    listed = accounting.get_credit_notes(tenant, where='Type=="ACCRECCREDIT"', page=1)
    assert [n.credit_note_number for n in listed.credit_notes] == ["CN-9"]


def test_sdk_creates_updates_and_filters_quotes(sdk, xero_company):
    _, accounting, _ = sdk
    tenant = xero_company.external_id
    contact_id = _contact_id(accounting, tenant)
    quote = Quote(
        contact=Contact(contact_id=contact_id),
        date=dt.date(2026, 11, 2),
        expiry_date=dt.date(2026, 12, 2),
        line_items=[LineItem(description="New boiler", quantity=1, unit_amount=2000)],
    )
    (made,) = accounting.create_quotes(tenant, Quotes(quotes=[quote])).quotes
    change = Quotes(
        quotes=[
            Quote(
                contact=Contact(contact_id=contact_id),
                date=dt.date(2026, 11, 2),
                status=QuoteStatusCodes.SENT,
            )
        ]
    )
    (sent,) = accounting.update_quote(tenant, made.quote_id, change).quotes
    assert sent.status == QuoteStatusCodes.SENT
    found = accounting.get_quotes(
        tenant,
        contact_id=contact_id,
        date_from=dt.date(2026, 11, 1),
        date_to=dt.date(2026, 11, 30),
        status="SENT",
        page=1,
        order="UpdatedDateUTC ASC",
    ).quotes
    assert [q.quote_id for q in found] == [made.quote_id]


def test_sdk_deletes_its_connection_and_the_tenant_then_answers_403(sdk, xero_company):
    _, accounting, identity = sdk
    (connection,) = identity.get_connections()
    identity.delete_connection(connection.id)
    assert identity.get_connections() == []
    with pytest.raises(ApiException) as refused:
        accounting.get_organisations(xero_company.external_id)
    assert refused.value.status == 403
