from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from apps.sandbox.models import SandboxRecord

pytestmark = pytest.mark.django_db(transaction=True)

DUPLICATE = (
    "The contact name Ann Fixit is already assigned to another contact. "
    "The contact name must be unique across all active contacts."
)


def _create(xero, **fields):
    answer = xero.put("/Contacts", json={"Contacts": [fields]})
    assert answer.status_code == 200, answer.text
    return answer.json()["Contacts"][0]


def test_new_tenant_is_seeded_with_contacts(xero):
    contacts = xero.get("/Contacts").json()["Contacts"]
    assert len(contacts) >= 3
    assert all(c["ContactStatus"] == "ACTIVE" for c in contacts)


def test_put_creates_a_contact_with_id_and_xero_timestamp(xero):
    contact = _create(xero, Name="Ann Fixit", EmailAddress="ann@example.com", FirstName="Ann")
    uuid.UUID(contact["ContactID"])
    assert contact["UpdatedDateUTC"].startswith("/Date(") and contact["UpdatedDateUTC"].endswith(
        "+0000)/"
    )
    fetched = xero.get(f"/Contacts/{contact['ContactID']}").json()["Contacts"][0]
    assert fetched["Name"] == "Ann Fixit"
    assert fetched["EmailAddress"] == "ann@example.com"


def test_post_with_id_updates_only_the_fields_sent(xero):
    contact = _create(xero, Name="Ann Fixit", EmailAddress="ann@example.com")
    answer = xero.post(
        f"/Contacts/{contact['ContactID']}", json={"Contacts": [{"FirstName": "Annie"}]}
    )
    updated = answer.json()["Contacts"][0]
    assert updated["FirstName"] == "Annie"
    assert updated["EmailAddress"] == "ann@example.com"
    record = SandboxRecord.objects.get(record_id=contact["ContactID"])
    assert record.version == 1


def test_post_with_id_in_body_updates_and_without_id_creates(xero):
    contact = _create(xero, Name="Ann Fixit")
    answer = xero.post(
        "/Contacts",
        json={
            "Contacts": [
                {"ContactID": contact["ContactID"], "Name": "Ann Fixit Ltd"},
                {"Name": "Bob Pipes"},
            ]
        },
    )
    first, second = answer.json()["Contacts"]
    assert first["ContactID"] == contact["ContactID"] and first["Name"] == "Ann Fixit Ltd"
    assert second["ContactID"] != contact["ContactID"]


def test_duplicate_contact_name_is_refused_with_xeros_message(xero):
    _create(xero, Name="Ann Fixit")
    answer = xero.put("/Contacts", json={"Contacts": [{"Name": "ann fixit"}]})
    assert answer.status_code == 400
    body = answer.json()
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException"
    message = body["Elements"][0]["ValidationErrors"][0]["Message"]
    assert message == DUPLICATE.replace("Ann Fixit", "ann fixit")


def test_renaming_onto_another_contacts_name_is_refused(xero):
    _create(xero, Name="Ann Fixit")
    other = _create(xero, Name="Bob Pipes")
    answer = xero.post(f"/Contacts/{other['ContactID']}", json={"Name": "Ann Fixit"})
    assert answer.status_code == 400
    assert answer.json()["Elements"][0]["ValidationErrors"][0]["Message"] == DUPLICATE


def test_archived_contact_frees_its_name_and_leaves_the_default_list(xero):
    first = _create(xero, Name="Ann Fixit")
    xero.post(f"/Contacts/{first['ContactID']}", json={"ContactStatus": "ARCHIVED"})
    _create(xero, Name="Ann Fixit")
    names = [c["Name"] for c in xero.get("/Contacts").json()["Contacts"]]
    assert names.count("Ann Fixit") == 1
    everyone = xero.get("/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    assert [c["Name"] for c in everyone].count("Ann Fixit") == 2


def test_where_finds_contacts_by_email_and_by_name(xero):
    ann = _create(xero, Name="Ann Fixit", EmailAddress="Ann@Example.com")
    _create(xero, Name="Bob Pipes", EmailAddress="bob@example.com")
    by_email = xero.get("/Contacts", params={"where": 'EmailAddress=="ann@example.com"'})
    assert [c["ContactID"] for c in by_email.json()["Contacts"]] == [ann["ContactID"]]
    by_name = xero.get("/Contacts", params={"where": 'Name=="Bob Pipes"'}).json()["Contacts"]
    assert [c["Name"] for c in by_name] == ["Bob Pipes"]
    both = xero.get(
        "/Contacts",
        params={"where": 'Name.Contains("fix") OR EmailAddress.StartsWith("bob")'},
    ).json()["Contacts"]
    assert sorted(c["Name"] for c in both) == ["Ann Fixit", "Bob Pipes"]


def test_bad_where_is_a_query_parse_error(xero):
    answer = xero.get("/Contacts", params={"where": 'Name=="unterminated'})
    assert answer.status_code == 400
    assert answer.json()["Type"] == "QueryParseException"


def test_ids_filter_returns_only_those_contacts(xero):
    ann = _create(xero, Name="Ann Fixit")
    bob = _create(xero, Name="Bob Pipes")
    _create(xero, Name="Cid Sparks")
    answer = xero.get("/Contacts", params={"IDs": f"{ann['ContactID']},{bob['ContactID']}"})
    assert sorted(c["Name"] for c in answer.json()["Contacts"]) == ["Ann Fixit", "Bob Pipes"]


def test_if_modified_since_returns_only_later_changes(xero):
    _create(xero, Name="Ann Fixit")
    time.sleep(0.01)
    marker = xero.get("/Contacts").json()["Contacts"]
    latest = max(marker, key=lambda c: int(c["UpdatedDateUTC"][6:19]))
    since_ms = int(latest["UpdatedDateUTC"][6:19])
    iso = datetime.fromtimestamp(since_ms / 1000, tz=UTC).isoformat()
    assert xero.get("/Contacts", headers={"If-Modified-Since": iso}).json()["Contacts"] == []
    bob = _create(xero, Name="Bob Pipes")
    changed = xero.get("/Contacts", headers={"If-Modified-Since": iso}).json()["Contacts"]
    assert [c["ContactID"] for c in changed] == [bob["ContactID"]]


def test_if_modified_since_accepts_an_http_date(xero):
    long_ago = format_datetime(timezone.now() - timedelta(days=1), usegmt=True)
    answer = xero.get("/Contacts", headers={"If-Modified-Since": long_ago})
    assert len(answer.json()["Contacts"]) >= 3


def test_pages_hold_a_hundred_contacts(xero):
    batch = [{"Name": f"Customer {n:03d}"} for n in range(120)]
    assert xero.put("/Contacts", json={"Contacts": batch}).status_code == 200
    first = xero.get("/Contacts", params={"page": 1}).json()
    second = xero.get("/Contacts", params={"page": 2}).json()
    third = xero.get("/Contacts", params={"page": 3}).json()
    assert len(first["Contacts"]) == 100
    assert len(second["Contacts"]) == 23  # 120 plus the three seeded
    assert third["Contacts"] == []
    assert first["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 2, "itemCount": 123}
    seen = {c["ContactID"] for c in first["Contacts"] + second["Contacts"]}
    assert len(seen) == 123


def test_unknown_contact_id_is_not_found(xero):
    answer = xero.get(f"/Contacts/{uuid.uuid4()}")
    assert answer.status_code == 404


def test_order_by_updated_date_pages_newest_first(xero):
    names = [f"Ordered {n}" for n in range(3)]
    for name in names:
        _create(xero, Name=name)
        time.sleep(0.002)
    params = {"where": 'Name.StartsWith("Ordered")', "order": "UpdatedDateUTC DESC"}
    filtered = xero.get("/Contacts", params=params).json()["Contacts"]
    assert [c["Name"] for c in filtered] == names[::-1]
    newest = xero.get(
        "/Contacts", params={"order": "UpdatedDateUTC DESC", "page": 1, "pageSize": 2}
    ).json()
    assert [c["Name"] for c in newest["Contacts"]] == names[:0:-1]
    assert newest["pagination"] == {"page": 1, "pageSize": 2, "pageCount": 3, "itemCount": 6}
    oldest_first = xero.get("/Contacts", params={"order": "UpdatedDateUTC"}).json()["Contacts"]
    assert [c["Name"] for c in oldest_first][-3:] == names
