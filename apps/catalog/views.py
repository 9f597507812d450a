from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import trigger_client_event

from apps.common.access import get_for_organisation, organisation_of
from apps.common.forms import LINE_PREFIX, line_filled_from_item
from apps.common.views import paginate, save_model_form

from . import services
from .forms import ServiceItemForm
from .models import ServiceItem


def _get_item(request: HttpRequest, pk: int) -> ServiceItem:
    return get_for_organisation(ServiceItem.objects.all(), request, pk=pk)


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    items = ServiceItem.objects.filter(organisation=organisation_of(request))
    if request.GET.get("show") != "all":
        items = items.filter(active=True)
    return render(
        request,
        "catalog/list.html",
        {"page": paginate(request, items), "show": request.GET.get("show", "")},
    )


def _item_form(request: HttpRequest, *, item: ServiceItem | None, save) -> HttpResponse:
    form = ServiceItemForm(request.POST or None, instance=item)
    if save_model_form(request, form, save) is not None:
        return redirect("catalog:list")
    return render(request, "catalog/form.html", {"form": form, "item": item})


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    return _item_form(
        request,
        item=None,
        save=lambda **values: services.service_item_create(organisation=organisation, **values),
    )


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_item(request, pk)
    return _item_form(
        request,
        item=item,
        save=lambda **values: services.service_item_update(item=item, **values),
    )


LINE_ROW_PREFIX = re.compile(rf"^{LINE_PREFIX}-\d{{1,4}}$")


@login_required
def line_fields(request: HttpRequest) -> HttpResponse:
    """A quote or invoice line row filled from the item chosen on it (htmx, on change); the
    totals beside the form recompute on the ``line-filled`` event."""
    prefix = request.GET.get("prefix", "")
    if not LINE_ROW_PREFIX.match(prefix):
        raise Http404("No such line.")
    try:
        item_pk = int(request.GET.get(f"{prefix}-service_item") or "")
    except ValueError:
        raise Http404("Choose an item.") from None
    item = _get_item(request, item_pk)
    line = line_filled_from_item(
        organisation=organisation_of(request), prefix=prefix, data=request.GET, item=item
    )
    response = render(request, "components/line_row.html", {"line": line})
    return trigger_client_event(response, "line-filled")
