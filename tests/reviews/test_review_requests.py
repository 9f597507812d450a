"""Review automation: a customer's first invoice fully paid in a ledger sends one review
request e-mail, after the transaction commits, once per customer ever."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from apps.invoices.models import Invoice, Payment
from apps.invoices.services import payment_record
from apps.reviews.models import ReviewRequest
from apps.reviews.services import review_request_send, review_settings_for
from apps.reviews.tasks import send_review_requests_due
from apps.sync.models import SyncLogEntry
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def _sent_invoice(org, customer=None, total="100.00") -> Invoice:
    customer = customer or CustomerFactory(organisation=org, email="tom@example.com")
    return InvoiceFactory(organisation=org, customer=customer, status="sent", total=total)


def _paid_in(integration, invoice, amount=None) -> Payment:
    return payment_record(
        invoice=invoice,
        amount=amount or invoice.total,
        source=Payment.Source.INTEGRATION,
        source_integration=integration,
    )


def _wording(integration, **values):
    wording = review_settings_for(integration)
    for name, value in values.items():
        setattr(wording, name, value)
    wording.save()


def test_first_invoice_paid_in_a_ledger_emails_the_customer_after_commit(
    org, quickbooks, eager_tasks, django_capture_on_commit_callbacks
):
    _wording(
        quickbooks,
        subject="Thanks {customer}!",
        body="Please review us: {link}",
        link="https://reviews.example.com/harbour",
    )
    invoice = _sent_invoice(org)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _paid_in(quickbooks, invoice)
    assert mail.outbox == []  # nothing leaves inside the transaction
    for callback in callbacks:
        callback()

    (message,) = mail.outbox
    assert message.to == ["tom@example.com"]
    assert message.subject == f"Thanks {invoice.customer.display_name}!"
    assert "Please review us: https://reviews.example.com/harbour" in message.body
    request = ReviewRequest.objects.get(customer=invoice.customer)
    assert request.status == ReviewRequest.Status.SENT and request.sent_at
    entry = SyncLogEntry.objects.get(outcome=SyncLogEntry.Outcome.REVIEW_REQUESTED)
    assert entry.object_id == invoice.customer_id and "tom@example.com" in entry.message


def test_a_partly_paid_invoice_sends_nothing_until_its_balance_is_zero(
    org, quickbooks, eager_tasks, django_capture_on_commit_callbacks
):
    invoice = _sent_invoice(org)
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, invoice, amount="40.00")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, invoice, amount="60.00")
    assert len(mail.outbox) == 1


def test_a_customer_is_asked_once_ever_and_not_after_an_earlier_paid_invoice(
    org, quickbooks, eager_tasks, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(organisation=org, email="ann@example.com")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _paid_in(quickbooks, _sent_invoice(org, customer))
    assert len(mail.outbox) == 1
    assert ReviewRequest.objects.filter(customer=customer).count() == 1

    earlier = CustomerFactory(organisation=org, email="old@example.com")
    InvoiceFactory(organisation=org, customer=earlier, status="paid")
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, _sent_invoice(org, earlier))
    assert len(mail.outbox) == 1  # not their first paid invoice


def test_review_automation_off_or_history_sends_nothing(
    org, quickbooks, eager_tasks, django_capture_on_commit_callbacks
):
    historical = _sent_invoice(org)
    Invoice.objects.filter(pk=historical.pk).update(imported_from=quickbooks)
    historical.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, historical)
    quickbooks.review_automation = False
    quickbooks.save()
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, _sent_invoice(org, CustomerFactory(organisation=org)))
    assert mail.outbox == [] and not ReviewRequest.objects.exists()


def test_a_payment_recorded_in_the_hub_sends_nothing(org, quickbooks, eager_tasks):
    quickbooks.status = "disconnected"
    quickbooks.save()  # Add Payment is open only while nothing is connected
    invoice = _sent_invoice(org)
    payment_record(invoice=invoice, amount=invoice.total)
    assert mail.outbox == [] and not ReviewRequest.objects.exists()


def test_a_failed_send_never_undoes_the_payment_and_is_retried_later(
    org, quickbooks, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("apps.reviews.services.send_mail", refuse)
    invoice = _sent_invoice(org)
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, invoice)

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    request = ReviewRequest.objects.get()
    assert request.status == ReviewRequest.Status.FAILED
    assert "mail server down" in request.last_error and request.next_attempt_at

    monkeypatch.undo()
    assert send_review_requests_due() == 0  # not due yet
    ReviewRequest.objects.update(next_attempt_at=request.created_at)
    assert send_review_requests_due() == 1
    assert len(mail.outbox) == 1
    assert ReviewRequest.objects.get().status == ReviewRequest.Status.SENT


def test_two_workers_recording_at_once_send_one_email(org, quickbooks):
    """The unique customer decides: the second request is refused, whatever the timing."""
    invoice = _sent_invoice(org)
    from apps.reviews.services import review_request_record

    Invoice.objects.filter(pk=invoice.pk).update(status="paid")
    invoice.refresh_from_db()
    with transaction.atomic():
        first = review_request_record(invoice=invoice, integration=quickbooks)
        second = review_request_record(invoice=invoice, integration=quickbooks)
    assert first is not None and second is None
    assert review_request_send(first.pk) is True
    assert review_request_send(first.pk) is False  # already sent: never twice
    assert len(mail.outbox) == 1


def test_the_customer_page_shows_the_request_sent(
    org, alice, client, quickbooks, eager_tasks, django_capture_on_commit_callbacks
):
    invoice = _sent_invoice(org)
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, invoice)
    client.force_login(alice)
    page = client.get(f"/customers/{invoice.customer_id}/").content.decode()
    assert 'data-testid="review-request"' in page and "Sent" in page
    assert "tom@example.com" in page


def test_staff_edit_the_wording_and_switch_it_on_from_the_settings_page(
    org, alice, client, quickbooks
):
    quickbooks.review_automation = False
    quickbooks.save()
    client.force_login(alice)
    response = client.post(
        f"/reviews/integrations/{quickbooks.pk}/",
        {
            "review_automation": "on",
            "subject": "Enjoyed our work?",
            "body": "Tell us: {link}",
            "link": "https://g.page/harbour/review",
        },
    )
    assert response.status_code == 302
    quickbooks.refresh_from_db()
    assert quickbooks.review_automation
    assert review_settings_for(quickbooks).link == "https://g.page/harbour/review"
    page = client.get(f"/settings/integrations/{quickbooks.pk}/").content.decode()
    assert "Enjoyed our work?" in page


def test_switching_it_on_without_a_link_is_refused(org, alice, client, quickbooks):
    client.force_login(alice)
    response = client.post(
        f"/reviews/integrations/{quickbooks.pk}/",
        {"review_automation": "on", "subject": "Hi", "body": "Text", "link": ""},
    )
    assert response.status_code == 200
    assert "Give the review link" in response.content.decode()


def test_another_organisation_cannot_reach_the_settings(charlie, client, quickbooks):
    client.force_login(charlie)
    assert client.get(f"/reviews/integrations/{quickbooks.pk}/").status_code == 404


def test_a_merged_customers_review_request_stays_with_the_customer_kept_so_none_is_sent_twice(
    org, quickbooks, eager_tasks, django_capture_on_commit_callbacks
):
    from apps.customers.merging import customer_merge, merge_preview

    duplicate = CustomerFactory(organisation=org, email="tom@example.com")
    keep = CustomerFactory(organisation=org, email="tom@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, _sent_invoice(org, customer=duplicate))
    assert len(mail.outbox) == 1
    assert merge_preview(keep=keep, duplicates=[duplicate]).review_requests == 1

    customer_merge(keep=keep, duplicates=[duplicate])
    assert ReviewRequest.objects.get().customer == keep

    with django_capture_on_commit_callbacks(execute=True):
        _paid_in(quickbooks, _sent_invoice(org, customer=keep))
    assert ReviewRequest.objects.count() == 1
    assert len(mail.outbox) == 1  # the kept customer is not asked again


def test_staff_see_review_requests_not_sent_and_send_one_again_once_the_customer_has_an_email(
    org, quickbooks, as_alice, eager_tasks, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    customer = CustomerFactory(organisation=org, email="")
    invoice = _sent_invoice(org, customer=customer)
    invoice.billing_email = ""
    invoice.save()
    _paid_in(quickbooks, invoice)
    review = ReviewRequest.objects.get()
    assert review.status == ReviewRequest.Status.NO_EMAIL

    page = as_alice.get(reverse("reviews:list")).content.decode()
    assert "Not sent: no e-mail address" in page and str(customer) in page

    refused = as_alice.post(reverse("reviews:send", args=[review.pk]), follow=True)
    assert "still has no e-mail address" in refused.content.decode()

    customer.email = "tom@example.com"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        as_alice.post(reverse("reviews:send", args=[review.pk]))
    review.refresh_from_db()
    assert (review.status, review.email) == (ReviewRequest.Status.SENT, "tom@example.com")
    assert mail.outbox[0].to == ["tom@example.com"]
    after = as_alice.get(reverse("reviews:list")).content.decode()
    assert "Every review request has been sent." in after


def test_another_organisations_review_request_cannot_be_sent_from_here(org, quickbooks, as_charlie):
    from django.urls import reverse

    _paid_in(quickbooks, _sent_invoice(org))
    review = ReviewRequest.objects.get()
    assert as_charlie.post(reverse("reviews:send", args=[review.pk])).status_code == 404
    assert str(review.customer) not in as_charlie.get(reverse("reviews:list")).content.decode()
