"""The Stripe sandbox console: an account's charges and payouts, and "what Stripe does": take a
card payment, pay out the balance (paid or failed), fail a paid payout."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.common.money import to_minor_units
from apps.sandbox import store
from apps.sandbox.models import Provider, SandboxCompany

from . import errors, objects


def _account(account: str) -> SandboxCompany:
    return get_object_or_404(SandboxCompany, provider=Provider.STRIPE, external_id=account)


@login_required
def account(request: HttpRequest, account: str) -> HttpResponse:
    company = _account(account)
    return render(
        request,
        "sandbox/stripe/account.html",
        {
            "company": company,
            "charges": [r.data for r in store.records(company, objects.CHARGE).order_by("-pk")],
            "payouts": [r.data for r in store.records(company, objects.PAYOUT).order_by("-pk")],
        },
    )


@login_required
@require_POST
def charge_new(request: HttpRequest, account: str) -> HttpResponse:
    company = _account(account)
    try:
        amount = to_minor_units(request.POST.get("amount", ""))
        record = objects.charge_create(
            company,
            amount=amount,
            currency=company.currency,
            description=request.POST.get("description", "")[:200],
        )
    except (ValueError, errors.StripeRefusal) as refused:
        messages.error(request, getattr(refused, "message", "Give the amount, e.g. 120.00."))
    else:
        messages.success(request, f"Charge {record.record_id} succeeded.")
    return redirect("sandbox:stripe_console", account)


@login_required
@require_POST
def payout_new(request: HttpRequest, account: str) -> HttpResponse:
    company = _account(account)
    try:
        payout = objects.payout_create(company, fail=request.POST.get("fail") == "on")
    except errors.StripeRefusal as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Payout {payout.record_id} {payout.data['status']}.")
    return redirect("sandbox:stripe_console", account)


@login_required
@require_POST
def payout_fail(request: HttpRequest, account: str, payout_id: str) -> HttpResponse:
    company = _account(account)
    payout = objects.find(company, objects.PAYOUT, payout_id)
    if payout is None or payout.data["status"] != "paid":
        messages.error(request, "Only a paid payout can fail.")
    else:
        objects.payout_fail(company, payout)
        messages.success(request, f"Payout {payout_id} failed.")
    return redirect("sandbox:stripe_console", account)
