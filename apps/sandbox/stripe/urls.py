"""The Stripe sandbox: the API under /sandbox/stripe/v1/ and its console pages."""

from __future__ import annotations

from django.urls import path

from . import console, views

urlpatterns = [
    path("v1/account", views.account, name="stripe_account"),
    path("v1/balance_transactions", views.balance_transactions, name="stripe_balance_transactions"),
    path(
        "v1/balance_transactions/<str:object_id>",
        views.balance_transaction,
        name="stripe_balance_transaction",
    ),
    path("v1/charges", views.charges, name="stripe_charges"),
    path("v1/charges/<str:object_id>", views.charge, name="stripe_charge"),
    path("v1/payouts/<str:object_id>", views.payout, name="stripe_payout"),
    path("v1/events/<str:object_id>", views.event, name="stripe_event"),
    path("console/<str:account>/", console.account, name="stripe_console"),
    path("console/<str:account>/charge/", console.charge_new, name="stripe_console_charge"),
    path("console/<str:account>/payout/", console.payout_new, name="stripe_console_payout"),
    path(
        "console/<str:account>/payout/<str:payout_id>/fail/",
        console.payout_fail,
        name="stripe_console_payout_fail",
    ),
]
