"""Review automation's settings, saved from the integration's settings page, and the list of
review requests with a Send now for those not sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.common.access import get_for_organisation, organisation_of
from apps.integrations.models import Integration
from apps.integrations.services import integration_settings_update

from .forms import ReviewSettingsForm
from .models import ReviewRequest
from .services import review_request_send_again, review_requests_of, review_settings_for


@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_for_organisation(Integration.objects.all(), request, pk=pk)
    form = ReviewSettingsForm(
        request.POST or None, instance=review_settings_for(integration), integration=integration
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        integration_settings_update(
            integration=integration,
            values={"review_automation": form.cleaned_data["review_automation"]},
        )
        state = "on" if form.cleaned_data["review_automation"] else "off"
        messages.success(request, f"Review automation for {integration} is {state}.")
        return redirect("integrations:settings", pk=integration.pk)
    return render(
        request, "reviews/settings.html", {"integration": integration, "review_form": form}
    )


@login_required
@require_http_methods(["GET"])
def review_requests(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("show") == "all"
    requests = review_requests_of(organisation_of(request), not_sent_only=not show_all)
    context = {"requests": requests[:500], "show_all": show_all}
    return render(request, "reviews/list.html", context)


@login_required
@require_http_methods(["POST"])
def review_request_send_now(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_for_organisation(
        ReviewRequest.objects.select_related("customer", "invoice"),
        request,
        field="customer__organisation",
        pk=pk,
    )
    messages.info(request, review_request_send_again(review))
    return redirect("reviews:list")
