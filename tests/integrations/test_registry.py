"""The provider registry: every provider the hub offers, each behind the whole contract."""

from __future__ import annotations

import gc
import inspect
import weakref
from pathlib import Path
from types import SimpleNamespace

import pytest

from apps.integrations import contract, registry
from apps.integrations.models import Provider

ROOT = Path(__file__).resolve().parents[2]
# The Protocol's own plumbing, not methods an adapter implements.
NAMED = ('provider == "', 'provider != "', "Provider.QUICKBOOKS", "Provider.XERO")
PROTOCOL_ATTRIBUTES = {"integration", "linked_items", "capabilities"}


def protocol_methods() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(contract.Adapter).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


def test_the_registry_lists_exactly_the_providers_staff_can_connect():
    assert sorted(registry.PROVIDERS) == sorted(Provider.values)
    for entry in registry.providers():
        assert entry.display_name == Provider(entry.name).label
        assert registry.provider(entry.name) is entry
    with pytest.raises(registry.UnknownProvider):
        registry.provider("sage")


def test_the_protocol_names_every_method_the_engine_calls():
    methods = set(protocol_methods())
    assert {"find_customers", "push_customers_batch", "creates_with_invoice"} <= methods
    assert PROTOCOL_ATTRIBUTES <= set(contract.Adapter.__annotations__)


@pytest.mark.parametrize("name", sorted(Provider.values))
def test_every_adapter_implements_the_whole_contract(name):
    entry = registry.provider(name)
    adapter = entry.adapter
    for method, wanted in protocol_methods().items():
        implemented = getattr(adapter, method, None)
        assert callable(implemented), f"{name} adapter lacks {method}"
        given = inspect.signature(implemented).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in given.values())
        for parameter in wanted.parameters.values():
            if parameter.name == "self" or parameter.kind is parameter.VAR_KEYWORD:
                continue
            assert parameter.name in given or (
                takes_any and parameter.kind is parameter.KEYWORD_ONLY
            ), f"{name}.{method} does not take {parameter.name}"


@pytest.mark.parametrize("name", sorted(Provider.values))
def test_every_provider_declares_its_capabilities_and_connection(name):
    entry = registry.provider(name)
    assert isinstance(entry.capabilities, contract.Capabilities)
    assert entry.adapter.capabilities is entry.capabilities
    assert entry.capabilities.batch_size > 0
    assert isinstance(entry.capabilities.idempotency, str)
    assert entry.oauth.scopes
    assert callable(entry.company_reader)
    # A provider says it sends webhooks exactly when its entry says how they are signed.
    assert (entry.webhook is not None) == entry.capabilities.webhooks
    if entry.webhook is not None:
        assert callable(entry.webhook.parse) and entry.webhook.header


def test_myob_is_offered_polled_one_record_per_request_without_an_idempotency_key():
    entry = registry.provider("myob")
    assert entry.display_name == "MYOB Business"
    assert entry.capabilities.batch_size == 1
    assert not entry.capabilities.idempotency
    assert not entry.capabilities.webhooks
    assert not entry.capabilities.pushes_customers_in_batch


def test_no_provider_name_is_compared_outside_the_provider_folders():
    """The engine and the integration pages ask capabilities; only the provider folders, the
    registry and the choices of the Integration model name a provider."""
    allowed = {"registry.py", "models.py"}
    offenders = []
    for folder in ("apps/sync", "apps/integrations"):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT)
            parts = relative.parts
            if "migrations" in parts or parts[-2:-1] in (("quickbooks",), ("xero",), ("myob",)):
                continue
            if folder == "apps/integrations" and path.name in allowed:
                continue
            if path.name.startswith("benchmark"):
                continue  # the benchmark drives both sandboxes by name (a development tool)
            text = path.read_text()
            for needle in NAMED:
                if needle in text:
                    offenders.append(f"{relative}: {needle}")
    assert offenders == []


@pytest.mark.parametrize("name", sorted(Provider.values))
def test_an_adapter_the_engine_drops_is_freed_at_once_with_its_connections(name):
    """Its batch sender calls back into it without keeping it alive: no reference cycle
    holds the adapter, its client and their open HTTP connections until a garbage collection."""
    integration = SimpleNamespace(provider=name, remote_company_id="1", region="us")
    gc.disable()
    try:
        adapter = registry.adapter_for(integration)
        alive = weakref.ref(adapter)
        del adapter
        assert alive() is None
    finally:
        gc.enable()
