"""Settings → Integrations → Stripe: the organisation's secret key and webhook signing secret,
for payout sync (docs/payouts.md)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.common.access import organisation_of
from apps.payouts.models import Payout

from .models import StripeAccount
from .stripe_payouts import ConnectRefused, stripe_connect, webhook_url

RECENT_PAYOUTS = 20


class StripeForm(forms.Form):
    secret_key = forms.CharField(
        label="Secret key",
        max_length=255,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="Developers → API keys in the Stripe Dashboard (sk_live_… or sk_test_…).",
    )
    webhook_secret = forms.CharField(
        label="Webhook signing secret",
        max_length=255,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="The endpoint's signing secret (whsec_…), after adding the address below "
        "for the events payout.paid and payout.failed.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def stripe_settings(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    account = StripeAccount.objects.filter(organisation=organisation).first()
    form = StripeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = stripe_connect(
                organisation=organisation,
                secret_key=form.cleaned_data["secret_key"],
                webhook_secret=form.cleaned_data["webhook_secret"],
            )
        except ConnectRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, f"Stripe account {account.account_id} connected.")
            return redirect("integrations:stripe")
    return render(
        request,
        "integrations/stripe.html",
        {
            "form": form,
            "account": account,
            "webhook_url": webhook_url(account) if account else "",
            "payouts": Payout.objects.filter(organisation=organisation).prefetch_related(
                "lines__payment__invoice", "lines__payment__customer"
            )[:RECENT_PAYOUTS],
        },
    )
