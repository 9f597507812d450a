"""The whole connect flow over real HTTP against both sandboxes."""

from __future__ import annotations

import pytest
import requests

from apps.integrations import crypto
from apps.integrations.models import Integration, Provider, Region
from apps.sandbox.companies import company_create
from apps.sandbox.control import fault_inject
from apps.sandbox.models import SandboxCompany, SandboxToken
from tests.factories import OrganisationFactory, UserFactory
from tests.integrations.flow import Staff, form_fields, with_query

pytestmark = pytest.mark.django_db(transaction=True)

QBO = Provider.QUICKBOOKS
XERO = Provider.XERO


def _live_token(access_token: str) -> SandboxToken:
    return SandboxToken.objects.get(access_token=access_token)


def test_both_providers_connect_at_once_and_show_on_the_integrations_page(staff, organisation):
    qbo = staff.connect(QBO, name="Acme Books US")
    xero = staff.connect(XERO, name="Acme Xero US")

    assert qbo.status_code == 200 and xero.status_code == 200
    # A new connection lands on the preview of its first sync.
    assert xero.url.endswith("/first-sync/")
    page = staff.get("/settings/integrations/").text
    assert "Acme Books US" in page and "Acme Xero US" in page
    # Each card shows its one health status; a new connection is neither refused nor failing.
    assert 'data-testid="health-quickbooks"' in page and 'data-testid="health-xero"' in page
    assert "Needs reconnecting" not in page and "Failing" not in page
    rows = {i.provider: i for i in Integration.objects.filter(organisation=organisation)}
    assert set(rows) == {QBO, XERO}
    for provider, integration in rows.items():
        company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
        assert company.provider == provider
        assert integration.status == Integration.Status.CONNECTED
        assert integration.region == Region.US
        assert (integration.country, integration.currency) == ("US", "USD")
        token = _live_token(crypto.decrypt(integration.access_token_encrypted))
        assert token.company == company and not token.revoked


def test_canadian_company_gets_the_canada_region(sandbox, settings):
    org = OrganisationFactory(country="CA", currency="CAD")
    user = UserFactory(organisation=org)
    canadian = Staff(sandbox, user.username)
    canadian.connect(XERO, name="Maple Ltd", country="CA", currency="CAD")
    canadian.http.close()

    assert Integration.objects.get(organisation=org).region == Region.CANADA


def test_australian_organisation_connects_quickbooks_and_xero_australia_in_the_browser(sandbox):
    org = OrganisationFactory(country="AU", currency="AUD")
    user = UserFactory(organisation=org)
    australian = Staff(sandbox, user.username)
    australian.connect(QBO, name="Bondi Books", country="AU", currency="AUD")
    australian.connect(XERO, name="Bondi Xero", country="AU", currency="AUD")
    australian.http.close()

    rows = Integration.objects.filter(organisation=org)
    assert sorted(rows.values_list("provider", flat=True)) == [QBO, XERO]
    for integration in rows:
        assert integration.status == Integration.Status.CONNECTED
        assert (integration.country, integration.currency) == ("AU", "AUD")
        assert integration.region == Region.GLOBAL


def _refused(response, *phrases: str) -> None:
    assert response.status_code == 400, response.text[:300]
    assert "What happened" in response.text and "What to do" in response.text
    for phrase in phrases:
        assert phrase in response.text, phrase


@pytest.mark.parametrize("provider", [QBO, XERO])
def test_company_in_another_country_is_refused_and_its_access_revoked(staff, provider):
    response = staff.connect(provider, name="Maple Books", country="CA", currency="CAD")

    label = Provider(provider).label
    _refused(response, "is in Canada (CA)", f"Connect a {label} company set up in")
    assert not Integration.objects.exists()
    company = SandboxCompany.objects.get(name="Maple Books")
    assert all(token.revoked for token in SandboxToken.objects.filter(company=company))


def test_company_with_another_currency_is_refused(staff):
    response = staff.connect(XERO, name="Euro Books", country="US", currency="EUR")

    _refused(response, "uses EUR", "whose home currency is USD")
    assert not Integration.objects.exists()


@pytest.mark.parametrize("provider", [QBO, XERO])
def test_second_company_for_the_same_provider_is_refused(staff, provider):
    staff.connect(provider, name="First Books")
    first = Integration.objects.get()

    response = staff.connect(provider, name="Second Books")

    label = Provider(provider).label
    _refused(response, f"already has the {label} company “First Books” connected")
    assert "disconnect “First Books” first" in response.text
    assert list(Integration.objects.all()) == [first]
    first.refresh_from_db()
    assert first.remote_company_name == "First Books" and first.is_connected


@pytest.mark.parametrize("provider", [QBO, XERO])
def test_disconnect_revokes_access_and_reconnecting_the_same_company_resumes(
    staff, make_link, provider
):
    staff.connect(provider, name="Kept Books")
    integration = Integration.objects.get()
    link = make_link(integration)
    access = crypto.decrypt(integration.access_token_encrypted)

    confirm = staff.get(f"/settings/integrations/{integration.pk}/disconnect/")
    staff.http.post(confirm.url, data=form_fields(confirm.text), timeout=30)

    integration.refresh_from_db()
    assert integration.status == Integration.Status.DISCONNECTED
    assert integration.access_token_encrypted == integration.refresh_token_encrypted == ""
    assert _live_token(access).revoked

    staff.connect(provider, company=integration.remote_company_id)

    resumed = Integration.objects.get()
    assert resumed.pk == integration.pk and resumed.is_connected
    assert list(resumed.links.all()) == [link]


def test_different_company_is_refused_while_links_to_the_old_one_exist(staff, make_link):
    staff.connect(QBO, name="Old Books")
    integration = Integration.objects.get()
    make_link(integration)
    integration.status = Integration.Status.DISCONNECTED
    integration.save()

    response = staff.connect(QBO, name="New Books")

    _refused(response, "still linked", "Reconnect “Old Books”")
    integration.refresh_from_db()
    assert integration.remote_company_name == "Old Books"
    assert integration.status == Integration.Status.DISCONNECTED


def test_different_company_may_replace_a_disconnected_one_without_links(staff):
    staff.connect(QBO, name="Old Books")
    old = Integration.objects.get()
    old.status = Integration.Status.DISCONNECTED
    old.save()

    staff.connect(QBO, name="New Books")

    (row,) = Integration.objects.all()
    assert row.remote_company_name == "New Books" and row.is_connected


def test_denied_consent_says_so_and_connects_nothing(staff):
    response = staff.connect(QBO, name="Never Books", action="deny")

    _refused(response, "You declined access", "Click Connect again and approve access")
    assert not Integration.objects.exists()


def test_tampered_state_is_refused(staff):
    redirect = staff.connect(XERO, name="Tampered Ltd", follow=False)
    callback = with_query(redirect.headers["Location"], state="forged-state")

    response = staff.http.get(callback, timeout=30)

    _refused(response, "state is missing or does not match", "Start again")
    assert not Integration.objects.exists()


def test_callback_without_a_started_connection_is_refused(staff, sandbox, bob):
    redirect = staff.connect(QBO, name="Stolen Books", follow=False)
    bobs = Staff(sandbox, bob.username)  # never clicked Connect: no state in his session

    response = bobs.http.get(redirect.headers["Location"], timeout=30)
    bobs.http.close()

    _refused(response, "state is missing or does not match")
    assert not Integration.objects.exists()


def test_callback_without_state_is_refused(staff):
    redirect = staff.connect(QBO, name="Stateless Books", follow=False)

    response = staff.http.get(with_query(redirect.headers["Location"], state=None), timeout=30)

    _refused(response, "state is missing or does not match")
    assert not Integration.objects.exists()


def test_error_from_the_token_endpoint_is_explained(staff):
    redirect = staff.connect(XERO, name="Bad Code Ltd", follow=False)

    response = staff.http.get(
        with_query(redirect.headers["Location"], code="not-a-code"), timeout=30
    )

    _refused(response, "Exchanging the authorization for access failed", "invalid_grant")
    assert not Integration.objects.exists()


def test_wrong_client_secret_is_explained(staff, settings):
    redirect = staff.connect(QBO, name="Secretless Books", follow=False)
    settings.QBO_CLIENT_SECRET = "not-the-secret"

    response = staff.http.get(redirect.headers["Location"], timeout=30)

    _refused(response, "client id or secret", "check the QuickBooks Online client id")
    assert not Integration.objects.exists()


def test_quickbooks_company_no_longer_returned_is_refused(staff):
    redirect = staff.connect(QBO, name="Granted Books", follow=False)
    other = company_create(provider=QBO, name="Somebody Else's Books", country="US")
    callback = with_query(redirect.headers["Location"], realmId=other.external_id)

    response = staff.http.get(callback, timeout=30)

    _refused(response, "could not be read", "Check that the company still exists")
    assert not Integration.objects.exists()
    granted = SandboxCompany.objects.get(name="Granted Books")
    assert all(token.revoked for token in SandboxToken.objects.filter(company=granted))


def test_xero_organisation_no_longer_returned_is_refused(staff):
    company = company_create(provider=XERO, name="Vanishing Ltd", country="US", currency="USD")
    fault_inject(company=company, kind="401", count=5, path_contains="Organisation")

    response = staff.connect(XERO, company=company.external_id)

    _refused(response, "could not be read")
    assert not Integration.objects.exists()


def test_connect_pages_need_a_login(sandbox):
    response = requests.get(f"{sandbox}/settings/integrations/xero/connect/", timeout=30)

    assert "/login/" in response.url
    assert not Integration.objects.exists()


def test_start_after_connecting_runs_the_first_sync_and_brings_the_companys_customers_in(
    staff, organisation
):
    from config.celery import app

    staff.connect(QBO, name="Acme Books US")
    integration = Integration.objects.get(organisation=organisation, provider=QBO)
    assert integration.waiting_for_start and not organisation.customers.exists()

    app.conf.task_always_eager = True
    try:
        started = staff.start_first_sync(integration.pk)
    finally:
        app.conf.task_always_eager = False

    assert started.url.endswith("/settings/integrations/")
    assert "has started" in started.text
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    remote_names = {
        record.data["DisplayName"]
        for record in company.records.filter(entity="Customer", deleted=False)
    }
    hub_names = set(organisation.customers.values_list("display_name", flat=True))
    assert remote_names and remote_names <= hub_names


def test_the_choices_made_before_the_consent_page_are_applied_to_the_connection(
    staff, organisation
):
    staff.connect(
        XERO,
        name="Choices Ltd",
        options={
            "import_historical_invoices": True,
            "review_automation": True,
            "quotes_sync_to": False,
        },
    )

    integration = Integration.objects.get(organisation=organisation, provider=XERO)
    assert integration.import_historical_invoices and integration.review_automation
    assert not integration.quotes_sync_to
    assert integration.customers_sync_from  # left as preselected
