"""Sync Now (with its live progress and preview), a run's summary, and the Sync Log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from apps.common.access import get_for_organisation, organisation_of
from apps.integrations.models import Integration

from . import services
from .forms import LogFilterForm
from .log_names import name_entries, record_name
from .models import Kind, SyncRun
from .selectors import group_by_run, hidden_unchanged, log_entries

LOG_PAGE_SIZE = 50


@login_required
@require_POST
def sync_now(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a Sync Now (or, with ``dry_run``, a preview) of one integration."""
    integration = get_for_organisation(Integration.objects.all(), request, pk=pk)
    run = services.sync_now(integration=integration, dry_run=bool(request.POST.get("dry_run")))
    if request.htmx:
        return render(request, "sync/run.html#progress", {"run": run})
    return redirect("sync:run", pk=run.pk)


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's progress while it runs (htmx polls the partial), then its summary."""
    run = get_for_organisation(
        SyncRun.objects.select_related("integration"),
        request,
        field="integration__organisation",
        pk=pk,
    )
    template = "sync/run.html#progress" if request.htmx else "sync/run.html"
    return render(request, template, {"run": run})


@login_required
@require_POST
def retry_record(request: HttpRequest, pk: int, kind: str, object_id: int) -> HttpResponse:
    """Retry one failed record in one integration now (the Sync Log's and the record page's
    Retry button)."""
    integration = get_for_organisation(Integration.objects.all(), request, pk=pk)
    if kind not in Kind.values:
        raise Http404("No such kind of record.")
    organisation = integration.organisation
    label = record_name(kind=kind, object_id=object_id, organisation=organisation).label
    if services.record_retry(integration=integration, kind=kind, object_id=object_id):
        messages.success(request, f"{label} goes to {integration.get_provider_display()} again.")
    else:
        messages.info(request, f"{label} has no failed sync to retry.")
    return redirect(_back(request))


def _back(request: HttpRequest) -> str:
    """Where the button was pressed, if that is a page of this site; else the Sync Log."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("sync:log")


@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    """The Sync Log: a page of entries named as people name their records, grouped by run."""
    organisation = organisation_of(request)
    form = LogFilterForm(request.GET or None, organisation=organisation)
    filters = form.filters()
    entries = log_entries(organisation=organisation, filters=filters)
    page = Paginator(entries, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    name_entries(rows, organisation=organisation)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "groups": group_by_run(rows),
        "hidden_unchanged": hidden_unchanged(organisation=organisation, filters=filters),
        "query": query.urlencode(),
    }
    template = "sync/log.html#entries" if request.htmx else "sync/log.html"
    return render(request, template, context)
