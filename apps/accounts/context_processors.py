from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict:
    """The signed-in user's organisation, and whether the nav shows the Sandbox link."""
    user = getattr(request, "user", None)
    org = getattr(user, "organisation", None) if user and user.is_authenticated else None
    return {"organisation": org, "sandbox_enabled": settings.SANDBOX_ENABLED}
