"""``manage.py fault_suite``, short: a worker SIGKILLed after the export's batch was sent and
before its links were written, a pull at once, then the sweep; nothing doubled, nothing lost."""

from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from apps.invoices.models import Invoice
from apps.sandbox.tools.benchmark import PROVIDERS
from apps.sandbox.tools.fault_checks import Row, table
from apps.sandbox.tools.fault_suite import SHORT, fault_suite_run
from apps.sync.models import SyncRun
from tests.sync.real_services import needs_postgres_and_redis

real_services = needs_postgres_and_redis("the fault suite")


@real_services
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_killed_after_a_batch_was_sent_leaves_no_copy_and_no_gap(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    [row] = fault_suite_run(invoices=4, faults=SHORT, claim_timeout=6, page_size=2)

    assert (row.duplicates, row.missing, row.runs_open, row.failed_left) == (0, 0, 0, 0), table(
        [row]
    )
    assert row.note == ""
    # The killed export was closed as interrupted and resumed by the sweep, not the next night.
    interrupted = SyncRun.objects.filter(trigger="nightly", message__startswith="Interrupted")
    assert interrupted.count() == len(PROVIDERS)  # one killed export per provider
    resumed = SyncRun.objects.filter(trigger="nightly", counts__has_key="resumes")
    assert {run.status for run in resumed} == {"succeeded"}
    assert not Invoice.objects.filter(number__endswith="-QUI").exists()
    assert not Invoice.objects.filter(number__endswith="-XER").exists()


def test_table_names_every_column_and_the_faults_that_never_struck():
    rows = [Row("Redis emptied", 0, 0, 0, 0, 12.0), Row("two workers", 1, 2, 0, 3, 4.0, "late")]

    lines = table(rows)

    assert lines[0].split(" | ")[:5] == [
        "fault        ",
        "duplicates",
        "missing",
        "runs left open",
        "failed left",
    ]
    assert lines[2].startswith("Redis emptied | 0")
    assert lines[-1] == "  two workers: late"
    assert rows[0].ok and not rows[1].ok


@pytest.mark.django_db
def test_fault_suite_refuses_a_non_positive_invoice_count():
    with pytest.raises(CommandError, match="must be positive"):
        call_command("fault_suite", "--invoices", "0", stdout=io.StringIO())
