from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _local_settings(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
