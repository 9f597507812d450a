"""The nightly invoice export: its schedule in beat's database, catching up, expiry, the batch
export against the sandboxes, and ``manage.py export_invoices``."""

from __future__ import annotations

import io
import json
from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

from apps.accounts.models import Organisation
from apps.customers.models import Customer
from apps.integrations.contract import RemoteTaxCode, TransientError
from apps.integrations.mappings import remember_tax_code
from apps.integrations.models import Integration, TaxMapping
from apps.integrations.registry import adapter_for
from apps.invoices.models import Invoice
from apps.sandbox.models import SandboxCompany, SandboxRecord, SandboxRequest
from apps.sandbox.tools.benchmark_data import (
    PLACE,
    customers_create,
    sandbox_integration_connect,
    sent_invoices_create,
)
from apps.sync import nightly_export as export_pages
from apps.sync import push_batch as export_module
from apps.sync.models import Change, Link, SyncLogEntry, SyncRun
from apps.sync.nightly import (
    CATCH_UP_NAME,
    EXPORT_EXPIRE_SECONDS,
    export_task_name,
    nightly_last_slot,
    nightly_missed,
    nightly_schedule_update,
    nightly_status,
)
from apps.sync.nightly_export import nightly_export_run
from apps.sync.nightly_tasks import nightly_export
from apps.sync.push import drain
from apps.sync.runs import run_start
from config.celery import app as celery_app


def written(company, entity: str):
    """The provider's records the hub wrote: not the sample data the company is made with."""
    return SandboxRecord.objects.filter(
        company=company, entity=entity, created_at__gte=company.created_at
    )


def make_integration(*, zone="Australia/Sydney", at=time(23, 30), provider="quickbooks", **extra):
    organisation = Organisation.objects.create(
        name="Harbour Plumbing", country="AU", currency="AUD", time_zone=zone
    )
    return Integration.objects.create(
        organisation=organisation,
        provider=provider,
        remote_company_id=f"{provider}-company",
        country="AU",
        currency="AUD",
        invoice_export_timing=Integration.ExportTiming.NIGHTLY,
        nightly_export_time=at,
        **extra,
    )


def set_time(integration, at):
    integration.nightly_export_time = at
    integration.save()
    return nightly_schedule_update(integration=integration)


def local_in(zone: str, hours: int) -> time:
    """A whole hour ``hours`` from now on the clock of ``zone``."""
    moment = timezone.now().astimezone(ZoneInfo(zone)) + timedelta(hours=hours)
    return time(moment.hour, 0)


@pytest.mark.django_db
def test_nightly_timing_puts_a_schedule_at_the_local_time_in_the_organisations_zone():
    integration = make_integration(zone="Australia/Sydney", at=time(23, 30))

    task = nightly_schedule_update(integration=integration)

    assert task.name == export_task_name(integration.pk)
    assert task.task == "sync.nightly_export"
    assert json.loads(task.kwargs) == {"integration_id": integration.pk}
    assert (task.crontab.hour, task.crontab.minute) == ("23", "30")
    assert str(task.crontab.timezone) == "Australia/Sydney"
    assert task.expire_seconds == EXPORT_EXPIRE_SECONDS
    assert PeriodicTask.objects.filter(name=CATCH_UP_NAME, task="sync.nightly_catch_up").exists()


@pytest.mark.django_db
def test_saving_the_settings_page_moves_the_schedule():
    from apps.integrations.services import integration_settings_update

    integration = make_integration(at=time(23, 30))
    integration.invoice_export_timing = Integration.ExportTiming.IMMEDIATE
    integration.save()

    integration_settings_update(
        integration=integration,
        values={"invoice_export_timing": "nightly", "nightly_export_time": time(1, 15)},
    )

    crontab = PeriodicTask.objects.get(name=export_task_name(integration.pk)).crontab
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("1", "15", "Australia/Sydney")


@pytest.mark.django_db
def test_switching_back_to_immediate_removes_the_schedule():
    integration = make_integration()
    nightly_schedule_update(integration=integration)

    integration.invoice_export_timing = Integration.ExportTiming.IMMEDIATE
    integration.save()
    assert nightly_schedule_update(integration=integration) is None

    assert not PeriodicTask.objects.filter(name=export_task_name(integration.pk)).exists()


@pytest.mark.django_db
def test_saving_other_settings_keeps_the_schedules_record_of_its_last_run():
    integration = make_integration()
    first = nightly_schedule_update(integration=integration)
    PeriodicTask.objects.filter(pk=first.pk).update(last_run_at=timezone.now() - timedelta(hours=5))

    integration.customers_sync_to = False
    integration.save()
    again = nightly_schedule_update(integration=integration)

    assert again.pk == first.pk
    assert PeriodicTask.objects.get(pk=first.pk).last_run_at < timezone.now() - timedelta(hours=4)


@pytest.mark.django_db(transaction=True)
def test_running_scheduler_follows_a_changed_time_without_restart():
    zone = "Asia/Tokyo"  # no daylight saving: the scheduler's hour filter is exact there
    integration = make_integration(zone=zone, at=local_in(zone, 1))
    nightly_schedule_update(integration=integration)
    scheduler = DatabaseScheduler(app=celery_app)
    name = export_task_name(integration.pk)
    assert scheduler.schedule[name].schedule.hour == {local_in(zone, 1).hour}

    new_time = time(local_in(zone, 2).hour, 45)
    set_time(integration, new_time)

    entry = scheduler.schedule[name]  # the same scheduler object: no restart
    assert entry.schedule.hour == {new_time.hour} and entry.schedule.minute == {45}
    due, seconds = entry.is_due()
    assert not due
    next_run = (timezone.now() + timedelta(seconds=seconds)).astimezone(ZoneInfo(zone))
    assert (next_run.hour, next_run.minute) == (new_time.hour, new_time.minute)
    assert str(CrontabSchedule.objects.get(pk=entry.model.crontab_id).timezone) == zone


@pytest.mark.django_db
def test_scheduled_runs_carry_an_expiry_so_piled_up_messages_are_dropped():
    integration = make_integration()
    task = nightly_schedule_update(integration=integration)

    entry = ModelEntry(task, app=celery_app)

    assert entry.options["expires"] == EXPORT_EXPIRE_SECONDS
    catch_up = ModelEntry(PeriodicTask.objects.get(name=CATCH_UP_NAME), app=celery_app)
    assert 0 < catch_up.options["expires"] < 3600  # gone before the next hourly one


@pytest.mark.django_db
def test_piled_up_deliveries_of_one_night_export_once():
    integration = make_integration(invoices_sync_to=False)
    nightly_schedule_update(integration=integration)

    for _ in range(3):
        nightly_export(integration.pk)

    runs = SyncRun.objects.filter(integration=integration, trigger=SyncRun.Trigger.NIGHTLY)
    assert runs.count() == 1
    slot = nightly_last_slot(integration=integration, now=timezone.now())
    assert runs.get().counts["scheduled_for"] == slot.isoformat()


@pytest.mark.django_db
def test_missed_night_is_caught_up_exactly_once():
    zone = "Europe/London"
    integration = make_integration(zone=zone, at=local_in(zone, -3), invoices_sync_to=False)
    task = nightly_schedule_update(integration=integration)
    # The schedule has existed for days, but beat was down when the night came.
    PeriodicTask.objects.filter(pk=task.pk).update(start_time=timezone.now() - timedelta(days=3))

    assert nightly_missed(now=timezone.now()) == [integration.pk]
    nightly_export(integration.pk)  # what the catch-up task queues
    assert nightly_missed(now=timezone.now()) == []
    nightly_export(integration.pk)  # the late scheduler run arriving after all

    assert SyncRun.objects.filter(integration=integration, trigger="nightly").count() == 1


@pytest.mark.django_db
def test_night_before_the_schedule_existed_is_not_caught_up():
    zone = "Europe/London"
    integration = make_integration(zone=zone, at=local_in(zone, -3))
    nightly_schedule_update(integration=integration)

    assert nightly_missed(now=timezone.now()) == []


@pytest.mark.django_db
def test_night_within_grace_is_left_to_the_scheduler():
    zone = "Europe/London"
    integration = make_integration(zone=zone, at=local_in(zone, 0))
    task = nightly_schedule_update(integration=integration)
    PeriodicTask.objects.filter(pk=task.pk).update(start_time=timezone.now() - timedelta(days=3))
    slot = nightly_last_slot(integration=integration, now=timezone.now())

    assert nightly_missed(now=slot + timedelta(minutes=5)) == []
    assert nightly_missed(now=slot + timedelta(minutes=30)) == [integration.pk]


@pytest.mark.django_db
def test_settings_partial_says_when_the_next_export_runs_in_local_time():
    from django.template import Context, Template

    integration = make_integration(zone="Australia/Sydney", at=time(23, 30))
    nightly_schedule_update(integration=integration)

    html = Template("{% load nightly %}{% nightly_export_status integration %}").render(
        Context({"integration": integration})
    )

    assert "Next export at <strong>23:30</strong>" in html
    assert "Australia/Sydney" in html
    assert "No export has run yet." in html
    status = nightly_status(integration=integration)
    assert status.next_run_local.tzinfo == ZoneInfo("Australia/Sydney")
    assert status.next_run_local > timezone.now()


def run_export_command(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("export_invoices", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_export_command_refuses_an_unknown_integration_with_status_2():
    code, message = run_export_command("--integration", "987654")

    assert code == 2
    assert "No integration with id 987654" in message
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_export_command_refuses_a_disconnected_integration_with_status_2():
    integration = make_integration(status=Integration.Status.DISCONNECTED)

    code, message = run_export_command("--integration", str(integration.pk))

    assert code == 2
    assert "disconnected" in message
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_export_command_with_nothing_waiting_exits_0_and_reports_json():
    integration = make_integration()

    code, output = run_export_command("--integration", str(integration.pk), "--json")

    assert code == 0
    [summary] = json.loads(output)
    assert summary["integration"] == integration.pk
    assert summary["status"] == "succeeded"
    assert summary["counts"]["pushed"] == 0
    run = SyncRun.objects.get(integration=integration)
    assert run.trigger == "nightly" and "scheduled_for" not in run.counts


def export_fixture(provider: str, *, invoices: int):
    place = {"country": "US", "currency": "USD", "time_zone": "America/Chicago"}
    if provider == "myob":
        place = PLACE  # a MYOB company file is Australian or New Zealand
    organisation = Organisation.objects.create(name="Nightly Co", **place)
    integration = sandbox_integration_connect(organisation=organisation, provider=provider)
    return integration, new_customers_invoiced(integration, invoices, tag="n", first_number=1)


def new_customers_invoiced(integration, count: int, *, tag: str, first_number: int) -> list[int]:
    """``count`` new customers with a sent invoice each, waiting for the export; their ids."""
    organisation = integration.organisation
    customer_ids = customers_create(organisation=organisation, count=count, tag=tag)
    sent_invoices_create(
        organisation=organisation,
        customer_ids=customer_ids,
        integrations=[integration],
        tag=tag,
        first_number=first_number,
    )
    return customer_ids


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_batch_export_lands_every_invoice_but_the_one_the_provider_refuses(sandboxes, provider):
    integration, customer_ids = export_fixture(provider, invoices=5)
    # The third customer's record was deleted in the accounting system meanwhile: the provider
    # refuses its invoice, and only that one.
    refused_customer = customer_ids[2]
    Link.objects.create(
        integration=integration,
        kind="customer",
        object_id=refused_customer,
        remote_id="00000000-0000-0000-0000-000000000999" if provider == "xero" else "999999",
        created_by="hub",
    )
    refused_invoice = Invoice.objects.get(customer_id=refused_customer)

    run = nightly_export_run(integration=integration)

    assert run.trigger == "nightly" and run.status == "partial"
    assert (run.counts["pushed"], run.counts["failed"]) == (4, 1)
    links = Link.objects.filter(integration=integration, kind="invoice")
    assert links.count() == 4 and refused_invoice.pk not in {link.object_id for link in links}
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    entity = "Invoice" if provider == "quickbooks" else "Invoices"
    numbers = {
        record.data.get("DocNumber") or record.data.get("InvoiceNumber")
        for record in written(company, entity)
    }
    assert {link.object_id for link in links} == set(
        Invoice.objects.filter(number__in=numbers).values_list("pk", flat=True)
    )
    failed = Change.objects.get(integration=integration, object_id=refused_invoice.pk)
    assert failed.state == "failed" and failed.last_error
    entry = SyncLogEntry.objects.get(run=run, kind="invoice", object_id=refused_invoice.pk)
    assert entry.outcome == "failed" and entry.message == failed.last_error
    assert SyncLogEntry.objects.filter(run=run, kind="invoice", outcome="pushed").count() == 4
    assert Change.objects.filter(integration=integration, state="done").count() == 4


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_export_command_exits_1_when_a_record_failed(sandboxes, provider):
    integration, customer_ids = export_fixture(provider, invoices=2)
    Link.objects.create(
        integration=integration,
        kind="customer",
        object_id=customer_ids[0],
        remote_id="00000000-0000-0000-0000-000000000999" if provider == "xero" else "999999",
        created_by="hub",
    )

    code, output = run_export_command("--integration", str(integration.pk))

    assert code == 1
    assert "1 exported" in output and "1 failed" in output


@pytest.mark.django_db
def test_settings_page_saves_a_nightly_time_and_shows_the_next_export(client):
    from apps.accounts.models import User

    integration = make_integration(zone="Australia/Sydney")
    integration.invoice_export_timing = Integration.ExportTiming.IMMEDIATE
    integration.save()
    owner = User.objects.create_user("office", organisation=integration.organisation)
    client.force_login(owner)
    url = f"/settings/integrations/{integration.pk}/"

    response = client.post(
        url,
        {
            "sync_enabled": "on",
            "customers_sync_to": "on",
            "customers_sync_from": "on",
            "payments_sync_to": "on",
            "invoice_export_timing": "nightly",
            "nightly_export_time": "21:15",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert response.content.decode().count("Next export at <strong>21:15</strong>") == 1
    crontab = PeriodicTask.objects.get(name=export_task_name(integration.pk)).crontab
    assert (crontab.hour, crontab.minute) == ("21", "15")


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_new_customers_of_a_page_cost_a_few_requests_not_a_few_each(sandboxes, provider):
    integration, customer_ids = export_fixture(provider, invoices=12)
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    before = SandboxRequest.objects.filter(company=company).count()

    run = nightly_export_run(integration=integration)

    assert (run.counts["pushed"], run.counts["customers_created"]) == (12, 12)
    requests = SandboxRequest.objects.filter(company=company).count() - before
    assert requests <= 8  # one-by-one would be at least 24: a look-up and a create each
    assert Link.objects.filter(integration=integration, kind="customer").count() == 12


@pytest.mark.django_db
def test_export_stopped_by_an_unexpected_error_does_not_read_running_for_ever(monkeypatch):
    integration = make_integration()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("apps.sync.outbox.requeue_left_behind", broken)
    with pytest.raises(RuntimeError):
        nightly_export_run(integration=integration)

    run = SyncRun.objects.get(integration=integration)
    assert run.status == "failed" and "the database went away" in run.message
    assert run.finished_at is not None


@pytest.mark.django_db
def test_event_driven_drain_leaves_invoices_of_a_nightly_integration_for_the_night():
    from apps.sync.push import drain

    integration = make_integration()
    change = Change.objects.create(integration=integration, kind="invoice", object_id=1)

    drain(integration)

    change.refresh_from_db()
    assert change.state == "pending"
    assert not SyncLogEntry.objects.filter(integration=integration).exists()


def test_new_xero_customers_are_created_inside_their_invoices_with_their_details(sandboxes):
    integration, customer_ids = export_fixture("xero", invoices=4)
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)

    run = nightly_export_run(integration=integration)

    assert (run.counts["pushed"], run.counts["customers_created"]) == (4, 4)
    assert (
        SandboxRequest.objects.filter(
            company=company, path__contains="/Contacts", method="PUT"
        ).count()
        == 0
    )
    contacts = {
        r.data["EmailAddress"]: r.data
        for r in SandboxRecord.objects.filter(company=company, entity="Contacts")
        if r.data.get("EmailAddress")
    }
    invoices = SandboxRecord.objects.filter(company=company, entity="Invoices")
    links = Link.objects.filter(integration=integration, kind="customer")
    for customer in Customer.objects.filter(pk__in=customer_ids):
        contact = contacts[customer.email]
        assert (contact["Name"], contact["LastName"]) == (
            customer.display_name,
            customer.family_name,
        )
        assert links.get(object_id=customer.pk).remote_id == contact["ContactID"]
        assert invoices.filter(data__Contact__ContactID=contact["ContactID"]).count() == 1
    messages = set(
        SyncLogEntry.objects.filter(run=run, kind="customer").values_list("message", flat=True)
    )
    assert messages == {"Created with its invoice."}


def test_two_new_people_of_one_name_become_two_xero_contacts(sandboxes):
    integration, customer_ids = export_fixture("xero", invoices=2)
    Customer.objects.filter(pk__in=customer_ids).update(display_name="Sam Lee")
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)

    run = nightly_export_run(integration=integration)

    assert (run.counts["pushed"], run.counts["customers_created"]) == (2, 2)
    links = Link.objects.filter(integration=integration, kind="customer")
    assert len({link.remote_id for link in links}) == 2
    names = {
        r.data["Name"]
        for r in SandboxRecord.objects.filter(company=company, entity="Contacts")
        if r.data["Name"].startswith("Sam Lee")
    }
    assert len(names) == 2


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_export_stopped_after_sending_makes_no_copies_when_it_runs_again(
    sandboxes, provider, monkeypatch
):
    integration, _ = export_fixture(provider, invoices=3)
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    entity = "Invoice" if provider == "quickbooks" else "Invoices"
    real_write = export_module._write

    def worker_dies(page):
        raise SystemExit("worker killed after the batch went out")

    monkeypatch.setattr(export_module, "_write", worker_dies)
    with pytest.raises(SystemExit):
        nightly_export_run(integration=integration)
    assert written(company, entity).count() == 3
    assert Link.objects.filter(integration=integration, kind="invoice").count() == 0
    monkeypatch.setattr(export_module, "_write", real_write)
    # Another invoice joins the page, so the batch is not the very same request again (whose
    # idempotency key alone would have answered from the first attempt).
    new_customers_invoiced(integration, 1, tag="later", first_number=100)

    run = nightly_export_run(integration=integration)

    assert run.counts["pushed"] == 4
    assert written(company, entity).count() == 4
    remote_ids = set(
        Link.objects.filter(integration=integration, kind="invoice").values_list(
            "remote_id", flat=True
        )
    )
    assert remote_ids == set(written(company, entity).values_list("record_id", flat=True))


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_invoice_whose_answer_was_lost_before_a_switch_to_nightly_is_not_copied(
    sandboxes, provider
):
    organisation = Organisation.objects.create(
        name="Switching Co", country="US", currency="USD", time_zone="America/Chicago"
    )
    integration = sandbox_integration_connect(
        organisation=organisation, provider=provider, nightly=False
    )
    new_customers_invoiced(integration, 1, tag="lost", first_number=1)
    adapter = adapter_for(integration)

    def answer_lost(real_push):
        def push(*args, **kwargs):
            real_push(*args, **kwargs)
            raise TransientError("The connection dropped before the answer came.")

        return push

    # Whichever request carries it (the single create, or a batch of one that also creates
    # its new customer), the invoice is made and the answer never comes back.
    adapter.push_invoice = answer_lost(adapter.push_invoice)
    adapter.push_invoices_batch = answer_lost(adapter.push_invoices_batch)
    drain(integration, adapter=adapter)
    company = SandboxCompany.objects.get(external_id=integration.remote_company_id)
    entity = "Invoice" if provider == "quickbooks" else "Invoices"
    assert written(company, entity).count() == 1
    assert not Link.objects.filter(integration=integration, kind="invoice").exists()
    # Staff switch the export to nightly; another invoice joins the night's batch.
    integration.invoice_export_timing = Integration.ExportTiming.NIGHTLY
    integration.save()
    new_customers_invoiced(integration, 1, tag="later", first_number=100)

    run = nightly_export_run(integration=integration)

    assert run.counts["pushed"] == 2
    assert written(company, entity).count() == 2


@pytest.mark.django_db
def test_a_tax_mapping_suggested_on_an_earlier_page_survives_a_refusal_on_a_later_one(
    monkeypatch,
):
    integration = make_integration(provider="xero")
    run = run_start(integration=integration, trigger=SyncRun.Trigger.NIGHTLY)
    code = RemoteTaxCode("OUTPUT", "Sales tax 10%", Decimal("10"))
    seen = []

    def page(integration, *, result, adapter, **kwargs):
        seen.append(adapter.integration)
        if len(seen) == 1:  # the first page maps 10 % by suggestion and goes through
            remember_tax_code(integration, Decimal("10"), code, made=adapter.tax_mapped_now)
            result.more = True
        else:  # the next one is refused for a tax code: the kept settings are read again
            adapter.forget_settings()

    monkeypatch.setattr(export_pages, "push_page", page)
    export_pages.export_page(run, integration=integration)
    again = Integration.objects.get(pk=integration.pk)
    export_pages.export_page(run, integration=again)

    assert TaxMapping.objects.filter(integration=integration, rate=Decimal("10")).exists()
    assert seen[1] is again
