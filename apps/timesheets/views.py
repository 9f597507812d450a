from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.common.access import get_for_organisation, organisation_of
from apps.common.forms import apply_errors
from apps.common.views import paginate, run_action

from . import services
from .forms import TeamMemberForm, TimeEntryForm, TimesheetForm
from .models import TimeEntry, Timesheet


def _get_timesheet(request: HttpRequest, pk: int) -> Timesheet:
    return get_for_organisation(
        Timesheet.objects.select_related("member", "approved_by"), request, pk=pk
    )


def _this_week(organisation) -> dict:
    today = organisation.today()
    monday = today - datetime.timedelta(days=today.weekday())
    return {"period_start": monday, "period_end": monday + datetime.timedelta(days=6)}


def _list_page(request, *, form: TimesheetForm, member_form: TeamMemberForm, status: int = 200):
    timesheets = Timesheet.objects.filter(organisation=organisation_of(request)).select_related(
        "member"
    )
    chosen = request.GET.get("status", "")
    if chosen in Timesheet.Status.values:
        timesheets = timesheets.filter(status=chosen)
    context = {
        "page": paginate(request, timesheets),
        "form": form,
        "member_form": member_form,
        "status": chosen,
        "statuses": Timesheet.Status,
    }
    return render(request, "timesheets/list.html", context, status=status)


def _blank_timesheet_form(organisation) -> TimesheetForm:
    return TimesheetForm(organisation=organisation, initial=_this_week(organisation))


@login_required
def timesheet_list(request: HttpRequest) -> HttpResponse:
    """The timesheets, and (POST) starting a new one."""
    organisation = organisation_of(request)
    if request.method != "POST":
        form = _blank_timesheet_form(organisation)
        return _list_page(request, form=form, member_form=TeamMemberForm())
    form = TimesheetForm(request.POST, organisation=organisation)
    if form.is_valid():
        try:
            return redirect(services.timesheet_create(**form.cleaned_data))
        except ValidationError as exc:
            apply_errors(form, exc)
    return _list_page(request, form=form, member_form=TeamMemberForm(), status=400)


def _detail(request, timesheet: Timesheet, form: TimeEntryForm, status: int = 200):
    entries = timesheet.entries.select_related("customer", "service_item")
    total = sum((entry.hours for entry in entries), Decimal("0"))
    context = {"timesheet": timesheet, "entries": entries, "form": form, "total_hours": total}
    template = "timesheets/detail.html#entries" if request.htmx else "timesheets/detail.html"
    return render(request, template, context, status=status)


@login_required
def timesheet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    timesheet = _get_timesheet(request, pk)
    form = TimeEntryForm(
        organisation=timesheet.organisation, initial={"date": timesheet.period_start}
    )
    return _detail(request, timesheet, form)


@login_required
@require_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    timesheet = _get_timesheet(request, pk)
    form = TimeEntryForm(request.POST, organisation=timesheet.organisation)
    if form.is_valid():
        try:
            services.timesheet_add_entry(timesheet=timesheet, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not request.htmx:
                return redirect(timesheet)
            form = TimeEntryForm(
                organisation=timesheet.organisation, initial={"date": form.cleaned_data["date"]}
            )
    # htmx swaps only 2xx answers, so refusals go back as 200 to it and 400 to a plain post.
    return _detail(
        request, timesheet, form, status=400 if form.errors and not request.htmx else 200
    )


@login_required
@require_POST
def entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_for_organisation(
        TimeEntry.objects.select_related("timesheet"),
        request,
        field="timesheet__organisation",
        pk=pk,
    )
    run_action(request, lambda: services.timesheet_remove_entry(entry=entry), "Entry removed.")
    return redirect(entry.timesheet)


ACTIONS = {
    "submit": (services.timesheet_submit, "Timesheet submitted for approval."),
    "approve": (services.timesheet_approve, "Timesheet approved."),
}


@login_required
@require_POST
def timesheet_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    timesheet = _get_timesheet(request, pk)
    service, success = ACTIONS[action]
    run_action(request, lambda: service(timesheet=timesheet, by=request.user), success)
    return redirect(timesheet)


@login_required
@require_POST
def member_add(request: HttpRequest) -> HttpResponse:
    organisation = organisation_of(request)
    form = TeamMemberForm(request.POST)
    if form.is_valid():
        try:
            member = services.team_member_create(organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Added {member} to the team.")
            return redirect("timesheets:list")
    blank = _blank_timesheet_form(organisation)
    return _list_page(request, form=blank, member_form=form, status=400)
