from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.customers.models import Customer, CustomerMerge
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db


def test_merge_command_moves_documents_and_reports(capsys):
    keep = CustomerFactory(display_name="Nick Brown")
    duplicate = CustomerFactory(organisation=keep.organisation, display_name="Brown, Nick")
    invoice = InvoiceFactory(organisation=keep.organisation, customer=duplicate)
    call_command("merge_customers", str(keep.pk), str(duplicate.pk))
    invoice.refresh_from_db()
    duplicate.refresh_from_db()
    assert invoice.customer == keep
    assert duplicate.merged_into == keep
    assert "Merged “Brown, Nick” into “Nick Brown” (0 quotes, 1 invoices" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda a, b, other: [a.pk, 999999], "No customer with id 999999."),
        (lambda a, b, other: [a.pk, a.pk], "cannot be merged into itself"),
        (lambda a, b, other: [a.pk, other.pk], "different organisations"),
    ],
)
def test_bad_ids_exit_with_status_2_and_change_nothing(make_args, message):
    a = CustomerFactory()
    b = CustomerFactory(organisation=a.organisation)
    other = CustomerFactory()
    with pytest.raises(CommandError) as excinfo:
        call_command("merge_customers", *map(str, make_args(a, b, other)))
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)
    assert not Customer.objects.filter(merged_into__isnull=False).exists()
    assert not CustomerMerge.objects.exists()


def test_missing_arguments_is_a_usage_error(capsys):
    with pytest.raises(CommandError):
        call_command("merge_customers", "1")
