"""factory-boy factories for hub records, shared by every test package.

Factories build rows directly (tests of the services call the services themselves)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from apps.accounts.models import Organisation, User
from apps.catalog.models import ServiceItem
from apps.common.lines import LineInput
from apps.customers.matching import normalise_email, normalise_name, normalise_phone
from apps.customers.models import Customer
from apps.invoices.models import Invoice, InvoiceLine, Payment
from apps.quotes.models import Quote, QuoteLine
from apps.timesheets.models import TeamMember, TimeEntry, Timesheet

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    country = "US"
    currency = "USD"
    time_zone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 (factory-boy hook)
        if create:
            obj.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    organisation = factory.SubFactory(OrganisationFactory)
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = "Smith"
    display_name = factory.LazyAttribute(lambda c: f"{c.given_name} {c.family_name}")
    email = factory.LazyAttribute(lambda c: f"{c.given_name.lower()}@example.com")
    phone = ""
    email_normalised = factory.LazyAttribute(lambda c: normalise_email(c.email))
    phone_normalised = factory.LazyAttribute(lambda c: normalise_phone(c.phone))
    name_normalised = factory.LazyAttribute(lambda c: normalise_name(c.display_name))


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    unit_price = Decimal("100.00")


class _DocumentFactory(factory.django.DjangoModelFactory):
    """What quotes and invoices share: a customer of the same organisation, one line's totals."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    customer = factory.SubFactory(
        CustomerFactory, organisation=factory.SelfAttribute("..organisation")
    )
    issue_date = factory.LazyFunction(timezone.localdate)
    currency = "USD"
    subtotal = Decimal("100.00")
    total = Decimal("100.00")


class _LineFactory(factory.django.DjangoModelFactory):
    """One untaxed 100.00 call-out, matching the document factories' totals."""

    class Meta:
        abstract = True

    description = "Call-out"
    quantity = Decimal("1")
    unit_price = Decimal("100.00")
    amount = Decimal("100.00")
    taxable = False


class QuoteFactory(_DocumentFactory):
    class Meta:
        model = Quote

    number = factory.Sequence(lambda n: f"QU-{n + 9000:04d}")
    line = factory.RelatedFactory("tests.factories.QuoteLineFactory", factory_related_name="quote")


class QuoteLineFactory(_LineFactory):
    class Meta:
        model = QuoteLine

    quote = factory.SubFactory(QuoteFactory, line=None)


class InvoiceFactory(_DocumentFactory):
    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"INV-{n + 9000:04d}")
    due_date = factory.LazyAttribute(lambda i: i.issue_date + dt.timedelta(days=14))
    line = factory.RelatedFactory(
        "tests.factories.InvoiceLineFactory", factory_related_name="invoice"
    )


class InvoiceLineFactory(_LineFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory, line=None)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory, status=Invoice.Status.SENT)
    customer = factory.LazyAttribute(lambda p: p.invoice.customer if p.invoice else None)
    amount = Decimal("10.00")
    date = factory.LazyFunction(timezone.localdate)


class TeamMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMember

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Technician {n}")


class TimesheetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Timesheet

    member = factory.SubFactory(TeamMemberFactory)
    organisation = factory.SelfAttribute("member.organisation")
    period_start = dt.date(2026, 11, 16)
    period_end = dt.date(2026, 11, 22)


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    timesheet = factory.SubFactory(TimesheetFactory)
    date = factory.SelfAttribute("timesheet.period_start")
    hours = Decimal("7.50")


def line(description: str = "Labour", quantity="1", unit_price="100.00", **extra) -> LineInput:
    """A line as a service receives it."""
    return LineInput(
        description=description, quantity=Decimal(quantity), unit_price=Decimal(unit_price), **extra
    )
