from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.catalog.models import ServiceItem
from apps.catalog.services import service_item_create, service_item_update
from tests.factories import ServiceItemFactory
from tests.staff import assert_three_users

pytestmark = pytest.mark.django_db


def test_create_and_update_an_item(org):
    item = service_item_create(organisation=org, name="Call-out", unit_price=Decimal("89"))
    item = service_item_update(item=item, unit_price=Decimal("95.00"), active=False)
    item.refresh_from_db()
    assert (item.unit_price, item.active) == (Decimal("95.00"), False)


def test_negative_price_is_refused(org):
    with pytest.raises(ValidationError) as excinfo:
        service_item_create(organisation=org, name="X", unit_price=Decimal("-1"))
    assert excinfo.value.message_dict["unit_price"] == ["The unit price cannot be negative."]
    assert not ServiceItem.objects.exists()


def test_names_are_unique_per_organisation_in_any_case(org):
    service_item_create(organisation=org, name="Call-out", unit_price=Decimal("1"))
    with pytest.raises(ValidationError, match="already a service item"):
        service_item_create(organisation=org, name="CALL-OUT", unit_price=Decimal("1"))
    ServiceItemFactory(name="Call-out")  # another organisation may use the name


def test_item_pages_are_the_organisations_only(org, as_alice, as_bob, as_charlie):
    item = ServiceItemFactory(organisation=org, name="Drain cleaning")
    for client in (as_alice, as_bob):
        assert "Drain cleaning" in client.get(reverse("catalog:list")).content.decode()
    assert "Drain cleaning" not in as_charlie.get(reverse("catalog:list")).content.decode()
    assert_three_users(item.get_absolute_url(), as_alice, as_bob, as_charlie)


def test_inactive_items_show_only_when_asked(org, as_alice):
    ServiceItemFactory(organisation=org, name="Old thing", active=False)
    assert "Old thing" not in as_alice.get(reverse("catalog:list")).content.decode()
    assert "Old thing" in as_alice.get(reverse("catalog:list"), {"show": "all"}).content.decode()


def test_create_page_saves_and_shows_refusals_beside_fields(org, as_bob):
    url = reverse("catalog:create")
    response = as_bob.post(url, {"name": "Fix", "unit_price": "-5"})
    assert "The unit price cannot be negative." in response.content.decode()
    as_bob.post(url, {"name": "Fix", "unit_price": "50", "taxable": "on", "active": "on"})
    response = as_bob.post(url, {"name": "fix", "unit_price": "50"})
    assert "There is already a service item called" in response.content.decode()
    assert ServiceItem.objects.get(organisation=org).name == "Fix"


def test_edit_item(org, as_alice, as_charlie):
    item = ServiceItemFactory(organisation=org, name="Fix")
    data = {"name": "Fix tap", "unit_price": "60", "active": "on"}
    assert as_charlie.post(item.get_absolute_url(), data).status_code == 404
    as_alice.post(item.get_absolute_url(), data)
    item.refresh_from_db()
    assert item.name == "Fix tap"
