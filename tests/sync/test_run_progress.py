"""Sync Now's progress bar: its phase (reading, sending, done) and counts as they move, read
from the run and the records still waiting; the page polls it while the run runs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.sync.models import Change, SyncRun
from apps.sync.progress import run_progress
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(org, client):
    client.force_login(UserFactory(username="alice", organisation=org))
    return client


def _run(integration, **counts) -> SyncRun:
    return SyncRun.objects.create(integration=integration, trigger="sync_now", counts=counts)


def _waiting(integration, n: int) -> None:
    for object_id in range(1, n + 1):
        Change.objects.create(integration=integration, kind="invoice", object_id=object_id)


def test_a_run_that_sent_nothing_yet_is_reading_with_its_count(connect):
    progress = run_progress(_run(connect(), pulled=4, skipped=2))
    assert progress.phase == "reading" and progress.read == 6 and progress.percent is None
    assert [s.state for s in progress.steps] == ["current", "todo", "todo"]


def test_sending_counts_what_is_done_against_what_still_waits(connect):
    qbo = connect()
    _waiting(qbo, 3)
    progress = run_progress(_run(qbo, pulled=2, pushed=4, held_back=1, failed=1))
    assert progress.phase == "sending"
    assert (progress.sent, progress.waiting, progress.total) == (6, 3, 9)
    assert progress.percent == 50 + 50 * 6 // 9
    assert [s.state for s in progress.steps] == ["done", "current", "todo"]


def test_a_phase_the_engine_names_wins_and_a_finished_run_is_done(connect):
    qbo = connect()
    assert run_progress(_run(qbo, phase="sending")).phase == "sending"
    run = _run(qbo, pushed=3)
    run.finished_at, run.status = timezone.now(), SyncRun.Status.SUCCEEDED
    progress = run_progress(run)
    assert progress.phase == "done" and progress.percent == 100
    assert [s.state for s in progress.steps] == ["done", "done", "done"]


def test_the_run_page_shows_the_bar_and_polls_while_it_runs(alice, connect):
    qbo = connect()
    _waiting(qbo, 2)
    run = _run(qbo, pushed=2)

    page = alice.get(f"/sync/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()

    assert 'data-phase="sending"' in page and 'hx-trigger="every 2s"' in page
    assert "2 of 4 records done, 2 to go" in page
    assert 'aria-valuenow="75"' in page
