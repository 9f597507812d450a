"""What every hub admin shares: a staff member sees only their own organisation's rows."""

from __future__ import annotations

from django.contrib import admin


class OrganisationScopedAdmin(admin.ModelAdmin):
    """Superusers (and staff without an organisation) see everything; other staff see their
    organisation's rows only. ``organisation_path`` names the lookup to the organisation."""

    organisation_path = "organisation"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        organisation_id = getattr(request.user, "organisation_id", None)
        if request.user.is_superuser or organisation_id is None:
            return queryset
        return queryset.filter(**{f"{self.organisation_path}_id": organisation_id})
