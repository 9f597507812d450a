from __future__ import annotations

import pytest

from apps.integrations.models import Integration
from tests.staff import *  # noqa: F403 (the alice / bob / charlie fixtures)


@pytest.fixture
def quickbooks(org):
    return Integration.objects.create(
        organisation=org,
        provider="quickbooks",
        remote_company_id="realm-1",
        remote_company_name="Harbour books",
        country="US",
        currency="USD",
    )
