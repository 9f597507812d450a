from __future__ import annotations

from django.urls import path

from apps.common import document_views

from . import views

app_name = "invoices"
urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("new/", views.invoice_create, name="create"),
    path("line-row/", document_views.line_row, name="line_row"),
    path("totals/", document_views.document_totals, name="totals"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
    path("<int:pk>/edit/", views.invoice_edit, name="edit"),
    path("<int:pk>/payments/", views.payment_add, name="payment_add"),
    path("<int:pk>/card-payment/", views.payment_take_card, name="payment_take_card"),
    path("payments/<int:pk>/void/", views.payment_void, name="payment_void"),
    path("<int:pk>/credit-note/", views.credit_note_new, name="credit_note_new"),
    path("credit-notes/<int:pk>/", views.credit_note_detail, name="credit_note"),
    path("credit-notes/<int:pk>/refund/", views.credit_note_refund, name="credit_note_refund"),
    path("credit-notes/<int:pk>/void/", views.credit_note_void, name="credit_note_void"),
    path("payments/<int:pk>/refund/", views.payment_refund, name="payment_refund"),
    path("refunds/<int:pk>/void/", views.refund_void, name="refund_void"),
] + [
    path(f"<int:pk>/{action}/", views.invoice_action, {"action": action}, name=action)
    for action in views.ACTIONS
]
