"""Connecting MYOB Business in the browser against the MYOB sandbox: the company file chosen on
MYOB's page is the one connected, checked against the organisation's country and currency."""

from __future__ import annotations

import pytest

from apps.integrations import crypto
from apps.integrations.models import Integration
from apps.sandbox.models import SandboxToken
from tests.factories import OrganisationFactory, UserFactory
from tests.integrations.flow import Staff

pytestmark = pytest.mark.django_db(transaction=True)


def staff_of(sandbox, country: str, currency: str) -> tuple[Staff, object]:
    organisation = OrganisationFactory(country=country, currency=currency)
    return Staff(sandbox, UserFactory(organisation=organisation).username), organisation


def test_an_australian_organisation_connects_a_myob_company_file(sandbox):
    staff, organisation = staff_of(sandbox, "AU", "AUD")
    answer = staff.consent(staff.consent_page("myob"), name="Bondi Plumbing", country="AU")
    staff.http.close()

    # Connected, then the preview of what the first sync will do (it waits for Start).
    assert answer.status_code == 200 and answer.url.endswith("/first-sync/")
    integration = Integration.objects.get(organisation=organisation, provider="myob")
    assert integration.remote_company_name == "Bondi Plumbing"
    assert (integration.country, integration.currency) == ("AU", "AUD")
    token = SandboxToken.objects.get(
        access_token=crypto.decrypt(integration.access_token_encrypted)
    )
    assert token.company.external_id == integration.remote_company_id


def test_a_new_zealand_file_is_refused_for_an_australian_organisation(sandbox):
    staff, organisation = staff_of(sandbox, "AU", "AUD")
    answer = staff.consent(staff.consent_page("myob"), name="Kiwi Sparks", country="NZ")
    staff.http.close()

    assert answer.status_code == 400
    assert "Kiwi Sparks" in answer.text and "(NZ)" in answer.text
    assert not Integration.objects.filter(organisation=organisation).exists()
