"""Employee mapping: which QuickBooks employee each team member's time is recorded under
(docs/sync-rules.md, "Timesheets"). Only mapped team members' approved time entries are synced."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.integrations.contract import RemoteEmployee, SyncError
from apps.integrations.registry import adapter_for
from apps.timesheets.models import TeamMember

from .models import EmployeeMapping, Integration
from .services import _notify_sync_to_enabled

NOT_MAPPED = ""


def remote_employees(*, integration: Integration) -> tuple[list[RemoteEmployee], str]:
    """The company's employees, read from QuickBooks; and what went wrong, if anything."""
    if not integration.is_connected:
        return [], "The integration is not connected: reconnect it to read its employees."
    try:
        return adapter_for(integration).list_employees(), ""
    except SyncError as exc:
        return [], exc.message


def employee_mappings_of(integration: Integration) -> dict[int, str]:
    return dict(
        EmployeeMapping.objects.filter(integration=integration).values_list(
            "member_id", "remote_id"
        )
    )


@transaction.atomic
def employee_mappings_update(
    *, integration: Integration, choices: dict[int, str], employees: list[RemoteEmployee]
) -> int:
    """Save ``choices`` (team member id → employee id, "" for none). Members newly mapped have
    their approved entries queued (from the sync start date). Returns how many are mapped."""
    names = {employee.remote_id: employee.name for employee in employees}
    before = employee_mappings_of(integration)
    members = TeamMember.objects.filter(organisation_id=integration.organisation_id, pk__in=choices)
    for member in members:
        remote_id = choices[member.pk]
        if remote_id == NOT_MAPPED:
            EmployeeMapping.objects.filter(integration=integration, member=member).delete()
            continue
        if remote_id not in names:
            raise ValidationError(f"{member}: choose one of the company's employees.")
        EmployeeMapping.objects.update_or_create(
            integration=integration,
            member=member,
            defaults={"remote_id": remote_id, "remote_name": names[remote_id]},
        )
    after = employee_mappings_of(integration)
    if any(before.get(member_id) != remote_id for member_id, remote_id in after.items()):
        _notify_sync_to_enabled(integration, ["time_entry"])
    return len(after)


class EmployeeMappingForm(forms.Form):
    """One select per team member: a company employee, or not mapped."""

    def __init__(self, *args, members, employees: list[RemoteEmployee], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(NOT_MAPPED, "— Not mapped —")] + [
            (e.remote_id, e.name if e.active else f"{e.name} (inactive)") for e in employees
        ]
        self.members = list(members)
        for member in self.members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=member.name, choices=choices, required=False
            )

    def rows(self):
        return [(member, self[f"member_{member.pk}"]) for member in self.members]

    def choices(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data.get(f"member_{m.pk}") or NOT_MAPPED for m in self.members}
