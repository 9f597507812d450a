"""Account and tax mapping of an integration (docs/mapping.md)."""

from __future__ import annotations

from .models import AccountMapping, Integration


def account_mapping_for(integration: Integration) -> AccountMapping:
    """The integration's account mapping, created empty the first time it is asked for."""
    mapping, _ = AccountMapping.objects.get_or_create(integration=integration)
    return mapping
