from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.customers.models import Customer
from apps.customers.services import customer_create, customer_update
from apps.integrations.models import Integration
from apps.sync.models import Change

pytestmark = pytest.mark.django_db


def test_create_stores_matching_keys_and_a_display_name(org):
    customer = customer_create(
        organisation=org,
        given_name="Nick",
        family_name="Brown",
        email=" Nick@Example.com ",
        phone="(207) 555-0142",
    )
    assert customer.display_name == "Nick Brown"
    assert (customer.email_normalised, customer.phone_normalised, customer.name_normalised) == (
        "nick@example.com",
        "075550142",
        "nick brown",
    )


def test_malformed_email_is_refused_and_nothing_saved(org):
    with pytest.raises(ValidationError) as excinfo:
        customer_create(organisation=org, display_name="X", email="x@")
    assert "not a valid e-mail" in excinfo.value.message_dict["email"][0]
    assert not Customer.objects.exists()


def test_a_name_of_some_kind_is_required(org):
    with pytest.raises(ValidationError) as excinfo:
        customer_create(organisation=org, email="a@example.com")
    assert "display_name" in excinfo.value.message_dict


def test_update_refreshes_keys_and_records_the_change(org):
    integration = Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="9",
        country="US",
        currency="USD",
    )
    customer = customer_create(organisation=org, display_name="Ann")
    customer = customer_update(customer=customer, email="ANN@EXAMPLE.COM")
    assert customer.email_normalised == "ann@example.com"
    assert (
        Change.objects.filter(
            integration=integration, kind="customer", object_id=customer.pk
        ).count()
        == 1
    )


def test_nothing_is_recorded_without_a_connected_integration(org):
    customer_create(organisation=org, display_name="Ann")
    assert not Change.objects.exists()


def test_merged_customer_cannot_be_edited(org):
    keep = customer_create(organisation=org, display_name="Keep")
    gone = customer_create(organisation=org, display_name="Gone")
    gone.merged_into = keep
    gone.save()
    with pytest.raises(ValidationError, match="was merged into Keep"):
        customer_update(customer=gone, notes="x")
