from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.services import number_allocate
from apps.customers.models import Customer
from apps.invoices.models import Invoice, Payment
from apps.quotes.models import Quote
from apps.timesheets.models import Timesheet
from tests.factories import InvoiceFactory, OrganisationFactory, UserFactory
from tests.staff import client_for
from tests.threads import run_at_once

pytestmark = pytest.mark.django_db


def test_dashboard_shows_the_organisations_money_only(org, as_alice, as_bob, as_charlie):
    InvoiceFactory(
        organisation=org,
        number="INV-0007",
        status="partially_paid",
        total=Decimal("250.00"),
        amount_paid=Decimal("50.00"),
    )
    for client in (as_alice, as_bob):
        page = client.get(reverse("dashboard")).content.decode()
        assert "200.00" in page and "INV-0007" in page
    page = as_charlie.get(reverse("dashboard")).content.decode()
    assert "INV-0007" not in page


def test_nav_links_every_area_and_sandbox_only_when_enabled(as_alice, settings):
    page = as_alice.get(reverse("dashboard")).content.decode()
    for href in (
        "/customers/",
        "/quotes/",
        "/invoices/",
        "/items/",
        "/timesheets/",
        "/settings/integrations/",
        "/settings/invoices/",
        "/settings/quotes/",
        "/sync/log/",
    ):
        assert f'href="{href}"' in page, href
    assert ('href="/sandbox/"' in page) == settings.SANDBOX_ENABLED


def test_login_required_everywhere(client):
    for name in (
        "dashboard",
        "customers:list",
        "quotes:list",
        "invoices:list",
        "catalog:list",
        "timesheets:list",
        "customers:duplicates",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response.url, name


def test_login_page_signs_in(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302


def test_numbers_are_per_organisation_and_prefix():
    one, two = OrganisationFactory(), OrganisationFactory()
    assert number_allocate(organisation=one, prefix="INV", model=Invoice) == "INV-0001"
    assert number_allocate(organisation=one, prefix="INV", model=Invoice) == "INV-0002"
    assert number_allocate(organisation=one, prefix="QU", model=Quote) == "QU-0001"
    assert number_allocate(organisation=two, prefix="INV", model=Invoice) == "INV-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locks across connections need PostgreSQL")
    org = OrganisationFactory()
    numbers: list[str] = []
    barrier = threading.Barrier(6)

    def allocate():
        barrier.wait()
        try:
            numbers.append(number_allocate(organisation=org, prefix="INV", model=Invoice))
        finally:
            connections.close_all()

    run_at_once(allocate, 6)
    assert sorted(numbers) == [f"INV-{n:04d}" for n in range(1, 7)]


def test_seed_demo_builds_everything_once(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "username “demo”" in out and "password “harbour-demo-2026”" in out
    first = _counts()
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == {"draft", "sent", "partially_paid", "paid", "cancelled"}
    assert set(Quote.objects.values_list("status", flat=True)) == {
        "draft",
        "sent",
        "accepted",
        "declined",
        "cancelled",
    }
    assert {"submitted", "approved"} <= set(Timesheet.objects.values_list("status", flat=True))
    assert Customer.objects.filter(display_name__in=["Nick Brown", "Brown, Nick"]).count() == 2
    assert 45 <= first[0] <= 60
    call_command("seed_demo")
    assert _counts() == first
    assert Payment.objects.filter(invoice=None, source="online").count() == 1
    user = User.objects.get(username="demo")
    assert user.check_password("harbour-demo-2026") and user.organisation.currency == "USD"


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Customer, Invoice, Quote, Payment, Timesheet))


def test_a_login_without_organisation_is_told_why_it_sees_nothing(db):
    loner = UserFactory(organisation=None)
    response = client_for(loner).get(reverse("dashboard"))
    assert response.status_code == 403
    assert "Your login has no organisation" in response.content.decode()
    assert client_for(loner).get(reverse("customers:list")).status_code == 404


def test_today_is_the_date_where_the_business_is():
    east = OrganisationFactory(time_zone="Pacific/Kiritimati")  # UTC+14
    west = OrganisationFactory(time_zone="Pacific/Pago_Pago")  # UTC-11
    assert (east.today() - west.today()).days in (1, 2)
