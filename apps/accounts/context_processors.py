from __future__ import annotations

from django.http import HttpRequest


def organisation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    org = getattr(user, "organisation", None) if user and user.is_authenticated else None
    return {"organisation": org}
