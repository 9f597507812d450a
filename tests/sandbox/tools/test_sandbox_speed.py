"""``manage.py sandbox_speed``: a refused request is reported by name, and the run leaves the
sandbox's webhook log as it found it."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpResponse

from apps.sandbox.tools import sandbox_speed

pytestmark = pytest.mark.django_db


def test_a_refused_myob_customer_says_so_instead_of_a_key_error(monkeypatch):
    def refused(ledger, path, body, method="post"):
        return HttpResponse(b'{"Errors": []}', status=400)

    monkeypatch.setattr(sandbox_speed, "_post", refused)
    measures = {name: sandbox_speed.Measure(name) for name in sandbox_speed.NAMES}
    with pytest.raises(RuntimeError, match="myob post customer: 400"):
        sandbox_speed._myob(1, measures, {})


def test_the_speed_run_leaves_the_webhook_log_level_as_it_was(monkeypatch):
    for ledger in ("_qbo", "_xero", "_myob"):
        monkeypatch.setattr(sandbox_speed, ledger, lambda *args: None)
    log = logging.getLogger("apps.sandbox.webhooks")
    monkeypatch.setattr(log, "level", logging.DEBUG)
    sandbox_speed.sandbox_speed_run(rounds=1)
    assert log.level == logging.DEBUG
