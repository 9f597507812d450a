"""Form pieces quotes and invoices share: the header fields, the line rows, and putting a
service's refusal beside the field it concerns."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from apps.common.bounds import bounded_decimal_field
from apps.common.currencies import document_currencies
from apps.common.documents import Document, DocumentLine
from apps.common.lines import LineInput
from apps.common.money import plain

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


class CurrencyField(forms.ChoiceField):
    """A choice of currency codes that also takes a typed code in any case."""

    def to_python(self, value) -> str:
        return super().to_python(value).strip().upper()


class DocumentForm(forms.Form):
    """Header of a quote or invoice; subclasses add the due / expiry date. Its choices are the
    organisation's own customers (and its lines', the organisation's items), reached through
    the organisation: this bottom layer imports none of the hub's apps."""

    customer = forms.ModelChoiceField(queryset=None)
    issue_date = forms.DateField(widget=DateInput)
    billing_email = forms.EmailField(required=False, help_text="Defaults to the customer's.")
    currency = CurrencyField()
    discount_percent = bounded_decimal_field(
        Document, "discount_percent", label="Discount %", min_value=0, max_value=100
    )
    tax_rate = bounded_decimal_field(
        Document, "tax_rate", label="Tax rate %", min_value=0, max_value=100, shown_plain=True
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = organisation.customers.filter(merged_into__isnull=True)
        self._limit_currency(organisation)
        self.fields["discount_percent"].initial = Decimal("0")
        self.fields["tax_rate"].initial = organisation.default_tax_rate
        self.fields["tax_rate"].help_text = format_html(
            'New documents start at the <a href="{}">organisation\'s default</a>.',
            reverse("organisation_settings"),
        )

    def _limit_currency(self, organisation) -> None:
        """Only the currencies the organisation and every connected ledger take; any other is
        refused here with the reason, never sent to be refused by a ledger."""
        self.currency_rule = rule = document_currencies(organisation)
        current = self.initial.get("currency")
        shown = [*rule.allowed, *([current] if current and current not in rule.allowed else [])]
        field = self.fields["currency"]
        field.choices = [(code, code) for code in shown]
        field.initial = organisation.currency
        # Django formats this message with %-style params: keep a name's own "%" as it is.
        message = rule.refusal("{value}").replace("%", "%%").replace("{value}", "%(value)s")
        field.error_messages = {**field.error_messages, "invalid_choice": message}

    def clean_currency(self) -> str:
        # A document already in another currency is shown as it is, and refused until changed.
        currency = self.cleaned_data["currency"]
        if currency not in self.currency_rule.allowed:
            raise ValidationError(self.currency_rule.refusal(currency))
        return currency


class LineForm(forms.Form):
    service_item = forms.ModelChoiceField(queryset=None, required=False, label="Item")
    description = forms.CharField(max_length=500, required=False)
    quantity = bounded_decimal_field(DocumentLine, "quantity", min_value=0, label="Qty")
    unit_price = bounded_decimal_field(
        DocumentLine, "unit_price", min_value=0, required=False, label="Price"
    )
    discount_percent = bounded_decimal_field(
        DocumentLine,
        "discount_percent",
        min_value=0,
        max_value=100,
        required=False,
        label="Disc. %",
    )
    taxable = forms.BooleanField(required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_item"].queryset = organisation.service_items.filter(active=True)
        # Choosing an item swaps in this row filled from it (htmx); without JavaScript the
        # form's "Fill lines from their items" button does the same on the server.
        self.fields["service_item"].widget.attrs.update(
            {
                "hx-get": reverse("catalog:line_fields"),
                "hx-trigger": "change",
                "hx-target": "closest tr",
                "hx-swap": "outerHTML",
                "hx-include": "closest tr",
                "hx-vals": f'{{"prefix": "{self.prefix}"}}',
            }
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


def item_line_values(item) -> dict:
    """What choosing ``item`` puts on a line: its description, price and tax flag."""
    return {
        "service_item": item.pk,
        "description": item.description or item.name,
        "unit_price": item.unit_price,
        "taxable": item.taxable,
    }


def line_filled_from_item(*, organisation, prefix: str, data, item) -> forms.Form:
    """One row as typed (quantity, discount kept) with the chosen item's values filled in."""
    initial = {"quantity": data.get(f"{prefix}-quantity") or Decimal("1")}
    initial["discount_percent"] = data.get(f"{prefix}-discount_percent") or ""
    line = LineForm(
        prefix=prefix, organisation=organisation, initial=initial | item_line_values(item)
    )
    if not item.taxable:
        # Never taxed whatever the box says (see LineInput): show it, rather than let it be ticked.
        line.fields["taxable"].disabled = True
        line.fields["taxable"].widget.attrs["title"] = f"{item} is not taxable."
    return line


def data_filled_from_items(data, *, organisation):
    """The posted rows with every chosen item's description, price and tax flag filled in
    (the no-JavaScript way to choose items)."""
    data = data.copy()
    items = organisation.service_items.all()
    for index in range(posted_row_count(data)):
        prefix = f"{LINE_PREFIX}-{index}"
        item = items.filter(pk=_int(data.get(f"{prefix}-service_item"))).first()
        if item is None:
            continue
        values = item_line_values(item)
        data[f"{prefix}-description"] = values["description"]
        data[f"{prefix}-unit_price"] = str(values["unit_price"])
        if values["taxable"]:
            data[f"{prefix}-taxable"] = "on"
        else:
            data.pop(f"{prefix}-taxable", None)
    return data


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def posted_row_count(data) -> int:
    """How many line rows the browser says it sent: a made-up count is no rows, and no count
    goes past what a formset would read."""
    count = _int(data.get(f"{LINE_PREFIX}-TOTAL_FORMS")) or 0
    return max(0, min(count, forms.formsets.DEFAULT_MAX_NUM))


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
