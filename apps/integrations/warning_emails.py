"""Connection warnings e-mailed to the organisation's staff, once per connection and warning
(the daily task in ``apps.integrations.tasks``)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from .models import ConnectionWarningSent, Integration
from .warnings import Warning, warning_for

logger = logging.getLogger(__name__)


def _staff_emails(organisation) -> list[str]:
    emails = organisation.members.filter(is_active=True).values_list("email", flat=True)
    return sorted({email for email in emails if email})


def _message(warning: Warning) -> tuple[str, str]:
    name = warning.integration.get_provider_display()
    url = settings.SITE_URL + reverse("integrations:connect", args=[warning.integration.provider])
    subject = (
        f"{name} needs reconnecting" if warning.kind == "revoked" else f"Reconnect {name} soon"
    )
    body = f"{warning.text}\n\nReconnect the same company here: {url}\n"
    return subject, body


def warning_email(warning: Warning) -> bool:
    """E-mail staff this warning unless it was sent before. True when sent now. The record is
    made first, so two runs at once send it once; a failed send removes it to try again."""
    recipients = _staff_emails(warning.integration.organisation)
    if not recipients:
        return False
    try:
        with transaction.atomic():  # a savepoint, so a caller's transaction survives a clash
            record = ConnectionWarningSent.objects.create(
                integration=warning.integration, key=warning.key
            )
    except IntegrityError:
        return False
    subject, body = _message(warning)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as error:  # any mail-server trouble: tried again at the next run
        logger.warning("Connection warning for %s not sent: %s", warning.integration, error)
        record.delete()
        return False
    return True


def warning_emails_send() -> int:
    """Check every connection and e-mail the warnings not sent yet. Returns how many went."""
    now = timezone.now()
    integrations = Integration.objects.exclude(
        status=Integration.Status.DISCONNECTED
    ).select_related("organisation")
    sent = 0
    for integration in integrations:
        warning = warning_for(integration, now)
        if warning is not None:
            sent += warning_email(warning)
    return sent
