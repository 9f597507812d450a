"""The MYOB adapter against the local MYOB sandbox over real HTTP: what it pushes comes back
in a pull, with MYOB's own totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apps.integrations.contract import TransientError
from apps.integrations.registry import adapter_for
from apps.sandbox import control
from tests.factories import PaymentFactory, QuoteFactory, ServiceItemFactory
from tests.providers.conftest import AWKWARD, hub_customer, hub_invoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def myob(connect, settings):
    integration, company = connect("myob", "AU")
    adapter = adapter_for(integration)
    yield adapter, company
    # Close keep-alive connections while the live server still serves this test.
    adapter.client._http.close()


def business(adapter, name: str):
    customer = hub_customer(
        adapter.integration, display_name=name, company_name=name, email=f"{name[:4]}@x.example"
    )
    return customer, adapter.push_customer(customer, None, key=f"c-{name}")


def test_customer_invoice_quote_payment_and_item_are_pushed_and_pulled_back(myob):
    adapter, company = myob
    customer, cust = business(adapter, "Bondi Plumbing Supplies")
    item = ServiceItemFactory(organisation=adapter.integration.organisation, name="Call-out fee")
    item_pushed = adapter.push_item(item, None, key="item")
    invoice = hub_invoice(adapter.integration, customer, lines=AWKWARD, discount="5", tax="10")
    inv = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="inv")
    quote = QuoteFactory(
        organisation=adapter.integration.organisation,
        customer=customer,
        number="Q-0100",
        currency="AUD",
        tax_rate=Decimal("10"),
        expiry_date=date(2026, 12, 31),
    )
    quo = adapter.push_quote(quote, None, customer_remote_id=cust.remote_id, key="quo")
    payment = PaymentFactory(invoice=invoice, customer=customer, amount=Decimal("25.00"))
    paid = adapter.push_payment(
        payment, customer_remote_id=cust.remote_id, invoice_remote_id=inv.remote_id, key="pay"
    )

    pages = list(adapter.pull(["customer", "invoice", "quote", "payment"], None))

    changes = {(c.kind, c.remote_id): c.record for page in pages for c in page.changes}
    assert changes[("customer", cust.remote_id)].company_name == "Bondi Plumbing Supplies"
    back = changes[("invoice", inv.remote_id)]
    assert back.number == invoice.number and back.currency == "AUD"
    assert back.net_total == invoice.subtotal - invoice.discount_total
    assert abs(back.total - invoice.total) <= Decimal("0.02")  # MYOB rounds tax per line
    assert changes[("quote", quo.remote_id)].number == "Q-0100"
    assert changes[("payment", paid.remote_id)].applied_to == [(inv.remote_id, Decimal("25.00"))]
    assert item_pushed.remote_name == "Call-out fee"
    assert pages[-1].watermark


def test_a_pull_from_the_watermark_brings_only_what_changed_since(myob):
    adapter, _ = myob
    business(adapter, "First Co")
    watermark = list(adapter.pull(["customer"], None))[-1].watermark
    customer, cust = business(adapter, "Second Co")

    changed = [c.remote_id for p in adapter.pull(["customer"], watermark) for c in p.changes]

    assert cust.remote_id in changed


def test_an_update_reads_the_row_version_and_a_deleted_invoice_reads_as_deleted(myob):
    adapter, _ = myob
    customer, cust = business(adapter, "Clovelly Hotel")
    invoice = hub_invoice(adapter.integration, customer, tax="10")
    first = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")
    invoice.lines.update(unit_price=Decimal("180.00"))
    again = adapter.push_invoice(
        invoice, first.remote_id, customer_remote_id=cust.remote_id, key="i2"
    )
    assert again.remote_id == first.remote_id
    assert again.remote_version != first.remote_version
    assert again.document.net_total == Decimal("180.00")

    adapter.void("invoice", first.remote_id)

    assert adapter.fetch("invoice", first.remote_id).deleted


def test_a_throttled_answer_is_a_wait_and_the_push_goes_through_after_it(myob):
    adapter, company = myob
    customer = hub_customer(adapter.integration, display_name="Manly Co", company_name="Manly Co")
    control.fault_inject(company=company, kind="429", count=1)
    with pytest.raises(TransientError) as raised:
        adapter.find_customer(customer)
    assert raised.value.retry_after


def test_a_create_sent_again_after_a_lost_answer_finds_the_first_by_number(myob):
    adapter, _ = myob
    customer, cust = business(adapter, "Coogee Dental")
    invoice = hub_invoice(adapter.integration, customer, number="INV-0777", tax="10")
    first = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    # The engine never learnt of the first create (its answer was lost) and sends it again.
    again = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")

    assert again.matched and again.remote_id == first.remote_id
    numbers = [c.record.number for p in adapter.pull(["invoice"], None) for c in p.changes]
    assert numbers.count("INV-0777") == 1


def test_a_change_made_in_myob_meanwhile_is_kept_and_the_hubs_applied_over_it(myob):
    adapter, _ = myob
    customer, cust = business(adapter, "Bronte Bakery")
    someone = adapter_for(adapter.integration)  # another MYOB user, saving the same card
    sent = adapter.client.update
    puts = []

    def update_after_someone_saved(path, uid, body):
        if not puts:
            someone.updated(path, uid, lambda card: {**card, "Notes": "Delivery at the back"})
        puts.append(body["RowVersion"])
        return sent(path, uid, body)

    adapter.client.update = update_after_someone_saved
    customer.phone = "02 9300 0000"

    pushed = adapter.push_customer(customer, cust.remote_id, key="c-2")

    assert len(puts) == 2 and puts[0] != puts[1]  # 409 on the stale one, then applied again
    card = adapter.client.get_one("Contact/Customer", pushed.remote_id)
    assert card["Notes"] == "Delivery at the back"
    assert card["Addresses"][0]["Phone1"] == "02 9300 0000"
    someone.client._http.close()


def test_a_customer_is_found_by_email_under_another_name(myob):
    adapter, _ = myob
    _, cust = business(adapter, "Harbour Dental Group")
    same = hub_customer(adapter.integration, display_name="Harbour Dental", email="Harb@x.example")
    assert adapter.find_customer(same).remote_id == cust.remote_id


def test_a_new_zealand_file_takes_gst_at_15_and_zero_rates_untaxed_lines(connect):
    integration, _ = connect("myob", "NZ")
    adapter = adapter_for(integration)
    customer, cust = business(adapter, "Kiwi Sparks")
    invoice = hub_invoice(
        integration,
        customer,
        lines=(("Rewire", "1", "200.00", "0", True), ("Export parts", "1", "50.00", "0", False)),
        tax="15",
    )
    pushed = adapter.push_invoice(invoice, None, customer_remote_id=cust.remote_id, key="i")
    codes = [line.tax_code for line in pushed.document.lines]
    assert pushed.document.tax_total == Decimal("30.00") == invoice.tax_total
    assert pushed.document.total == invoice.total
    assert codes[0] != codes[1]
    adapter.client._http.close()


def test_an_expired_access_token_is_refreshed_and_the_rotated_refresh_token_kept(myob):
    from apps.integrations import crypto

    adapter, company = myob
    integration = adapter.integration
    before = crypto.decrypt(integration.refresh_token_encrypted)
    control.token_expire(company=company)

    customer = hub_customer(integration, display_name="After Expiry", company_name="After Expiry")
    assert adapter.find_customer(customer) is None  # answered, after one refresh

    integration.refresh_from_db()
    assert crypto.decrypt(integration.refresh_token_encrypted) != before
