from __future__ import annotations

from django.contrib import admin

from apps.common.admin import OrganisationScopedAdmin, ScopedTabularInline

from .models import TeamMember, TimeEntry, Timesheet


@admin.register(TeamMember)
class TeamMemberAdmin(OrganisationScopedAdmin):
    list_display = ("name", "email", "hourly_rate", "active", "organisation")
    list_filter = ("organisation", "active")
    search_fields = ("name", "email")
    list_select_related = ("organisation",)


class TimeEntryInline(ScopedTabularInline):
    model = TimeEntry
    organisation_path = "timesheet__organisation"
    extra = 0
    raw_id_fields = ("customer", "service_item")


@admin.register(Timesheet)
class TimesheetAdmin(OrganisationScopedAdmin):
    list_display = ("member", "period_start", "period_end", "status", "approved_by", "organisation")
    list_filter = ("status", "organisation")
    search_fields = ("member__name",)
    list_select_related = ("member", "approved_by", "organisation")
    inlines = [TimeEntryInline]


@admin.register(TimeEntry)
class TimeEntryAdmin(OrganisationScopedAdmin):
    organisation_path = "timesheet__organisation"
    list_display = ("date", "hours", "timesheet", "customer", "service_item")
    list_filter = ("timesheet__status",)
    search_fields = ("notes", "customer__display_name", "timesheet__member__name")
    list_select_related = ("timesheet__member", "customer", "service_item")
    raw_id_fields = ("timesheet", "customer", "service_item")
