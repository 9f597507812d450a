from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_tenant_is_seeded_with_contacts(xero):
    contacts = xero.get("/Contacts").json()["Contacts"]
    assert len(contacts) >= 3
    assert all(c["ContactStatus"] == "ACTIVE" for c in contacts)
