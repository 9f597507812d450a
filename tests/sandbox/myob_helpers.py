"""Fixtures and a plain HTTP client for the MYOB sandbox tests (tests/sandbox/test_myob_*.py)."""

from __future__ import annotations

import requests


class Myob:
    """What a real MYOB client sends: Bearer token, API key and API version on every call."""

    def __init__(self, live_server_url: str, token):
        self.root = f"{live_server_url}/sandbox/myob/accountright"
        self.cf = f"{self.root}/{token.company.external_id}"
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token.access_token}",
                "x-myobapi-key": token.app.client_id,
                "x-myobapi-version": "v2",
                "Accept": "application/json",
            }
        )

    def get(self, path: str, **params):
        return self.session.get(f"{self.cf}/{path}", params=params or None, timeout=10)

    def post(self, path: str, body: dict):
        return self.session.post(f"{self.cf}/{path}", json=body, timeout=10)

    def put(self, path: str, body: dict):
        return self.session.put(f"{self.cf}/{path}", json=body, timeout=10)

    def delete(self, path: str):
        return self.session.delete(f"{self.cf}/{path}", timeout=10)

    def one(self, path: str, **params) -> dict:
        answer = self.get(path, **params)
        assert answer.status_code == 200, answer.text
        items = answer.json()["Items"]
        assert len(items) == 1, items
        return items[0]

    def created(self, path: str, body: dict) -> dict:
        """POST, then follow the Location header as a client does."""
        answer = self.post(path, body)
        assert answer.status_code == 201, answer.text
        assert answer.content == b""
        read = self.session.get(answer.headers["Location"], timeout=10)
        assert read.status_code == 200, read.text
        return read.json()


def error_names(answer) -> list[str]:
    return [error["Name"] for error in answer.json()["Errors"]]


def customer_body(client: Myob, name: str = "Tradie Co", email: str = "a@tradie.example") -> dict:
    gst = client.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    return {
        "CompanyName": name,
        "IsIndividual": False,
        "Addresses": [{"Location": 1, "Email": email}],
        "SellingDetails": {"TaxCode": {"UID": gst["UID"]}, "FreightTaxCode": {"UID": gst["UID"]}},
    }


def service_invoice(client: Myob, customer_uid: str, total: float = 100.0, **extra) -> dict:
    gst = client.one("GeneralLedger/TaxCode", **{"$filter": "Code eq 'GST'"})
    sales = client.one("GeneralLedger/Account", **{"$filter": "DisplayID eq '4-1000'"})
    return {
        "Date": "2026-12-01",
        "Customer": {"UID": customer_uid},
        "IsTaxInclusive": False,
        "Lines": [
            {
                "Type": "Transaction",
                "Description": "Blocked drain",
                "Total": total,
                "Account": {"UID": sales["UID"]},
                "TaxCode": {"UID": gst["UID"]},
            }
        ],
        **extra,
    }
