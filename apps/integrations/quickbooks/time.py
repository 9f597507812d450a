"""Approved time entries as QuickBooks TimeActivities, and the employees they are recorded
under, for ``QuickBooksAdapter``.

QuickBooks refuses employee time activities unless the company has Payroll: that refusal is a
validation fault, parked by the engine with QuickBooks' own message.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/timeactivity
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/employee
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from apps.integrations.contract import Pushed, RemoteEmployee
from apps.integrations.wire import malformed_is_transient

from . import mapping

_guarded = malformed_is_transient("QuickBooks")
EMPLOYEE_PAGE = 1000


def hours_and_minutes(hours: Decimal) -> tuple[int, int]:
    """7.5 → (7, 30); minutes rounded to the nearest whole one."""
    minutes = int((Decimal(hours) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return divmod(minutes, 60)


def time_activity_to_qbo(
    entry, *, employee_remote_id: str, customer_remote_id: str | None, item_remote_id: str | None
) -> dict:
    """Not billable: the hub invoices the work itself, so QuickBooks must not bill it again."""
    whole, minutes = hours_and_minutes(entry.hours)
    body: dict = {
        "NameOf": "Employee",
        "EmployeeRef": {"value": employee_remote_id},
        "TxnDate": entry.date.isoformat(),
        "Hours": whole,
        "Minutes": minutes,
        "BillableStatus": "NotBillable",
        "Description": entry.notes[:4000],
    }
    if customer_remote_id:
        body["CustomerRef"] = {"value": customer_remote_id}
    if item_remote_id:
        body["ItemRef"] = {"value": item_remote_id}
    return body


class TimeMixin:
    """The timesheet half of ``QuickBooksAdapter``."""

    @_guarded
    def push_time_entry(
        self,
        entry,
        remote_id: str | None,
        *,
        employee_remote_id: str,
        customer_remote_id: str | None,
        item_remote_id: str | None,
        key: str,
    ) -> Pushed:
        body = time_activity_to_qbo(
            entry,
            employee_remote_id=employee_remote_id,
            customer_remote_id=customer_remote_id,
            item_remote_id=item_remote_id,
        )
        if remote_id is None:
            data = self.client.create("TimeActivity", body, key=key)
        else:
            data = self._update("TimeActivity", remote_id, body)
        return Pushed(str(data.get("Id") or ""), mapping.version_of(data, "TimeActivity"))

    @_guarded
    def list_employees(self) -> list[RemoteEmployee]:
        rows = self.client.query(f"select * from Employee maxresults {EMPLOYEE_PAGE}")
        return sorted(
            (
                RemoteEmployee(
                    remote_id=str(row["Id"]),
                    name=str(row.get("DisplayName") or row["Id"]),
                    active=bool(row.get("Active", True)),
                )
                for row in rows
            ),
            key=lambda employee: employee.name.lower(),
        )
