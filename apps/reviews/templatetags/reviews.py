"""Review automation on the pages of the apps below it: the integration's settings page and the
customer's page include these (templates are not imports, so the layers hold)."""

from __future__ import annotations

from django import template

from ..forms import ReviewSettingsForm
from ..models import ReviewRequest
from ..services import review_settings_for

register = template.Library()


@register.inclusion_tag("reviews/_settings_form.html", takes_context=True)
def review_settings_form(context, integration) -> dict:
    form = ReviewSettingsForm(instance=review_settings_for(integration), integration=integration)
    return {"integration": integration, "review_form": form, "csrf_token": context["csrf_token"]}


@register.inclusion_tag("reviews/_customer.html")
def review_request_of(customer) -> dict:
    return {"review": ReviewRequest.objects.filter(customer=customer).first()}
