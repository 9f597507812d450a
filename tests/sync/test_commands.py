"""``sync_now``, ``sync_status`` and ``retry_failed``: exit 0 done, 1 some records failed,
2 usage or unknown id; --help."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from apps.integrations.contract import PermanentError
from apps.integrations.models import Integration
from apps.sync.models import Change, Link
from apps.sync.push import drain

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_sync_now_command_sends_in_progress_records_and_exits_0(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    code, out = run("sync_now", str(qbo.pk))
    assert code == 0
    assert "pushed: 2" in out
    assert remotes(qbo).count("invoice") == 1


def test_sync_now_dry_run_prints_what_would_happen_and_changes_nothing(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    hub.invoice(send=False)
    code, out = run("sync_now", str(qbo.pk), "--dry-run")
    assert code == 0
    assert "would be pushed: 3" in out
    assert "1 × Draft: the invoice is sent" in out
    assert not Link.objects.exists()
    assert remotes(qbo).count("invoice") == 0


def test_sync_now_command_exits_1_when_a_record_failed(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Amount is not valid"))
    code, out = run("sync_now", str(qbo.pk))
    assert code == 1
    assert "Amount is not valid" in out


def test_sync_now_command_refuses_unknown_or_disconnected_integration_with_exit_2(connect):
    with pytest.raises(CommandError) as unknown:
        call_command("sync_now", "999999")
    assert unknown.value.returncode == 2
    qbo = connect(status=Integration.Status.DISCONNECTED)
    with pytest.raises(CommandError) as disconnected:
        call_command("sync_now", str(qbo.pk), "--dry-run")
    assert disconnected.value.returncode == 2


def test_sync_status_json_lists_each_integration(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    code, out = run("sync_status", "--json")
    [row] = json.loads(out)
    assert code == 0
    assert row["id"] == qbo.pk and row["waiting"] == 2 and row["failed"] == 0


def test_sync_status_exits_1_when_records_failed(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Refused"))
    drain(qbo)
    code, out = run("sync_status")
    assert code == 1 and "failed" in out


def test_retry_failed_sends_parked_records_again(connect, hub, remotes):
    qbo = connect()
    hub.invoice()
    remotes(qbo).fail["push_invoice"].append(PermanentError("Refused"))
    drain(qbo)
    code, _ = run("retry_failed", "--integration", str(qbo.pk))
    assert code == 0
    assert not Change.objects.filter(state="failed").exists()
    with pytest.raises(CommandError) as unknown:
        call_command("retry_failed", "--integration", "999999")
    assert unknown.value.returncode == 2


@pytest.mark.parametrize("command", ["sync_now", "sync_status", "retry_failed"])
def test_commands_have_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        call_command(command, "--help")
    assert done.value.code == 0
    assert "usage" in capsys.readouterr().out
