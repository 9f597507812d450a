"""Demo data: a small US trades business with a few months of work (``manage.py seed_demo``).

Every step looks for what it would create first, so running it again adds nothing. Customers
and service items are found by the ``demo_key`` they were made with, never by name: a ledger may
have renamed them since (docs/documents.md, "Demo data")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Organisation, User
from apps.catalog.models import ServiceItem
from apps.catalog.services import service_item_create
from apps.common.lines import LineInput
from apps.customers.matching import normalise_email
from apps.customers.models import Customer
from apps.customers.services import customer_create
from apps.invoices import services as invoices
from apps.invoices.models import Invoice
from apps.quotes import services as quotes
from apps.quotes.models import Quote
from apps.timesheets import services as timesheets
from apps.timesheets.models import TeamMember, Timesheet

from .demo_data import CITIES, FIRST, ITEMS, JOBS, LAST, NEAR_DUPLICATES, STREETS

ORGANISATION = "Harbour Plumbing & Electrical"
USERNAME = "demo"
PASSWORD = "harbour-demo-2026"


def seed(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    with transaction.atomic():
        organisation = demo_organisation(ORGANISATION, "US", "USD", "America/New_York", "5.5")
        user = staff_user(organisation)
        items = service_items(organisation)
        customers = _customers(organisation)
        if not Quote.objects.filter(organisation=organisation).exists():
            _quotes(organisation, customers, items, today, user)
        if not Invoice.objects.filter(organisation=organisation, quote__isnull=True).exists():
            _invoices(organisation, customers, items, today, user)
        members = _team(organisation)
        _timesheets(members, customers, items, today, user)
    return {"organisation": organisation, "username": USERNAME, "password": PASSWORD}


def demo_organisation(name: str, country: str, currency: str, zone: str, tax: str):
    """The demo organisation of that name, made once with its country's settings."""
    return Organisation.objects.get_or_create(
        name=name,
        defaults={
            "country": country,
            "currency": currency,
            "time_zone": zone,
            "default_tax_rate": Decimal(tax),
        },
    )[0]


def staff_user(
    organisation: Organisation, username: str = USERNAME, password: str = PASSWORD, **names
) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "organisation": organisation,
            "is_staff": True,
            "first_name": "Dana",
            "last_name": "Office",
            "email": "office@harbour.example.com",
            **names,
        },
    )
    if created:
        user.set_password(password)
        user.save()
        # Admin access for the demo, scoped to the organisation by the admin classes.
        user.user_permissions.set(Permission.objects.all())
    return user


def keyed(queryset, key: str, **unkeyed_lookups):
    """The demo record made under ``key``; else one made before keys existed, found once by
    its demo values (``unkeyed_lookups``, tried in turn) and given its key."""
    found = queryset.filter(demo_key=key).first()
    for lookup, value in unkeyed_lookups.items():
        if found is None and value:
            found = queryset.filter(demo_key="", **{lookup: value}).order_by("id").first()
            if found is not None:
                queryset.filter(pk=found.pk).update(demo_key=key)
    return found


def service_items(organisation, table=ITEMS) -> dict[str, ServiceItem]:
    """The demo's items by their demo name, whatever they are called now."""
    items = {}
    queryset = ServiceItem.objects.filter(organisation=organisation)
    for name, description, price, taxable in table:
        key = f"item:{name}"
        item = keyed(queryset, key, name=name)
        if item is None:
            item = service_item_create(
                organisation=organisation,
                name=name,
                description=description,
                unit_price=Decimal(price),
                taxable=taxable,
            )
            queryset.filter(pk=item.pk).update(demo_key=key)
        items[name] = item
    return items


def _customer_values(index: int) -> dict:
    given = FIRST[index % len(FIRST)]
    family = LAST[(index * 5 + index // len(FIRST)) % len(LAST)]
    city, region, postcode = CITIES[index % len(CITIES)]
    return {
        "given_name": given,
        "family_name": family,
        "display_name": f"{given} {family}",
        "email": f"{given}.{family}{index}@example.com".lower(),
        "phone": f"(207) 555-{1000 + index * 37:04d}",
        "billing_line1": f"{10 + index * 3} {STREETS[index % len(STREETS)]} St",
        "billing_city": city,
        "billing_region": region,
        "billing_postal_code": postcode,
        "billing_country": "US",
    }


def _customers(organisation) -> list[Customer]:
    wanted = {f"customer:{i}": _customer_values(i) for i in range(44)}
    wanted |= {f"near-duplicate:{i}": values for i, values in enumerate(NEAR_DUPLICATES)}
    queryset = Customer.objects.filter(organisation=organisation)
    for key, values in wanted.items():
        found = keyed(
            queryset,
            key,
            display_name=values["display_name"],
            email_normalised=normalise_email(values.get("email")),
        )
        if found is None:
            customer = customer_create(organisation=organisation, **values)
            queryset.filter(pk=customer.pk).update(demo_key=key)
    return list(queryset.order_by("id"))


def demo_lines(items: dict[str, ServiceItem], *names_and_quantities) -> list[LineInput]:
    return [
        LineInput(
            description=items[name].description or name,
            quantity=Decimal(quantity),
            unit_price=items[name].unit_price,
            taxable=items[name].taxable,
            service_item=items[name],
        )
        for name, quantity in names_and_quantities
    ]


def _quotes(organisation, customers, items, today, user) -> None:
    plan = ["draft", "draft", "sent", "sent", "accepted", "converted", "declined", "cancelled"]
    for index, status in enumerate(plan):
        issued = today - dt.timedelta(days=40 - index * 4)
        quote = quotes.quote_create(
            organisation=organisation,
            customer=customers[index * 3],
            issue_date=issued,
            expiry_date=issued + dt.timedelta(days=30),
            tax_rate=Decimal("5.5"),
            lines=demo_lines(items, *JOBS[index % len(JOBS)]),
            by=user,
        )
        if status != "draft" and status != "cancelled":
            quote = quotes.quote_send(quote=quote)
        if status in ("accepted", "converted"):
            quote = quotes.quote_accept(quote=quote)
        if status == "converted":
            quotes.quote_convert(quote=quote, by=user)
        if status == "declined":
            quotes.quote_decline(quote=quote)
        if status == "cancelled":
            quotes.quote_cancel(quote=quote)


def _invoices(organisation, customers, items, today, user) -> None:
    plan = [
        "draft",
        "draft",
        "sent",
        "sent",
        "sent",
        "overdue",
        "partially_paid",
        "partially_paid",
        "paid",
        "paid",
        "paid",
        "cancelled",
    ]
    takes_hub = invoices.organisation_takes_hub_payments(organisation)
    for index, status in enumerate(plan):
        issued = today - dt.timedelta(days=(60 if status == "overdue" else 36) - index * 2)
        invoice = invoices.invoice_create(
            organisation=organisation,
            customer=customers[1 + index * 3],
            issue_date=issued,
            due_date=issued + dt.timedelta(days=14),
            tax_rate=Decimal("5.5"),
            lines=demo_lines(items, *JOBS[(index + 2) % len(JOBS)]),
            by=user,
        )

        def pay(invoice, amount, index=index, issued=issued) -> None:
            if not takes_hub:
                invoices.payment_collect_online(invoice=invoice, amount=amount)
                return
            invoices.payment_record(
                invoice=invoice,
                amount=amount,
                method="check",
                reference=f"CHK{1200 + index}",
                date=issued + dt.timedelta(days=7),
            )

        demo_invoice_settle(invoice, status, pay)
    # A card payment taken online with no invoice behind it (a sales receipt in QuickBooks).
    invoices.payment_collect_online(
        customer=customers[40],
        amount=Decimal("89.00"),
        reference="card-demo-0001",
        date=today - dt.timedelta(days=3),
    )


def _team(organisation) -> list[TeamMember]:
    for name, rate in (("Sam Ortiz", "48.00"), ("Priya Patel", "52.00"), ("Jordan Blake", "31.00")):
        TeamMember.objects.get_or_create(
            organisation=organisation,
            name=name,
            defaults={
                "hourly_rate": Decimal(rate),
                "email": f"{name.split()[0].lower()}@harbour.example.com",
            },
        )
    return list(TeamMember.objects.filter(organisation=organisation).order_by("name"))


def _timesheets(members, customers, items, today, user) -> None:
    monday = today - dt.timedelta(days=today.weekday())
    plan = [
        (members[0], monday - dt.timedelta(days=14), "approved"),
        (members[1], monday - dt.timedelta(days=7), "submitted"),
        (members[2], monday, "draft"),
    ]
    labour = items["Labour (per hour)"]
    for member, start, status in plan:
        if Timesheet.objects.filter(member=member, period_start=start).exists():
            continue
        timesheet = timesheets.timesheet_create(
            member=member, period_start=start, period_end=start + dt.timedelta(days=6)
        )
        for day in range(5 if status != "draft" else 2):
            timesheets.timesheet_add_entry(
                timesheet=timesheet,
                date=start + dt.timedelta(days=day),
                hours=Decimal("7.5"),
                customer=customers[day * 5],
                service_item=labour,
                notes="On site",
            )
        if status in ("submitted", "approved"):
            timesheet = timesheets.timesheet_submit(timesheet=timesheet)
        if status == "approved":
            timesheets.timesheet_approve(timesheet=timesheet, by=user)


def demo_invoice_settle(invoice, status: str, pay) -> None:
    """Take a new demo invoice to ``status``: left a draft, sent, cancelled after sending, or
    paid in full or in half through ``pay(invoice, amount)``."""
    if status == "draft":
        return
    invoice = invoices.invoice_send(invoice=invoice)
    if status == "cancelled":
        invoices.invoice_cancel(invoice=invoice)
    elif status in ("partially_paid", "paid"):
        half = (invoice.total / 2).quantize(Decimal("0.01"))
        pay(invoice, invoice.total if status == "paid" else half)
