from __future__ import annotations

from django.http import HttpRequest


def health(request: HttpRequest) -> dict:
    """Connection health shown on every page (filled in by the integrations app)."""
    return {}
