"""Items and taxes on the quote and invoice forms: an item fills its line (htmx, or a plain
button without JavaScript), a non-taxable item's line is never taxed, and new documents start
with the organisation's default tax rate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.common.lines import LineInput
from apps.invoices.models import Invoice
from apps.invoices.services import invoice_create
from apps.quotes.models import Quote
from tests.factories import CustomerFactory, ServiceItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(org):
    return CustomerFactory(organisation=org, display_name="Ann Lee", email="ann@example.com")


@pytest.fixture
def permit(org):
    return ServiceItemFactory(
        organisation=org,
        name="Permit fee",
        description="Passed through at cost",
        unit_price=Decimal("120.00"),
        taxable=False,
    )


@pytest.fixture
def labour(org):
    return ServiceItemFactory(
        organisation=org, name="Labour", description="", unit_price=Decimal("115.00")
    )


def posted(customer, rows: list[dict], **header) -> dict:
    data = {
        "customer": customer.pk,
        "issue_date": "2026-11-20",
        "due_date": "2026-12-04",
        "expiry_date": "",
        "billing_email": "",
        "currency": "USD",
        "discount_percent": "0",
        "tax_rate": "10",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        **header,
    }
    for index, row in enumerate(rows):
        data.update({f"lines-{index}-{name}": value for name, value in row.items()})
    return data


def line_fields(client, item, *, prefix="lines-2", **typed):
    params = {"prefix": prefix, f"{prefix}-service_item": item.pk}
    params.update({f"{prefix}-{name}": value for name, value in typed.items()})
    return client.get(reverse("catalog:line_fields"), params, HTTP_HX_REQUEST="true")


def test_choosing_an_item_answers_its_line_filled_with_description_price_and_tax(permit, as_alice):
    response = line_fields(as_alice, permit, quantity="3")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<tr class="line-row">')  # only the row, for htmx to swap
    assert 'name="lines-2-description" value="Passed through at cost"' in body
    assert 'name="lines-2-unit_price" value="120.00"' in body
    assert 'name="lines-2-quantity" value="3"' in body  # what was typed stays
    # Not taxed: the box is shown unticked, and cannot be ticked for this item.
    assert 'title="Permit fee is not taxable." disabled id="id_lines-2-taxable">' in body
    assert "line-filled" in response.headers["HX-Trigger"]  # the totals recompute


def test_an_item_without_description_fills_the_line_with_its_name(labour, as_alice):
    body = line_fields(as_alice, labour, prefix="lines-0").content.decode()
    assert 'name="lines-0-description" value="Labour"' in body
    assert 'name="lines-0-taxable" id="id_lines-0-taxable" checked' in body


def test_line_fields_serve_the_organisations_items_only(permit, as_alice, as_bob, as_charlie):
    for client in (as_alice, as_bob):
        assert line_fields(client, permit).status_code == 200
    assert line_fields(as_charlie, permit).status_code == 404


def test_line_fields_refuse_a_made_up_row_name(permit, as_alice):
    url = reverse("catalog:line_fields")
    assert as_alice.get(url, {"prefix": "x-1", "x-1-service_item": permit.pk}).status_code == 404
    assert as_alice.get(url, {"prefix": "lines-1"}).status_code == 404


def test_the_item_select_asks_for_its_line_fields(org, as_alice):
    body = as_alice.get(reverse("invoices:create")).content.decode()
    assert f'hx-get="{reverse("catalog:line_fields")}"' in body
    assert "hx-vals=" in body and "lines-0" in body


def test_without_javascript_fill_button_fills_lines_from_their_items(customer, permit, as_alice):
    data = posted(customer, [{"service_item": permit.pk, "quantity": "1", "taxable": "on"}])
    response = as_alice.post(reverse("invoices:create"), {**data, "fill_items": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and not Invoice.objects.exists()  # shown, not saved
    assert 'value="Passed through at cost"' in body and 'value="120.00"' in body
    assert 'name="lines-0-taxable" id="id_lines-0-taxable" checked' not in body


def test_a_non_taxable_item_is_not_charged_tax_even_with_taxable_ticked(
    customer, permit, labour, as_alice
):
    rows = [
        {"service_item": permit.pk, "quantity": "1", "taxable": "on"},
        {"service_item": labour.pk, "quantity": "2", "taxable": "on"},
    ]
    as_alice.post(reverse("invoices:create"), posted(customer, rows))
    invoice = Invoice.objects.get()
    assert [line.taxable for line in invoice.lines.all()] == [False, True]
    assert invoice.tax_total == Decimal("23.00")  # 10 % of the labour only
    assert invoice.total == Decimal("373.00")
    page = as_alice.get(invoice.get_absolute_url()).content.decode()
    assert "373.00" in page


def test_running_totals_leave_a_non_taxable_item_untaxed(customer, permit, as_alice):
    data = posted(customer, [{"service_item": permit.pk, "quantity": "1", "taxable": "on"}])
    body = as_alice.post(reverse("invoices:totals"), data).content.decode()
    assert "<dt>Tax</dt><dd>0.00</dd>" in body


def test_the_invoice_service_never_taxes_a_non_taxable_item(org, customer, permit):
    line = LineInput(
        description="Permit",
        quantity=Decimal("1"),
        unit_price=Decimal("120"),
        taxable=True,
        service_item=permit,
    )
    invoice = invoice_create(
        organisation=org,
        customer=customer,
        issue_date=org.today(),
        tax_rate=Decimal("10"),
        lines=[line],
    )
    assert invoice.tax_total == Decimal("0.00") and not invoice.lines.get().taxable


def test_a_taxable_item_line_may_still_be_left_untaxed(customer, labour, as_alice):
    rows = [{"service_item": labour.pk, "quantity": "1"}]
    as_alice.post(reverse("invoices:create"), posted(customer, rows))
    assert Invoice.objects.get().tax_total == Decimal("0.00")


@pytest.mark.parametrize("url_name", ["invoices:create", "quotes:create"])
def test_new_documents_start_with_the_organisations_default_tax_rate(org, as_alice, url_name):
    org.default_tax_rate = Decimal("8.25")
    org.save()
    body = as_alice.get(reverse(url_name)).content.decode()
    assert 'name="tax_rate" value="8.25"' in body


def test_editing_keeps_the_documents_own_tax_rate(org, customer, labour, as_alice):
    as_alice.post(
        reverse("quotes:create"),
        posted(
            customer, [{"description": "Job", "quantity": "1", "unit_price": "10"}], tax_rate="5"
        ),
    )
    org.default_tax_rate = Decimal("8.25")
    org.save()
    quote = Quote.objects.get()
    body = as_alice.get(reverse("quotes:edit", args=[quote.pk])).content.decode()
    assert 'name="tax_rate" value="5"' in body


def test_a_service_call_without_tax_rate_takes_the_default(org, customer):
    org.default_tax_rate = Decimal("6.5")
    org.save()
    line = LineInput(description="Job", quantity=Decimal("1"), unit_price=Decimal("100"))
    invoice = invoice_create(
        organisation=org, customer=customer, issue_date=org.today(), lines=[line]
    )
    assert invoice.tax_rate == Decimal("6.5") and invoice.tax_total == Decimal("6.50")


def test_staff_set_the_default_tax_rate_on_organisation_settings(org, as_alice, as_bob):
    url = reverse("organisation_settings")
    assert 'name="default_tax_rate" value="0"' in as_bob.get(url).content.decode()
    response = as_alice.post(url, {"default_tax_rate": "7.25"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.default_tax_rate == Decimal("7.25")
    assert 'name="tax_rate" value="7.25"' in as_bob.get(reverse("quotes:create")).content.decode()


def test_organisation_settings_refuse_a_rate_above_100_beside_the_field(org, as_alice):
    body = as_alice.post(reverse("organisation_settings"), {"default_tax_rate": "1e30"})
    assert "Enter at most 100." in body.content.decode()
    org.refresh_from_db()
    assert org.default_tax_rate == Decimal("0")


def test_an_outsider_changes_only_their_own_organisations_rate(org, charlie, as_charlie):
    page = as_charlie.get(reverse("organisation_settings")).content.decode()
    assert "Elsewhere" in page and org.name not in page
    as_charlie.post(reverse("organisation_settings"), {"default_tax_rate": "9"})
    org.refresh_from_db()
    charlie.organisation.refresh_from_db()
    assert (org.default_tax_rate, charlie.organisation.default_tax_rate) == (0, Decimal("9"))


def test_organisation_settings_need_a_login(client):
    response = client.get(reverse("organisation_settings"))
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("count", ["abc", "-5", "99999999999"])
def test_a_made_up_row_count_is_no_error(customer, permit, as_alice, count):
    data = posted(customer, [{"service_item": permit.pk, "quantity": "1"}])
    data["lines-TOTAL_FORMS"] = count
    for extra in ({"fill_items": "1"}, {"add_line": "1"}):
        assert as_alice.post(reverse("invoices:create"), {**data, **extra}).status_code == 200
    response = as_alice.get(reverse("invoices:line_row"), {"lines-TOTAL_FORMS": count})
    assert response.status_code == 200


def test_the_tax_rate_field_points_to_where_the_default_is_set(org, as_alice):
    body = as_alice.get(reverse("invoices:create")).content.decode()
    url = reverse("organisation_settings")
    assert f'<a href="{url}">organisation\'s default</a>' in body


def test_staff_change_the_organisation_time_zone_on_its_settings(org, as_alice):
    url = reverse("organisation_settings")
    page = as_alice.get(url).content.decode()
    assert 'value="Australia/Sydney"' in page
    response = as_alice.post(url, {"default_tax_rate": "10", "time_zone": "Australia/Sydney"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.time_zone == "Australia/Sydney"


def test_an_unknown_time_zone_is_refused_beside_the_field_and_nothing_changes(org, as_alice):
    before = (org.time_zone, org.default_tax_rate)
    body = as_alice.post(
        reverse("organisation_settings"), {"default_tax_rate": "12", "time_zone": "Mars/Olympus"}
    )
    assert body.status_code == 200
    assert "Mars/Olympus" in body.content.decode()
    org.refresh_from_db()
    assert (org.time_zone, org.default_tax_rate) == before
