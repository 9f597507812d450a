"""One health status per integration, the same on its card, its settings page and the status
bar under the top bar, most urgent first; Sync off is never shown as healthy."""

from __future__ import annotations

import re

import pytest

from apps.integrations.models import Integration, Provider
from apps.sync.models import Change, SyncRun

pytestmark = pytest.mark.django_db


def _shown(client, integration) -> tuple[str, str, str, str]:
    """(card badge, settings badge, status bar label, status bar tone)."""
    cards = client.get("/settings/integrations/").content.decode()
    settings = client.get(f"/settings/integrations/{integration.pk}/").content.decode()
    badge = re.compile(rf'data-testid="health-{integration.provider}">([^<]+)<')
    bar = re.search(r'health-item tone-(\w+)"[^>]*>\s*[^:]+: <strong>([^<]+)</strong>', cards)
    return badge.search(cards)[1], badge.search(settings)[1], bar[2], bar[1]


@pytest.mark.parametrize(
    "fields,rows,run,label,tone",
    [
        ({}, [], None, "Healthy", "good"),
        ({}, [], "running", "Syncing", "busy"),
        ({}, [("pending", 2)], None, "Retrying (1 record)", "warn"),
        ({}, [("failed", 0), ("failed", 0)], "running", "Failing (2 records)", "bad"),
        ({}, [], "failed", "Failing (last sync failed)", "bad"),
        ({"sync_enabled": False}, [("failed", 0)], None, "Sync off", "off"),
        ({"status": "needs_reconnect"}, [("failed", 0)], None, "Needs reconnecting", "bad"),
    ],
)
def test_the_card_the_settings_page_and_the_bar_agree(
    as_alice, make_integration, fields, rows, run, label, tone
):
    qbo = make_integration(Provider.QUICKBOOKS, **fields)
    for object_id, (state, transient) in enumerate(rows, start=1):
        Change.objects.create(
            integration=qbo,
            kind="invoice",
            object_id=object_id,
            state=state,
            transient_failures=transient,
        )
    Change.objects.create(integration=qbo, kind="customer", object_id=99)  # waiting, no error
    if run:
        SyncRun.objects.create(integration=qbo, trigger="sync_now", status=run)

    assert _shown(as_alice, qbo) == (label, label, label, tone)


def test_a_disconnected_integration_is_left_out_of_the_bar(as_alice, make_integration):
    make_integration(Provider.QUICKBOOKS, status=Integration.Status.DISCONNECTED)
    page = as_alice.get("/settings/integrations/").content.decode()
    assert 'data-testid="health-quickbooks">Disconnected<' in page
    assert "QuickBooks Online: <strong>" not in page
