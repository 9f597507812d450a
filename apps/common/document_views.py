"""The create / edit page of a quote or invoice: header form plus line rows, one view flow;
the two htmx helpers of that page serve both apps' URLs directly."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.common.access import organisation_of
from apps.common.documents import Document, compute_totals
from apps.common.forms import (
    LINE_PREFIX,
    DocumentForm,
    apply_errors,
    blank_line_form,
    data_filled_from_items,
    line_formset,
    lines_from_formset,
    posted_row_count,
)
from apps.common.lines import HEADER_FIELDS
from apps.common.money import ZERO


def _initial(document: Document | None, end_field: str) -> dict:
    if document is None:
        return {}
    return {name: getattr(document, name) for name in (*HEADER_FIELDS, end_field)}


def _with_extra_row(data):
    data = data.copy()
    key = f"{LINE_PREFIX}-TOTAL_FORMS"
    data[key] = str(posted_row_count(data) + 1)
    return data


def document_edit(
    request: HttpRequest,
    *,
    form_class: type[DocumentForm],
    template: str,
    save: Callable[..., Document],
    document: Document | None = None,
    end_field: str,
    initial: dict | None = None,
    context: dict | None = None,
) -> HttpResponse:
    """GET shows the form; POST with "add_line" adds a row and with "fill_items" fills rows
    from their items (the no-JS paths); POST saves through ``save(lines=..., **header)`` and
    redirects to the document, or shows the refusals."""
    organisation = organisation_of(request)
    if request.method == "POST":
        adding = "add_line" in request.POST
        filling = "fill_items" in request.POST
        data = _with_extra_row(request.POST) if adding else request.POST
        if filling:
            data = data_filled_from_items(data, organisation=organisation)
        form = form_class(data, initial=_initial(document, end_field), organisation=organisation)
        formset = line_formset(organisation=organisation, data=data)
        if not (adding or filling) and form.is_valid() and formset.is_valid():
            try:
                saved = save(lines=lines_from_formset(formset), **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect(saved.get_absolute_url())
    else:
        form = form_class(
            initial=_initial(document, end_field) | (initial or {}), organisation=organisation
        )
        formset = line_formset(organisation=organisation, document=document)
    return render(
        request,
        template,
        {"form": form, "formset": formset, "document": document, **(context or {})},
    )


@login_required
def line_row(request: HttpRequest) -> HttpResponse:
    """One blank line row for htmx "Add line", with the bumped form count swapped out of band."""
    organisation = organisation_of(request)
    index = posted_row_count(request.GET)
    return render(
        request,
        "components/line_row.html",
        {
            "line": blank_line_form(organisation=organisation, index=index),
            "total_forms": index + 1,
            "oob": True,
        },
    )


@login_required
@require_POST
def document_totals(request: HttpRequest) -> HttpResponse:
    """The running totals of the form being edited (htmx, on every change); rows or header
    values that do not parse yet are left out rather than reported here."""
    organisation = organisation_of(request)
    formset = line_formset(organisation=organisation, data=request.POST)
    formset.is_valid()
    lines = [
        line for line in lines_from_formset(formset) if line.quantity >= 0 and line.unit_price >= 0
    ]
    header = DocumentForm(request.POST, organisation=organisation)
    header.is_valid()
    totals = compute_totals(
        lines,
        discount_percent=header.cleaned_data.get("discount_percent") or ZERO,
        tax_rate=header.cleaned_data.get("tax_rate") or ZERO,
    )
    currency = header.cleaned_data.get("currency") or organisation.currency
    return render(request, "components/totals.html", {"totals": totals, "currency": currency})
