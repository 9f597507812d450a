from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.common.access import get_for_organisation, organisation_of
from apps.common.document_views import document_edit
from apps.common.forms import apply_errors, lines_from_formset
from apps.common.views import paginate, run_action

from . import credits, services
from .forms import CreditLineFormSet, CreditNoteForm, InvoiceForm, PaymentForm, RefundForm
from .models import CreditNote, Invoice, Payment, Refund


def _get_invoice(request: HttpRequest, pk: int) -> Invoice:
    return get_for_organisation(Invoice.objects.select_related("customer"), request, pk=pk)


def _get_payment(request: HttpRequest, pk: int) -> Payment:
    return get_for_organisation(
        Payment.objects.select_related("invoice", "customer"),
        request,
        field="customer__organisation",
        pk=pk,
    )


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = Invoice.objects.filter(organisation=organisation_of(request)).select_related(
        "customer"
    )
    status = request.GET.get("status", "")
    if status == "unpaid":
        invoices = invoices.filter(status__in=services.PAYABLE)
    elif status in Invoice.Status.values:
        invoices = invoices.filter(status=status)
    context = {"page": paginate(request, invoices), "status": status, "statuses": Invoice.Status}
    template = "invoices/list.html#results" if request.htmx else "invoices/list.html"
    return render(request, template, context)


def _detail_context(invoice: Invoice, **extra) -> dict:
    today = invoice.organisation.today()
    return {
        "invoice": invoice,
        "lines": invoice.lines.all(),
        "payments": invoice.payments.prefetch_related("refunds"),
        "credit_notes": invoice.credit_notes.all(),
        "refunds": invoice.refunds.select_related("payment", "credit_note"),
        "takes_hub_payments": services.organisation_takes_hub_payments(invoice.organisation),
        "payments_hidden_message": services.HIDDEN_WHILE_CONNECTED,
        "payment_form": PaymentForm(initial={"date": today, "amount": invoice.balance}),
        "card_form": PaymentForm(initial={"date": today, "amount": invoice.balance}, prefix="card"),
        **extra,
    }


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_invoice(request, pk)
    return render(request, "invoices/detail.html", _detail_context(invoice))


@login_required
def invoice_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)

    def save(**values):
        return services.invoice_create(organisation=organisation, by=request.user, **values)

    today = organisation.today()
    initial = {
        "issue_date": today,
        "due_date": today + services.PAYMENT_TERMS,
        "customer": request.GET.get("customer"),
    }
    return document_edit(
        request,
        form_class=InvoiceForm,
        template="invoices/form.html",
        save=save,
        end_field="due_date",
        initial=initial,
    )


@login_required
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_invoice(request, pk)
    if not invoice.is_editable:
        messages.error(
            request,
            f"Invoice {invoice.number} is "
            f"{invoice.get_status_display().lower()}, so it cannot be edited.",
        )
        return redirect(invoice)

    def save(**values):
        return services.invoice_update(invoice=invoice, by=request.user, **values)

    return document_edit(
        request,
        form_class=InvoiceForm,
        template="invoices/form.html",
        save=save,
        document=invoice,
        end_field="due_date",
    )


ACTIONS = {
    "send": (services.invoice_send, "Invoice marked as sent."),
    "cancel": (services.invoice_cancel, "Invoice cancelled."),
}


@login_required
@require_POST
def invoice_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    invoice = _get_invoice(request, pk)
    service, success = ACTIONS[action]
    run_action(request, lambda: service(invoice=invoice, by=request.user), success)
    return redirect(invoice)


def _payment_post(request, invoice: Invoice, *, prefix: str | None, record) -> HttpResponse:
    """Shared by Add Payment and Take card payment: a form, one service call, the refusals
    beside the fields."""
    form = PaymentForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            record(**form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Payment recorded.")
            return redirect(invoice)
    key = "card_form" if prefix else "payment_form"
    context = _detail_context(invoice, **{key: form, "open_form": key})
    return render(request, "invoices/detail.html", context, status=400)


@login_required
@require_POST
def payment_add(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_invoice(request, pk)

    def record(**values):
        return services.payment_record(invoice=invoice, by=request.user, **values)

    return _payment_post(request, invoice, prefix=None, record=record)


@login_required
@require_POST
def payment_take_card(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _get_invoice(request, pk)

    def record(**values):
        return services.payment_collect_online(invoice=invoice, by=request.user, **values)

    return _payment_post(request, invoice, prefix="card", record=record)


@login_required
@require_POST
def payment_void(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _get_payment(request, pk)
    run_action(
        request, lambda: services.payment_void(payment=payment, by=request.user), "Payment voided."
    )
    return redirect(payment.invoice or payment.customer)


# --- credit notes and refunds (docs/credit-notes.md) ------------------------------------------
def _get_credit_note(request: HttpRequest, pk: int) -> CreditNote:
    return get_for_organisation(
        CreditNote.objects.select_related("invoice", "customer"), request, pk=pk
    )


def _get_refund(request: HttpRequest, pk: int) -> Refund:
    return get_for_organisation(
        Refund.objects.select_related("invoice", "customer", "payment", "credit_note"),
        request,
        field="customer__organisation",
        pk=pk,
    )


@login_required
def credit_note_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue credit note, from the invoice's page: the whole invoice, or lines typed here."""
    invoice = _get_invoice(request, pk)
    form = CreditNoteForm(
        request.POST or None, initial={"issue_date": invoice.organisation.today()}
    )
    lines = CreditLineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        whole = form.cleaned_data["scope"] == CreditNoteForm.WHOLE
        chosen = None if whole else lines_from_formset(lines)
        if chosen == []:
            form.add_error(None, "List at least one line the credit note takes back.")
        else:
            try:
                note = credits.credit_note_create(
                    invoice=invoice,
                    lines=chosen,
                    reason=form.cleaned_data["reason"],
                    issue_date=form.cleaned_data["issue_date"],
                    by=request.user,
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, f"Credit note {note.number} of {note.total} {note.currency} issued."
                )
                return redirect(invoice)
    context = {"invoice": invoice, "form": form, "lines": lines}
    status = 400 if request.method == "POST" else 200
    return render(request, "invoices/credit_note_form.html", context, status=status)


@login_required
def credit_note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_credit_note(request, pk)
    today = note.organisation.today()
    form = RefundForm(initial={"amount": note.remaining_credit, "date": today})
    return render(request, "invoices/credit_note.html", _credit_note_context(note, form))


def _credit_note_context(note: CreditNote, form) -> dict:
    return {
        "note": note,
        "lines": note.lines.all(),
        "refunds": note.refunds.all(),
        "refund_form": form,
    }


@login_required
@require_POST
def credit_note_refund(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_credit_note(request, pk)
    form = RefundForm(request.POST)
    if _refund_post(request, form, credit_note=note):
        return redirect(note)
    return render(
        request, "invoices/credit_note.html", _credit_note_context(note, form), status=400
    )


@login_required
@require_POST
def credit_note_void(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_credit_note(request, pk)
    run_action(
        request,
        lambda: credits.credit_note_void(credit_note=note, by=request.user),
        f"Credit note {note.number} voided.",
    )
    return redirect(note)


def _refund_post(request, form, **of) -> bool:
    if not form.is_valid():
        return False
    try:
        credits.refund_record(by=request.user, **of, **form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return False
    messages.success(request, f"Refund of {form.cleaned_data['amount']} recorded.")
    return True


@login_required
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    """Refund, from a payment: part or all of what is left of it."""
    payment = _get_payment(request, pk)
    initial = {"amount": payment.refundable, "date": payment.customer.organisation.today()}
    form = RefundForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if _refund_post(request, form, payment=payment):
            return redirect(payment.invoice or payment.customer)
    context = {"payment": payment, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "invoices/refund_form.html", context, status=status)


@login_required
@require_POST
def refund_void(request: HttpRequest, pk: int) -> HttpResponse:
    refund = _get_refund(request, pk)
    run_action(
        request, lambda: credits.refund_void(refund=refund, by=request.user), "Refund voided."
    )
    return redirect(refund.invoice or refund.customer)
