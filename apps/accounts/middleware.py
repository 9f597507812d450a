"""Every page in the organisation's own time zone.

Dates and times are stored in UTC. While a signed-in member's request is handled, Django's
current time zone is the organisation's, so templates show its local times (``|date``,
``naturaltime``), ``localdate()`` is the organisation's today and ``__date`` lookups (the Sync
Log's date filters) cut days at its midnight. Outside a request (workers, commands) nothing is
activated: the engine works in UTC and asks ``Organisation.today()`` where a local date counts.
"""

from __future__ import annotations

import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class OrganisationTimeZoneMiddleware:
    """Activates the signed-in user's organisation's time zone for the request (after
    ``AuthenticationMiddleware``); anonymous pages and users without one stay in UTC."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = organisation_zone(request)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def organisation_zone(request: HttpRequest) -> zoneinfo.ZoneInfo | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return None
    try:
        return zoneinfo.ZoneInfo(organisation.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None  # validated on save; an old row with a bad name still gets its pages
