"""Review automation: a customer whose first invoice is fully paid in an integration is sent
one review request, ever (docs/reviews.md).

The request is recorded in the transaction that recorded the payment; the e-mail leaves only
after that transaction commits, from a task, so a slow or failing mail server never holds up or
rolls back a sync. A failed send is retried later by the periodic task.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.invoices.models import Invoice
from apps.sync.models import Kind, SyncLogEntry

from .models import ReviewRequest, ReviewSettings

logger = logging.getLogger(__name__)

# A send that fails waits this long, doubling with each failure, at most a day.
RETRY_BASE = timedelta(minutes=15)
RETRY_MAX = timedelta(days=1)
# A worker that died while sending leaves its claim; another may take the request after this.
CLAIM = timedelta(minutes=5)


def review_settings_for(integration) -> ReviewSettings:
    """The integration's wording: the defaults (unsaved) until staff save their own."""
    saved = ReviewSettings.objects.filter(integration=integration).first()
    return saved or ReviewSettings(integration=integration)


def is_first_paid_invoice(invoice: Invoice) -> bool:
    """No other invoice of the customer is fully paid: this one is their first."""
    return not (
        Invoice.objects.filter(customer_id=invoice.customer_id, status=Invoice.Status.PAID)
        .exclude(pk=invoice.pk)
        .exists()
    )


def review_request_record(*, invoice: Invoice, integration) -> ReviewRequest | None:
    """Record the review request for ``invoice``'s customer, if this integration sends them,
    this is the customer's first paid invoice and they were never sent one. Runs in the
    caller's transaction; the e-mail is sent once it commits. None when nothing is to be sent.

    Invoices imported from a ledger's history never trigger one: connecting must not e-mail
    every past customer."""
    if integration is None or not integration.review_automation:
        return None
    if invoice.imported_from_id or not is_first_paid_invoice(invoice):
        return None
    customer = invoice.customer
    email = customer.email or invoice.billing_email
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction survives a clash
            request = ReviewRequest.objects.create(
                customer=customer,
                invoice=invoice,
                integration=integration,
                email=email,
                status=ReviewRequest.Status.WAITING if email else ReviewRequest.Status.NO_EMAIL,
            )
    except IntegrityError:
        return None  # already requested (perhaps by another worker this very moment)
    if email:
        from .tasks import send_review_request

        transaction.on_commit(lambda: send_review_request.delay(request.pk))
    return request


def _claim(pk: int) -> ReviewRequest | None:
    """Take the request for this worker, unless it is sent or another worker holds it."""
    now = timezone.now()
    taken = ReviewRequest.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=pk,
        status__in=[ReviewRequest.Status.WAITING, ReviewRequest.Status.FAILED],
    ).update(claimed_until=now + CLAIM)
    if not taken:
        return None
    return ReviewRequest.objects.select_related(
        "customer__organisation", "invoice", "integration"
    ).get(pk=pk)


def _fill(template: str, request: ReviewRequest, link: str) -> str:
    values = {
        "customer": request.customer.display_name,
        "invoice": request.invoice.number if request.invoice else "",
        "organisation": request.customer.organisation.name,
        "link": link,
    }
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template  # staff's own braces: send their words as written


def review_message(request: ReviewRequest) -> tuple[str, str]:
    """Subject and text, from the wording of the integration that recorded the payment."""
    wording = review_settings_for(request.integration) if request.integration else ReviewSettings()
    subject = _fill(wording.subject, request, wording.link)
    body = _fill(wording.body, request, wording.link)
    if wording.link and wording.link not in body:
        body += f"\n\n{wording.link}"
    return " ".join(subject.split()), body


def review_request_send(pk: int) -> bool:
    """Send one waiting (or failed, due) review request. True when it was sent now."""
    request = _claim(pk)
    if request is None:
        return False
    subject, body = review_message(request)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [request.email])
    except Exception as error:  # any mail-server trouble: retried later, the sync goes on
        _failed(request, error)
        return False
    _sent(request)
    return True


def _failed(request: ReviewRequest, error: Exception) -> None:
    logger.warning("Review request %s to %s not sent: %s", request.pk, request.email, error)
    attempts = request.attempts + 1
    wait = min(RETRY_BASE * 2 ** (attempts - 1), RETRY_MAX)
    ReviewRequest.objects.filter(pk=request.pk).update(
        status=ReviewRequest.Status.FAILED,
        attempts=attempts,
        next_attempt_at=timezone.now() + wait,
        last_error=str(error)[:500] or type(error).__name__,
        claimed_until=None,
    )


def _sent(request: ReviewRequest) -> None:
    with transaction.atomic():
        ReviewRequest.objects.filter(pk=request.pk).update(
            status=ReviewRequest.Status.SENT,
            sent_at=timezone.now(),
            attempts=request.attempts + 1,
            last_error="",
            claimed_until=None,
        )
        if request.integration_id:
            invoice = f" after {request.invoice.number} was paid" if request.invoice else ""
            SyncLogEntry.objects.create(
                integration_id=request.integration_id,
                kind=Kind.CUSTOMER,
                object_id=request.customer_id,
                direction=SyncLogEntry.Direction.PULL,
                outcome=SyncLogEntry.Outcome.REVIEW_REQUESTED,
                message=(
                    f"Review request e-mailed to {request.customer.display_name} "
                    f"<{request.email}>{invoice}."
                ),
            )


def review_requests_due() -> list[int]:
    """Requests whose first send never happened (a lost task) or whose retry is due."""
    now = timezone.now()
    waiting = Q(status=ReviewRequest.Status.WAITING, created_at__lt=now - CLAIM)
    failed = Q(status=ReviewRequest.Status.FAILED, next_attempt_at__lte=now)
    return list(ReviewRequest.objects.filter(waiting | failed).values_list("pk", flat=True)[:200])


NOT_SENT = (
    ReviewRequest.Status.FAILED,
    ReviewRequest.Status.NO_EMAIL,
    ReviewRequest.Status.WAITING,
)


def review_requests_of(organisation, *, not_sent_only: bool = True):
    """The organisation's review requests, newest first (those not sent, by default)."""
    requests = ReviewRequest.objects.filter(customer__organisation=organisation)
    if not_sent_only:
        requests = requests.filter(status__in=NOT_SENT)
    return requests.select_related("customer", "invoice", "integration").order_by("-created_at")


def review_request_send_again(request: ReviewRequest) -> str:
    """Staff asked to send now: a failed request is sent at once; one that had no e-mail
    address takes the customer's address if it has one now. Returns what happened, in words."""
    if request.status == ReviewRequest.Status.SENT:
        return f"The review request to {request.customer} was already sent."
    if request.status == ReviewRequest.Status.NO_EMAIL:
        email = request.customer.email or (request.invoice.billing_email if request.invoice else "")
        if not email:
            return f"{request.customer} still has no e-mail address: add one on the customer first."
        request.email = email
    ReviewRequest.objects.filter(pk=request.pk, status__in=NOT_SENT).update(
        email=request.email,
        status=ReviewRequest.Status.WAITING,
        next_attempt_at=None,
        claimed_until=None,
    )
    from .tasks import send_review_request

    transaction.on_commit(lambda: send_review_request.delay(request.pk))
    return f"The review request to {request.customer} <{request.email}> is being sent."
