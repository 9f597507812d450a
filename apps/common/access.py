"""The one way a view fetches a record: scoped to the signed-in user's organisation."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest


def organisation_of(request: HttpRequest):
    """The user's organisation; a staff user without one sees nothing (404 everywhere)."""
    organisation = getattr(request.user, "organisation", None)
    if organisation is None:
        raise Http404("Your login is not attached to an organisation.")
    return organisation


def get_for_organisation(
    queryset: QuerySet, request: HttpRequest, *, field: str = "organisation", **lookup
) -> Model:
    """The object matching ``lookup`` inside the user's organisation, or 404 — never 403, so
    another organisation's ids reveal nothing."""
    organisation = organisation_of(request)
    try:
        return queryset.get(**{field: organisation}, **lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} here.") from exc
