from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def health(request: HttpRequest) -> dict:
    """Connection health and warnings shown on every page (templates/integrations/_health.html,
    _warnings.html).

    Lazy, so pages that never show them (the sandbox's, the login page) run no query for them."""
    user = getattr(request, "user", None)
    organisation = getattr(user, "organisation", None) if user and user.is_authenticated else None
    if organisation is None:
        return {
            "integration_health": [],
            "integration_warnings": [],
            "integrations_connected": False,
        }
    from .selectors import health_for
    from .warnings import warnings_for

    rows = SimpleLazyObject(lambda: health_for(organisation))
    return {
        "integration_health": rows,
        "integration_warnings": SimpleLazyObject(lambda: warnings_for(organisation)),
        "integrations_connected": SimpleLazyObject(
            lambda: any(row.integration.is_connected for row in rows)
        ),
    }
