from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.common.access import get_for_organisation, organisation_of
from apps.common.document_views import document_edit
from apps.common.views import paginate, run_action

from . import services
from .forms import QuoteForm
from .models import Quote


def _get_quote(request: HttpRequest, pk: int) -> Quote:
    return get_for_organisation(
        Quote.objects.select_related("customer", "converted_invoice"), request, pk=pk
    )


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    quotes = Quote.objects.filter(organisation=organisation_of(request)).select_related("customer")
    status = request.GET.get("status", "")
    if status in Quote.Status.values:
        quotes = quotes.filter(status=status)
    context = {"page": paginate(request, quotes), "status": status, "statuses": Quote.Status}
    template = "quotes/list.html#results" if request.htmx else "quotes/list.html"
    return render(request, template, context)


@login_required
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _get_quote(request, pk)
    return render(request, "quotes/detail.html", {"quote": quote, "lines": quote.lines.all()})


@login_required
def quote_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)

    def save(**values):
        return services.quote_create(organisation=organisation, by=request.user, **values)

    initial = {"issue_date": organisation.today(), "customer": request.GET.get("customer")}
    return document_edit(
        request,
        form_class=QuoteForm,
        template="quotes/form.html",
        save=save,
        end_field="expiry_date",
        initial=initial,
    )


@login_required
def quote_edit(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _get_quote(request, pk)
    if not quote.is_editable:
        return redirect(quote)

    def save(**values):
        return services.quote_update(quote=quote, by=request.user, **values)

    return document_edit(
        request,
        form_class=QuoteForm,
        template="quotes/form.html",
        save=save,
        document=quote,
        end_field="expiry_date",
    )


ACTIONS = {
    "send": (services.quote_send, "Quote marked as sent."),
    "accept": (services.quote_accept, "Quote accepted."),
    "decline": (services.quote_decline, "Quote declined."),
    "cancel": (services.quote_cancel, "Quote cancelled."),
}


@login_required
@require_POST
def quote_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    quote = _get_quote(request, pk)
    service, success = ACTIONS[action]
    run_action(request, lambda: service(quote=quote, by=request.user), success)
    return redirect(quote)


@login_required
@require_POST
def quote_convert(request: HttpRequest, pk: int) -> HttpResponse:
    quote = _get_quote(request, pk)
    converted: list = []
    if run_action(
        request,
        lambda: converted.append(services.quote_convert(quote=quote, by=request.user)),
        "Quote converted to a draft invoice.",
    ):
        return redirect(converted[0])
    return redirect(quote)
