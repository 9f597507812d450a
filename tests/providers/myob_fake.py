"""A small in-memory MYOB company file behind the MYOB client's HTTP session, for the adapter's
tests until the local MYOB sandbox serves it over real HTTP.

It keeps MYOB's shapes where the adapter depends on them: ``{"Items": [...], "NextPageLink"}``
pages, ``$filter`` with ``eq`` (joined by ``and``) and ``LastModified gt datetime'...'``,
``$top``/``$skip``, a RowVersion that changes on every write and a 409 when a PUT carries an old
one, 404 for a record that is not there, and a 403 rate-limit answer when told to."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import requests
from django.utils import timezone

from apps.integrations import crypto
from apps.integrations.models import Integration
from tests.factories import OrganisationFactory

TERM = re.compile(r"(\w+) eq '((?:[^']|'')*)'")
SINCE = re.compile(r"LastModified gt datetime'([^']+)'")
EMAIL = re.compile(r"Addresses/any\(a: a/Email eq '((?:[^']|'')*)'\)")

TAX_CODES = [
    {"UID": "tc-gst", "Code": "GST", "Description": "Goods & Services Tax", "Rate": 10.0},
    {"UID": "tc-fre", "Code": "FRE", "Description": "GST Free", "Rate": 0.0},
    {"UID": "tc-nt", "Code": "N-T", "Description": "Not Reportable", "Rate": 0.0},
]
ACCOUNTS = [
    {"UID": "acc-income", "DisplayID": "4-1000", "Name": "Sales", "Type": "Income"},
    {"UID": "acc-bank", "DisplayID": "1-1110", "Name": "Cheque Account", "Type": "Bank"},
]


def response(status: int, body=None, headers=None) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = b"" if body is None else json.dumps(body, default=str).encode()
    answer.headers.update(headers or {})
    return answer


class FakeMyob:
    def __init__(self, company_file: str) -> None:
        self.company_file = company_file
        self.records: dict[str, dict[str, dict]] = {
            "GeneralLedger/TaxCode": {c["UID"]: dict(c) for c in TAX_CODES},
            "GeneralLedger/Account": {a["UID"]: dict(a) for a in ACCOUNTS},
        }
        self.requests: list[tuple[str, str, dict, dict]] = []
        self.clock = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        self.version = 1000
        self.conflicts = 0  # the next PUTs answered 409 after someone else's change
        self.throttle = 0  # the next requests answered 403 (per-second limit)
        self.lose_answers = 0  # the next POSTs are made but answered 504

    # --- a requests.Session stand-in ----------------------------------------------------
    def request(self, method, url, *, params=None, json=None, headers=None, timeout=None):
        path = urlsplit(url).path.split(f"/{self.company_file}/", 1)[1].strip("/")
        self.requests.append((method, path, dict(params or {}), dict(headers or {})))
        if self.throttle:
            self.throttle -= 1
            return response(
                403,
                {
                    "Errors": [
                        {
                            "Name": "RateLimitError",
                            "Message": "API key has exceeded the per-second rate limit",
                        }
                    ]
                },
            )
        collection, uid = self._split(path)
        if method == "GET":
            return self._get(collection, uid, params or {})
        if method == "POST":
            return self._post(collection, json)
        if method == "PUT":
            return self._put(collection, uid, json)
        if method == "DELETE":
            return (
                response(200) if self.records.get(collection, {}).pop(uid, None) else response(404)
            )
        raise AssertionError(method)

    def close(self) -> None:
        pass

    def _split(self, path: str) -> tuple[str, str]:
        parts = path.split("/")
        if re.fullmatch(r"[0-9a-f-]{36}|[a-z]+-[\w-]+", parts[-1]) and len(parts) > 2:
            return "/".join(parts[:-1]), parts[-1]
        return path, ""

    # --- MYOB's behaviour -----------------------------------------------------------------
    def _stamp(self, row: dict) -> dict:
        self.clock += timedelta(seconds=1)
        self.version += 1
        row["RowVersion"] = str(self.version)
        row["LastModified"] = self.clock.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        return row

    def _get(self, collection: str, uid: str, params: dict):
        rows = self.records.get(collection, {})
        if collection in ("Sale/Invoice", "Sale/Quote"):  # every layout, read only
            rows = {
                key: {**row, "InvoiceType": layout}
                for layout in ("Service", "Item")
                for key, row in self.records.get(f"{collection}/{layout}", {}).items()
            }
        if uid:
            return response(200, rows[uid]) if uid in rows else response(404)
        found = [r for r in rows.values() if self._matches(r, params.get("$filter", ""))]
        if params.get("$orderby") == "LastModified":
            found.sort(key=lambda r: r.get("LastModified", ""))
        skip, top = int(params.get("$skip", 0)), int(params.get("$top", 400))
        page = found[skip : skip + top]
        more = skip + top < len(found)
        return response(
            200, {"Items": page, "NextPageLink": "next" if more else None, "Count": len(found)}
        )

    def _matches(self, row: dict, odata: str) -> bool:
        email = EMAIL.search(odata)
        if email:
            wanted = email.group(1).replace("''", "'").lower()
            return any(str(a.get("Email", "")).lower() == wanted for a in row.get("Addresses", []))
        since = SINCE.search(odata)
        if since and not row.get("LastModified", "") > since.group(1):
            return False
        return all(str(row.get(f)) == v.replace("''", "'") for f, v in TERM.findall(odata))

    def _post(self, collection: str, body: dict):
        if "UID" in body or "RowVersion" in body:
            return response(409)
        row = self._stamp({**body, "UID": str(uuid.uuid4())})
        self._derive(collection, row)
        self.records.setdefault(collection, {})[row["UID"]] = row
        if self.lose_answers:
            self.lose_answers -= 1
            return response(504)
        location = f"https://api.example/accountright/{self.company_file}/{collection}/{row['UID']}"
        return response(201, None, {"Location": location})

    def _put(self, collection: str, uid: str, body: dict):
        rows = self.records.get(collection, {})
        if uid not in rows:
            return response(404)
        if self.conflicts:
            self.conflicts -= 1
            self._stamp(rows[uid])  # someone else saved it meanwhile
            rows[uid]["Comment"] = "changed in MYOB"
        if body.get("RowVersion") != rows[uid]["RowVersion"]:
            return response(409, {"Errors": [{"Name": "IncorrectRowVersionSupplied"}]})
        row = self._stamp({**body, "UID": uid})
        self._derive(collection, row)
        rows[uid] = row
        return response(200)

    def _derive(self, collection: str, row: dict) -> None:
        """What MYOB works out itself on a sale: subtotal, tax, total, balance."""
        if not collection.startswith("Sale/") or "Lines" not in row:
            return
        rates = {c["UID"]: Decimal(str(c["Rate"])) for c in TAX_CODES}
        subtotal = sum((Decimal(str(ln["Total"])) for ln in row["Lines"]), Decimal(0))
        tax = sum(
            (Decimal(str(ln["Total"])) * rates[ln["TaxCode"]["UID"]] / 100 for ln in row["Lines"]),
            Decimal(0),
        ).quantize(Decimal("0.01"))
        row |= {
            "Subtotal": subtotal,
            "TotalTax": tax,
            "TotalAmount": subtotal + tax,
            "BalanceDueAmount": subtotal + tax,
            "Status": "Open",
        }
        for line in row["Lines"]:
            line.setdefault("RowID", self.version)


def myob_integration(company_file: str, *, access: str = "access-1", refresh: str = "refresh-1"):
    """An Australian organisation connected to the MYOB company file, its token fresh."""
    return Integration.objects.create(
        organisation=OrganisationFactory(country="AU", currency="AUD"),
        provider="myob",
        remote_company_id=company_file,
        remote_company_name="Bondi Plumbing",
        country="AU",
        currency="AUD",
        access_token_encrypted=crypto.encrypt(access),
        refresh_token_encrypted=crypto.encrypt(refresh),
        access_expires_at=timezone.now() + timedelta(minutes=20),
    )
