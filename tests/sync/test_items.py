"""Service items: new and changed items reach QuickBooks Online and Xero through the engine and
the real adapters, over real HTTP to both sandboxes (docs/sync-rules.md, "Service items")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.services import service_item_create, service_item_update
from apps.common.lines import LineInput
from apps.integrations.models import Integration
from apps.invoices.services import invoice_create, invoice_send
from apps.sandbox.models import SandboxRecord
from apps.sync.models import Change, Link, SyncLogEntry
from tests.sync.test_end_to_end import drain_until_done

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = {"quickbooks": "Item", "xero": "Items"}
INVOICES = {"quickbooks": "Invoice", "xero": "Invoices"}


def remote_rows(integration, entity: str):
    return SandboxRecord.objects.filter(
        company__external_id=integration.remote_company_id, entity=entity, deleted=False
    )


def remote_item(integration, item) -> dict:
    link = Link.objects.get(integration=integration, kind="item", object_id=item.pk)
    return remote_rows(integration, ITEMS[integration.provider]).get(record_id=link.remote_id).data


def items_on(*integrations) -> None:
    Integration.objects.filter(pk__in=[i.pk for i in integrations]).update(items_sync_to=True)


def price_of(integration, data: dict) -> Decimal:
    if integration.provider == "quickbooks":
        return Decimal(str(data["UnitPrice"]))
    return Decimal(str(data["SalesDetails"]["UnitPrice"]))


def test_new_item_is_created_then_updated_in_quickbooks_and_xero(both, live_org):
    items_on(*both)
    item = service_item_create(
        organisation=live_org,
        name="Boiler service",
        description="Annual boiler service",
        unit_price=Decimal("95.00"),
        taxable=False,
    )
    for integration in both:
        drain_until_done(integration)
        data = remote_item(integration, item)
        assert data["Name"] == "Boiler service"
        assert data["Description"] == "Annual boiler service"
        assert price_of(integration, data) == Decimal("95.00")
    assert remote_item(both[0], item)["Taxable"] is False
    assert remote_item(both[0], item)["Type"] == "Service"
    assert remote_item(both[1], item)["IsSold"] is True

    service_item_update(item=item, unit_price=Decimal("110.00"), taxable=True)
    for integration in both:
        drain_until_done(integration)
        assert price_of(integration, remote_item(integration, item)) == Decimal("110.00")
        assert (
            remote_rows(integration, ITEMS[integration.provider])
            .filter(data__Name="Boiler service")
            .count()
            == 1
        )
    assert remote_item(both[0], item)["Taxable"] is True
    assert "TaxType" not in remote_item(both[1], item)["SalesDetails"]


def test_item_the_company_already_lists_is_matched_by_name_not_duplicated(both, live_org):
    """QuickBooks' sample company sells "Pest Control"; Xero's has "Call-out fee"."""
    items_on(*both)
    pest = service_item_create(organisation=live_org, name="Pest Control", unit_price="40")
    callout = service_item_create(organisation=live_org, name="Call-out fee", unit_price="65")
    qbo, xero = both
    before = {i.pk: remote_rows(i, ITEMS[i.provider]).count() for i in both}
    drain_until_done(qbo), drain_until_done(xero)
    assert {i.pk: remote_rows(i, ITEMS[i.provider]).count() for i in both} == {
        qbo.pk: before[qbo.pk] + 1,  # "Call-out fee" is new there
        xero.pk: before[xero.pk] + 1,  # "Pest Control" is new there
    }
    assert price_of(qbo, remote_item(qbo, pest)) == Decimal("40")
    assert remote_item(xero, callout)["Code"] == "CALLOUT"  # the bookkeeper's code is kept
    assert price_of(xero, remote_item(xero, callout)) == Decimal("65")
    messages = SyncLogEntry.objects.filter(kind="item", outcome="pushed").values_list(
        "integration_id", "object_id", "message"
    )
    assert (qbo.pk, pest.pk, "Matched the existing item “Pest Control” and updated it.") in set(
        messages
    )


def test_invoice_line_of_a_synced_item_uses_the_linked_item_and_keeps_its_total(
    both, live_org, live_hub
):
    items_on(*both)
    item = service_item_create(organisation=live_org, name="Drain unblock", unit_price="80")
    for integration in both:
        drain_until_done(integration)
    qbo, xero = both
    # Renamed in QuickBooks by a bookkeeper: the line must still use the linked item.
    link = Link.objects.get(integration=qbo, kind="item", object_id=item.pk)
    row = remote_rows(qbo, "Item").get(record_id=link.remote_id)
    row.data["Name"] = "Drains (unblocking)"
    row.save(update_fields=["data"])
    invoice = invoice_create(
        organisation=live_org,
        customer=live_hub.customer(),
        issue_date=timezone.localdate(),
        tax_rate=Decimal("8.25"),
        lines=[
            LineInput(
                description="Unblock kitchen drain",
                quantity=Decimal("1.5"),
                unit_price=Decimal("79.99"),
                service_item=item,
            ),
            LineInput(description="Call-out", quantity=Decimal("1"), unit_price=Decimal("19.99")),
        ],
    )
    invoice_send(invoice=invoice)
    for integration in both:
        drain_until_done(integration)
    items_before = remote_rows(qbo, "Item").count()
    qbo_invoice = remote_rows(qbo, "Invoice").get(
        record_id=Link.objects.get(integration=qbo, kind="invoice").remote_id
    )
    first = qbo_invoice.data["Line"][0]["SalesItemLineDetail"]["ItemRef"]
    assert first["value"] == link.remote_id
    assert Decimal(str(qbo_invoice.data["TotalAmt"])) == invoice.total
    assert remote_rows(qbo, "Item").count() == items_before
    xero_invoice = remote_rows(xero, "Invoices").get(
        record_id=Link.objects.get(integration=xero, kind="invoice").remote_id
    )
    lines = xero_invoice.data["LineItems"]
    assert lines[0]["ItemCode"] == remote_item(xero, item)["Code"]
    assert "ItemCode" not in lines[1]
    assert Decimal(str(xero_invoice.data["Total"])) == invoice.total


def test_items_are_not_sent_while_items_sync_to_is_off(both, live_org):
    service_item_create(organisation=live_org, name="Gutter clean", unit_price="120")
    assert not Change.objects.filter(kind="item").exists()


def test_nightly_batch_invoice_uses_the_linked_item_too(both, live_org, live_hub):
    from apps.sync.nightly_export import nightly_export_run

    qbo = both[0]
    items_on(qbo)
    item = service_item_create(organisation=live_org, name="Drain unblock", unit_price="80")
    drain_until_done(qbo)
    link = Link.objects.get(integration=qbo, kind="item", object_id=item.pk)
    row = remote_rows(qbo, "Item").get(record_id=link.remote_id)
    row.data["Name"] = "Drains (unblocking)"
    row.save(update_fields=["data"])
    Integration.objects.filter(pk=qbo.pk).update(invoice_export_timing="nightly")
    line = LineInput(
        description="Unblock drain",
        quantity=Decimal("1"),
        unit_price=Decimal("80"),
        service_item=item,
    )
    invoice = live_hub.invoice(lines=[line])
    qbo.refresh_from_db()
    nightly_export_run(integration=qbo)
    remote_id = Link.objects.get(integration=qbo, kind="invoice", object_id=invoice.pk).remote_id
    data = remote_rows(qbo, "Invoice").get(record_id=remote_id).data
    assert data["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == link.remote_id
    assert Decimal(str(data["TotalAmt"])) == invoice.total


def test_turning_items_sync_on_sends_the_active_items_already_in_the_hub(both, live_org):
    from apps.integrations.services import integration_settings_update

    qbo = both[0]
    kept = service_item_create(organisation=live_org, name="Gutter clean", unit_price="120")
    service_item_create(organisation=live_org, name="Old service", unit_price="10", active=False)
    integration_settings_update(integration=qbo, values={"items_sync_to": True})
    drain_until_done(qbo)
    assert list(Link.objects.filter(integration=qbo, kind="item").values_list("object_id")) == [
        (kept.pk,)
    ]
    assert remote_rows(qbo, "Item").filter(data__Name="Old service").count() == 0
