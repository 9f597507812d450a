"""The Australian demo organisation: a Sydney trades business in AUD charging GST at 10 %,
with GST-free pass-through fees (``manage.py seed_demo``).

It exists so an Australian organisation can be shown with several ledgers connected at once:
``seed_demo`` connects it to a sandbox company of every registered provider that has one
(QuickBooks Online Australia and Xero Australia today; MYOB joins once it is registered), see
``apps/sandbox/demo_ledgers.py``. Like the US demo, every step looks for what it would create
first (customers and items by their ``demo_key``), so running it again adds nothing
(docs/documents.md, "Demo data")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.invoices import services as invoices
from apps.invoices.models import Invoice
from apps.quotes import services as quotes
from apps.quotes.models import Quote

from .demo import (
    demo_invoice_settle,
    demo_lines,
    demo_organisation,
    keyed,
    service_items,
    staff_user,
)
from .demo_data import AU_CUSTOMERS, AU_ITEMS, AU_JOBS, AU_STREETS

ORGANISATION = "Coastline Plumbing & Electrical"
USERNAME = "demo-au"
PASSWORD = "coastline-demo-2026"
GST = Decimal("10")


def seed(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    with transaction.atomic():
        organisation = demo_organisation(ORGANISATION, "AU", "AUD", "Australia/Sydney", "10")
        user = staff_user(
            organisation,
            USERNAME,
            PASSWORD,
            first_name="Mia",
            last_name="Office",
            email="office@coastline.example.com",
        )
        items = service_items(organisation, AU_ITEMS)
        customers = _customers(organisation)
        if not Quote.objects.filter(organisation=organisation).exists():
            _quotes(organisation, customers, items, today, user)
        if not Invoice.objects.filter(organisation=organisation).exists():
            _invoices(organisation, customers, items, today, user)
    return {"organisation": organisation, "username": USERNAME, "password": PASSWORD}


def _customer_values(index: int) -> dict:
    given, family, suburb, postcode = AU_CUSTOMERS[index]
    return {
        "given_name": given,
        "family_name": family,
        "display_name": f"{given} {family}",
        "email": f"{given}.{family}@example.com".lower().replace("'", ""),
        "phone": f"(02) 9555 {1200 + index * 41:04d}",
        "billing_line1": f"{4 + index * 7} {AU_STREETS[index % len(AU_STREETS)]} St",
        "billing_city": suburb,
        "billing_region": "NSW",
        "billing_postal_code": postcode,
        "billing_country": "AU",
    }


def _customers(organisation) -> list[Customer]:
    queryset = Customer.objects.filter(organisation=organisation)
    for index in range(len(AU_CUSTOMERS)):
        key, values = f"customer:{index}", _customer_values(index)
        if keyed(queryset, key, display_name=values["display_name"]) is None:
            customer = customer_create(organisation=organisation, **values)
            queryset.filter(pk=customer.pk).update(demo_key=key)
    return list(queryset.order_by("id"))


def _quotes(organisation, customers, items, today, user) -> None:
    for index, status in enumerate(["draft", "sent", "accepted"]):
        issued = today - dt.timedelta(days=20 - index * 5)
        quote = quotes.quote_create(
            organisation=organisation,
            customer=customers[index],
            issue_date=issued,
            expiry_date=issued + dt.timedelta(days=30),
            tax_rate=GST,
            lines=demo_lines(items, *AU_JOBS[(index + 1) % len(AU_JOBS)]),
            by=user,
        )
        if status != "draft":
            quote = quotes.quote_send(quote=quote)
        if status == "accepted":
            quotes.quote_accept(quote=quote)


def _invoices(organisation, customers, items, today, user) -> None:
    plan = ["draft", "sent", "sent", "partially_paid", "paid", "cancelled"]
    for index, status in enumerate(plan):
        issued = today - dt.timedelta(days=30 - index * 4)
        invoice = invoices.invoice_create(
            organisation=organisation,
            customer=customers[(index + 2) % len(customers)],
            issue_date=issued,
            due_date=issued + dt.timedelta(days=14),
            tax_rate=GST,
            lines=demo_lines(items, *AU_JOBS[index % len(AU_JOBS)]),
            by=user,
        )

        def pay(invoice, amount, index=index, issued=issued, status=status) -> None:
            if status == "paid":
                # Paid by card online: Stripe pays it out to the bank (docs/payouts.md).
                invoices.payment_collect_online(
                    invoice=invoice,
                    amount=amount,
                    reference=f"card-demo-{3400 + index}",
                    date=issued + dt.timedelta(days=2),
                )
                return
            invoices.payment_record(
                invoice=invoice,
                amount=amount,
                method="bank transfer",
                reference=f"EFT{3400 + index}",
                date=issued + dt.timedelta(days=5),
            )

        demo_invoice_settle(invoice, status, pay)
