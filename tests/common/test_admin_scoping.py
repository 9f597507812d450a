"""The Django admin as three people use it: the owner (staff of organisation A), another
organisation's staff (B, with every permission there) and outsiders (staff of no organisation,
or no staff at all). Every page is the admin's real page, through the test client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from apps.accounts.models import NumberSequence, Organisation, User
from apps.catalog.models import ServiceItem
from apps.common.admin import OrganisationScoped
from apps.customers.models import Customer, CustomerMerge
from apps.integrations.models import EmployeeMapping, Integration, Provider, WebhookEvent
from apps.invoices.models import Invoice, Payment
from apps.quotes.models import Quote
from apps.sandbox.models import SandboxApp
from apps.sync.models import Change, Link, SyncLogEntry, SyncRun, SyncState
from apps.timesheets.models import TeamMember, TimeEntry, Timesheet
from tests.factories import (
    CustomerFactory,
    InvoiceFactory,
    OrganisationFactory,
    PaymentFactory,
    QuoteFactory,
    ServiceItemFactory,
    TeamMemberFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.staff import client_for

pytestmark = pytest.mark.django_db


def one_of_everything(org: Organisation) -> dict[type, object]:
    """A row of every model the admin shows to staff, all owned by ``org``."""
    invoice = InvoiceFactory(organisation=org, status="sent")
    payment = PaymentFactory(invoice=invoice)
    entry = TimeEntryFactory(timesheet__member__organisation=org)
    kept, folded = CustomerFactory(organisation=org), CustomerFactory(organisation=org)
    integration = Integration.objects.create(
        organisation=org,
        provider=Provider.QUICKBOOKS,
        remote_company_id=f"realm-{org.pk}",
        country=org.country,
        currency=org.currency,
    )
    run = SyncRun.objects.create(integration=integration, trigger=SyncRun.Trigger.SYNC_NOW)
    sync_rows = {"integration": integration, "kind": "customer", "object_id": kept.pk}
    return {
        Organisation: org,
        User: UserFactory(organisation=org),
        NumberSequence: NumberSequence.objects.create(organisation=org, prefix="INV"),
        Customer: kept,
        CustomerMerge: CustomerMerge.objects.create(
            organisation=org, kept=kept, duplicate=folded, duplicate_display_name="Old name"
        ),
        Invoice: invoice,
        Payment: payment,
        Quote: QuoteFactory(organisation=org),
        ServiceItem: ServiceItemFactory(organisation=org),
        TeamMember: entry.timesheet.member,
        Timesheet: entry.timesheet,
        TimeEntry: entry,
        Integration: integration,
        WebhookEvent: WebhookEvent.objects.create(
            provider=Provider.QUICKBOOKS,
            event_id=f"evt-{org.pk}",
            integration=integration,
            payload={},
        ),
        EmployeeMapping: EmployeeMapping.objects.create(
            integration=integration, member=TeamMemberFactory(organisation=org), remote_id="55"
        ),
        Link: Link.objects.create(**sync_rows, remote_id="R1", created_by="hub"),
        Change: Change.objects.create(**sync_rows, state=Change.State.FAILED),
        SyncRun: run,
        SyncLogEntry: SyncLogEntry.objects.create(
            **sync_rows, run=run, direction="push", outcome="failed"
        ),
        SyncState: SyncState.objects.create(integration=integration),
    }


def staff_of(org: Organisation | None, **fields) -> User:
    """A staff member holding every permission there is, but not a superuser."""
    user = UserFactory(organisation=org, is_staff=True, **fields)
    user.user_permissions.set(Permission.objects.all())
    return user


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def listed(client, model) -> set[int]:
    response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


@pytest.fixture
def rows(org):
    return one_of_everything(org)


@pytest.fixture
def owner(org):
    return staff_of(org)


@pytest.fixture
def rival():
    return staff_of(OrganisationFactory(name="Rival Plumbing"))


SCOPED = [
    model
    for model, model_admin in admin.site._registry.items()
    if getattr(model_admin, "organisation_path", None) is not None
]


def test_every_admin_is_scoped_and_every_scoped_model_is_tested_here(org):
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, OrganisationScoped), f"{model.__name__} admin is not scoped"
        if model_admin.organisation_path is None:
            continue
        for inline in model_admin.inlines:
            assert issubclass(inline, OrganisationScoped), f"{inline.__name__} is not scoped"
    # A new organisation-owned admin needs a row above, so the tests below reach it.
    assert set(SCOPED) == set(one_of_everything(org))


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_owner_sees_and_opens_their_rows_and_rival_staff_see_none(model, rows, owner, rival):
    row = rows[model]
    as_owner, as_rival = client_for(owner), client_for(rival)

    assert row.pk in listed(as_owner, model)
    assert as_owner.get(url(model, "change", row.pk)).status_code == 200
    assert row.pk not in listed(as_rival, model)
    # The admin answers "does not exist" for a row outside the user's organisation.
    assert as_rival.get(url(model, "change", row.pk)).status_code == 302
    assert as_rival.get(url(model, "history", row.pk)).status_code == 302
    assert as_rival.get(url(model, "delete", row.pk)).status_code in (302, 403)


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m.__name__)
def test_rival_staff_cannot_delete_another_organisations_rows(model, rows, rival):
    row = rows[model]

    response = client_for(rival).post(
        url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert model._default_manager.filter(pk=row.pk).exists()


def test_rival_staff_cannot_disconnect_another_organisations_integration(rows, rival):
    integration = rows[Integration]

    client_for(rival).post(
        url(Integration, "changelist"),
        {"action": "disconnect", "_selected_action": [integration.pk]},
    )

    integration.refresh_from_db()
    assert integration.status == Integration.Status.CONNECTED


def test_rival_staff_cannot_send_another_organisations_records_again(rows, rival):
    change = rows[Change]

    client_for(rival).post(
        url(Change, "changelist"), {"action": "retry_now", "_selected_action": [change.pk]}
    )

    change.refresh_from_db()
    assert change.state == Change.State.FAILED


def test_rival_staff_cannot_merge_another_organisations_customers(org, rival):
    customers = [CustomerFactory(organisation=org) for _ in range(2)]

    client_for(rival).post(
        url(Customer, "changelist"),
        {"action": "merge_into_oldest", "_selected_action": [c.pk for c in customers]},
    )

    assert not Customer.objects.filter(merged_into__isnull=False).exists()


def test_view_only_staff_cannot_run_an_action_that_changes_something(org, rows):
    viewer = UserFactory(organisation=org, is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_integration"))
    integration = rows[Integration]

    client_for(viewer).post(
        url(Integration, "changelist"),
        {"action": "disconnect", "_selected_action": [integration.pk]},
    )

    integration.refresh_from_db()
    assert integration.status == Integration.Status.CONNECTED


def test_owner_disconnects_their_own_integration_with_the_action(rows, owner):
    integration = rows[Integration]

    response = client_for(owner).post(
        url(Integration, "changelist"),
        {"action": "disconnect", "_selected_action": [integration.pk]},
        follow=True,
    )

    assert "1 integration(s) disconnected." in response.content.decode()


def test_list_filters_name_no_other_organisation(rows, rival):
    OrganisationFactory(name="Quiet Neighbour Ltd")
    for model in (Customer, User, Integration):
        page = client_for(rival).get(url(model, "changelist")).content.decode()
        assert "Harbour Test Co" not in page and "Quiet Neighbour Ltd" not in page


def test_choices_on_forms_come_from_the_users_organisation_only(org, rows, owner, rival):
    form = client_for(owner).get(url(ServiceItem, "add")).context["adminform"].form
    run_form = client_for(owner).get(url(SyncRun, "add")).context["adminform"].form

    assert list(form.fields["organisation"].queryset) == [org]
    assert list(run_form.fields["integration"].queryset) == [rows[Integration]]
    rival_form = client_for(rival).get(url(SyncRun, "add")).context["adminform"].form
    assert list(rival_form.fields["integration"].queryset) == []


def test_inline_and_raw_id_choices_are_scoped(org, rows, owner):
    other_item = ServiceItemFactory(organisation=OrganisationFactory())
    invoice, entry = rows[Invoice], rows[TimeEntry]
    page = client_for(owner).get(url(Invoice, "change", invoice.pk))
    line_form = page.context["inline_admin_formsets"][0].formset.forms[0]
    entry_form = client_for(owner).get(url(TimeEntry, "change", entry.pk))

    assert other_item not in line_form.fields["service_item"].queryset
    assert set(entry_form.context["adminform"].form.fields["customer"].queryset) <= set(
        Customer.objects.filter(organisation=org)
    )


def test_owner_cannot_point_a_row_at_another_organisations_customer(org, rows, owner):
    entry = rows[TimeEntry]
    stranger = CustomerFactory(organisation=OrganisationFactory())

    response = client_for(owner).post(
        url(TimeEntry, "change", entry.pk),
        {
            "timesheet": entry.timesheet_id,
            "date": "2026-11-16",
            "hours": "7.50",
            "customer": stranger.pk,
        },
    )

    assert response.status_code == 200  # the form again, with its error
    assert "customer" in response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert entry.customer_id != stranger.pk


def test_outsider_staff_of_no_organisation_sees_nothing(rows):
    outsider = client_for(staff_of(None))

    assert outsider.get(reverse("admin:index")).context["app_list"] == []
    for model in SCOPED:
        assert outsider.get(url(model, "changelist")).status_code == 403


def test_someone_who_is_not_staff_is_sent_to_the_admin_login(org, rows):
    member = UserFactory(organisation=org)
    member.user_permissions.set(Permission.objects.all())

    response = client_for(member).get(url(Integration, "changelist"))

    assert response.status_code == 302 and "/admin/login/" in response.url


def test_sandbox_groups_and_the_scheduler_are_for_superusers_only(owner):
    superuser = UserFactory(organisation=None, is_staff=True, is_superuser=True)
    as_owner = client_for(owner)
    for model in (SandboxApp, Group, PeriodicTask):
        assert as_owner.get(url(model, "changelist")).status_code == 403
        assert client_for(superuser).get(url(model, "changelist")).status_code == 200
    assert "sandbox" not in as_owner.get(reverse("admin:index")).content.decode().lower()


# The user admin: nobody raises their own rights or reaches another organisation's people.


def _user_form_data(response) -> dict:
    """What the browser would post back for the user change form as rendered."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if field.disabled or value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, dt.datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.date(), value.time()
        else:
            data[name] = value
    return data


def test_staff_cannot_raise_their_own_rights_or_move_organisation(org, rival):
    as_rival = client_for(rival)
    rival.user_permissions.remove(*Permission.objects.filter(codename="delete_invoice"))
    group = Group.objects.create(name="Everything")
    group.permissions.set(Permission.objects.all())
    page = as_rival.get(url(User, "change", rival.pk))
    data = _user_form_data(page)
    data.update(
        organisation=org.pk,
        is_superuser="on",
        groups=[group.pk],
        user_permissions=list(Permission.objects.values_list("pk", flat=True)),
        first_name="Robin",
    )
    data.pop("is_staff", None)  # tries to drop their own staff flag too

    response = as_rival.post(url(User, "change", rival.pk), data)

    assert response.status_code == 302
    rival.refresh_from_db()
    assert rival.first_name == "Robin"  # an ordinary field still saves
    assert rival.organisation_id != org.pk
    assert (rival.is_superuser, rival.is_staff) == (False, True)
    assert not rival.groups.exists()
    assert not rival.has_perm("invoices.delete_invoice")


def test_staff_never_see_or_change_a_user_of_another_organisation(rows, rival):
    stranger = rows[User]
    as_rival = client_for(rival)

    assert stranger.pk not in listed(as_rival, User)
    assert as_rival.get(url(User, "change", stranger.pk)).status_code == 302
    assert (
        as_rival.get(reverse("admin:auth_user_password_change", args=[stranger.pk])).status_code
        == 404
    )


def test_staff_cannot_take_over_a_colleague_who_holds_more(org, owner):
    colleague = UserFactory(organisation=org, is_staff=True)
    colleague.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    boss = UserFactory(organisation=org, is_staff=True, is_superuser=True)
    as_colleague = client_for(colleague)

    for target in (owner, boss):
        response = as_colleague.post(
            reverse("admin:auth_user_password_change", args=[target.pk]),
            {"password1": "a new long password 1", "password2": "a new long password 1"},
        )
        assert response.status_code == 403
    assert (
        client_for(owner)
        .get(reverse("admin:auth_user_password_change", args=[boss.pk]))
        .status_code
        == 403
    )


def test_a_user_added_by_staff_joins_their_organisation(org, owner):
    response = client_for(owner).post(
        url(User, "add"),
        {
            "username": "newcomer",
            "password1": "a long enough password 7",
            "password2": "a long enough password 7",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert (newcomer.organisation_id, newcomer.is_superuser) == (org.pk, False)
