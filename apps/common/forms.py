"""Form pieces quotes and invoices share: the header fields, the line rows, and putting a
service's refusal beside the field it concerns."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from apps.catalog.models import ServiceItem
from apps.common.currencies import validate_currency
from apps.common.lines import LineInput
from apps.common.money import PRICE_PLACES, QUANTITY_PLACES, plain
from apps.customers.models import Customer

LINE_PREFIX = "lines"


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on ``form``: beside the field it names, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes ISO dates whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DocumentForm(forms.Form):
    """Header of a quote or invoice; subclasses add the due / expiry date."""

    customer = forms.ModelChoiceField(queryset=Customer.objects.none())
    issue_date = forms.DateField(widget=DateInput)
    billing_email = forms.EmailField(required=False, help_text="Defaults to the customer's.")
    currency = forms.CharField(max_length=3)
    discount_percent = forms.DecimalField(
        label="Discount %", min_value=0, max_value=100, decimal_places=2, initial=Decimal("0")
    )
    tax_rate = forms.DecimalField(
        label="Tax rate %", min_value=0, max_value=100, decimal_places=2, initial=Decimal("0")
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.filter(
            organisation=organisation, merged_into__isnull=True
        )
        self.fields["currency"].initial = organisation.currency

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        validate_currency(currency)
        return currency


class LineForm(forms.Form):
    service_item = forms.ModelChoiceField(
        queryset=ServiceItem.objects.none(), required=False, label="Item"
    )
    description = forms.CharField(max_length=500, required=False)
    # As many decimals as the line columns keep (QuickBooks' precision, apps.common.money).
    quantity = forms.DecimalField(min_value=0, decimal_places=QUANTITY_PLACES, label="Qty")
    unit_price = forms.DecimalField(
        min_value=0, decimal_places=PRICE_PLACES, required=False, label="Price"
    )
    discount_percent = forms.DecimalField(
        min_value=0, max_value=100, decimal_places=2, required=False, label="Disc. %"
    )
    taxable = forms.BooleanField(required=False)

    def __init__(self, *args, organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:
            self.fields["service_item"].queryset = ServiceItem.objects.filter(
                organisation=organisation, active=True
            )


class BaseLineFormSet(forms.BaseFormSet):
    """Every row counts as an extra row, so a row removed in the browser is simply absent
    (and a row left empty is ignored)."""

    def initial_form_count(self) -> int:
        return 0


def line_formset(*, organisation, data=None, document=None):
    """The line rows: from posted ``data``, else the document's lines, else one empty row."""
    initial = [
        {
            "service_item": line.service_item_id,
            "description": line.description,
            "quantity": plain(line.quantity),
            "unit_price": plain(line.unit_price, 2),
            "discount_percent": line.discount_percent,
            "taxable": line.taxable,
        }
        for line in (document.lines.all() if document is not None and data is None else [])
    ]
    formset_class = forms.formset_factory(
        LineForm, formset=BaseLineFormSet, extra=max(len(initial), 1), can_delete=True
    )
    if data is None:
        initial = initial or [{"quantity": Decimal("1"), "taxable": True}]
    return formset_class(
        data, initial=initial, prefix=LINE_PREFIX, form_kwargs={"organisation": organisation}
    )


def blank_line_form(*, organisation, index: int) -> forms.Form:
    """One empty row, for the htmx "Add line" button."""
    return LineForm(
        prefix=f"{LINE_PREFIX}-{index}",
        organisation=organisation,
        initial={"quantity": Decimal("1"), "taxable": True},
    )


def lines_from_formset(formset) -> list[LineInput]:
    """The kept, non-empty, valid rows as service inputs; a chosen item fills a blank
    description or price."""
    lines = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE") or form.errors:
            continue  # unused, removed, or (for running totals) not typed in full yet
        item = data.get("service_item")
        if not (item or data.get("description") or data.get("unit_price")):
            continue  # a row left blank
        description = data.get("description") or (item and (item.description or item.name)) or ""
        price = data.get("unit_price")
        if price is None:
            price = item.unit_price if item else Decimal("0")
        lines.append(
            LineInput(
                description=description,
                quantity=data["quantity"],
                unit_price=price,
                discount_percent=data.get("discount_percent") or Decimal("0"),
                taxable=data.get("taxable", False),
                service_item=item,
            )
        )
    return lines
