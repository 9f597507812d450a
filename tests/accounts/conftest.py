from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)

# 02:30 UTC on Tuesday 10 March 2026 is 22:30 on Monday 9 March in New York (EDT from 8 March).
JUST_AFTER_MIDNIGHT_UTC = dt.datetime(2026, 3, 10, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def new_york(org, monkeypatch):
    """alice's organisation in America/New_York, at ``JUST_AFTER_MIDNIGHT_UTC``."""
    org.time_zone = "America/New_York"
    org.save(update_fields=["time_zone"])
    monkeypatch.setattr(timezone, "now", lambda: JUST_AFTER_MIDNIGHT_UTC)
    return org
