from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.common.access import get_for_organisation, organisation_of
from apps.common.forms import apply_errors
from apps.common.views import paginate, save_model_form
from apps.invoices.forms import PaymentForm
from apps.invoices.services import payment_collect_online

from . import merging, selectors, services
from .forms import CustomerForm, MergeForm
from .models import Customer


def _get_customer(request: HttpRequest, pk: int) -> Customer:
    return get_for_organisation(Customer.objects.select_related("merged_into"), request, pk=pk)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")
    customers = selectors.customer_list(organisation=organisation_of(request), search=search)
    context = {"page": paginate(request, customers), "q": search}
    template = "customers/list.html#results" if request.htmx else "customers/list.html"
    return render(request, template, context)


def _detail(
    request: HttpRequest,
    customer: Customer,
    card_form: PaymentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "customer": customer,
        "quotes": customer.quote_set.all()[:50],
        "invoices": customer.invoice_set.all()[:50],
        "payments": customer.payments.select_related("invoice")[:50],
        "merged_from": customer.merged_from.all(),
        "card_form": card_form
        or PaymentForm(prefix="card", initial={"date": customer.organisation.today()}),
    }
    return render(request, "customers/detail.html", context, status=status)


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_customer(request, pk))


def _same_email(request: HttpRequest, form: CustomerForm, customer: Customer | None) -> list:
    """Other customers already using the e-mail typed in (only once the form parses)."""
    if request.method != "POST" or not form.is_valid():
        return []
    return list(
        selectors.customers_with_email(
            organisation=organisation_of(request),
            email=form.cleaned_data["email"],
            exclude_pk=customer.pk if customer else None,
        )
    )


def _customer_form(request: HttpRequest, *, customer: Customer | None, save) -> HttpResponse:
    """Saving an e-mail another customer has first asks: open that one, save then merge, or
    save anyway (docs/documents.md, "Customers' e-mail addresses")."""
    form = CustomerForm(request.POST or None, instance=customer)
    same_email = _same_email(request, form, customer)
    choice = request.POST.get("same_email", "")
    if not (same_email and choice not in ("save", "merge")):
        saved = save_model_form(request, form, save)
        if saved is not None and same_email and choice == "merge":
            ids = ",".join(str(c.pk) for c in [saved, *same_email])
            return redirect(f"{reverse('customers:merge')}?ids={ids}")
        if saved is not None:
            return redirect(saved)
    context = {"form": form, "customer": customer, "same_email": same_email}
    return render(request, "customers/form.html", context)


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    return _customer_form(
        request,
        customer=None,
        save=lambda **values: services.customer_create(organisation=organisation, **values),
    )


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _get_customer(request, pk)
    if customer.is_merged:
        messages.error(request, f"{customer} was merged into {customer.merged_into}.")
        return redirect(customer.merged_into)
    return _customer_form(
        request,
        customer=customer,
        save=lambda **values: services.customer_update(customer=customer, **values),
    )


@login_required
def customer_duplicates(request: HttpRequest) -> HttpResponse:
    suggestions = selectors.duplicate_suggestions(organisation=organisation_of(request))
    return render(request, "customers/duplicates.html", {"suggestions": suggestions})


def _merge_ids(request: HttpRequest) -> set[int]:
    raw = request.POST.getlist("ids") or request.GET.getlist("ids")
    return {int(part) for value in raw for part in value.split(",") if part.strip().isdigit()}


def _merge_candidates(request: HttpRequest, ids: set[int]):
    """The chosen customers, all still in use and all of this organisation (else 404)."""
    customers = Customer.objects.filter(
        organisation=organisation_of(request), merged_into__isnull=True, pk__in=ids
    )
    if customers.count() != len(ids):
        raise Http404("Those are not all customers of yours still in use.")
    return customers


@login_required
def customer_merge(request: HttpRequest) -> HttpResponse:
    """Three steps on one page: choose the customer to keep, preview what moves, confirm."""
    ids = _merge_ids(request)
    if len(ids) < 2:
        messages.error(request, "Tick at least two customers to merge.")
        return redirect("customers:list")
    customers = _merge_candidates(request, ids)
    form = MergeForm(request.POST or request.GET or None, customers=customers)
    preview = None
    if form.is_bound and "keep" in form.data and form.is_valid():
        keep = form.cleaned_data["keep"]
        duplicates = [c for c in customers if c.pk != keep.pk]
        try:
            if request.method == "POST":
                merging.customer_merge(keep=keep, duplicates=duplicates, by=request.user)
                messages.success(request, f"Merged {len(duplicates)} customer(s) into {keep}.")
                return redirect(keep)
            preview = merging.merge_preview(keep=keep, duplicates=duplicates)
        except ValidationError as exc:
            apply_errors(form, exc)
    context = {
        "form": form,
        "customers": customers,
        "preview": preview,
        "ids": ",".join(str(c.pk) for c in customers),
    }
    return render(request, "customers/merge.html", context)


@login_required
@require_POST
def card_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """A card payment taken with no invoice (it becomes a sales receipt in QuickBooks)."""
    customer = _get_customer(request, pk)
    form = PaymentForm(request.POST, prefix="card")
    if form.is_valid():
        try:
            payment_collect_online(customer=customer, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Card payment of {form.cleaned_data['amount']} recorded.")
            return redirect(customer)
    return _detail(request, customer, card_form=form, status=400)
