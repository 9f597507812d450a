from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError

from apps.common.currencies import validate_currency
from apps.common.forms import apply_errors, line_formset, lines_from_formset
from tests.factories import ServiceItemFactory


class _Form(forms.Form):
    amount = forms.DecimalField()


def test_service_errors_land_beside_their_field_or_on_top():
    form = _Form({"amount": "1"})
    form.is_valid()
    apply_errors(form, ValidationError({"amount": "Too much.", "lines": ["Line 1: no."]}))
    assert form.errors["amount"] == ["Too much."]
    assert form.non_field_errors() == ["Line 1: no."]


def test_plain_message_goes_on_top():
    form = _Form({"amount": "1"})
    form.is_valid()
    apply_errors(form, ValidationError("Nope."))
    assert form.non_field_errors() == ["Nope."]


@pytest.mark.parametrize("code", ["USD", "AUD", "GBP", "NZD", "CAD"])
def test_known_currencies_pass(code):
    validate_currency(code)


@pytest.mark.parametrize("code", ["usd", "XYZ", "US", ""])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(ValidationError, match="not a known currency"):
        validate_currency(code)


@pytest.mark.django_db
def test_blank_and_removed_rows_are_left_out(org):
    item = ServiceItemFactory(organisation=org, name="Call-out", unit_price=Decimal("89.00"))
    data = {
        "lines-TOTAL_FORMS": "4",
        "lines-INITIAL_FORMS": "0",
        "lines-0-service_item": str(item.pk),
        "lines-0-quantity": "1",
        "lines-1-description": "",
        "lines-1-quantity": "1",
        "lines-1-taxable": "on",
        "lines-2-description": "Gone",
        "lines-2-quantity": "1",
        "lines-2-unit_price": "5",
        "lines-2-DELETE": "on",
        "lines-3-description": "Labour",
        "lines-3-quantity": "2",
        "lines-3-unit_price": "60",
    }
    formset = line_formset(organisation=org, data=data)
    assert formset.is_valid(), formset.errors
    lines = lines_from_formset(formset)
    assert [(line.description, line.unit_price) for line in lines] == [
        ("Call-out", Decimal("89.00")),
        ("Labour", Decimal("60")),
    ]


@pytest.mark.django_db
def test_another_organisations_item_is_not_a_choice(org):
    stranger = ServiceItemFactory()
    data = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-service_item": str(stranger.pk),
        "lines-0-quantity": "1",
    }
    formset = line_formset(organisation=org, data=data)
    assert not formset.is_valid()
