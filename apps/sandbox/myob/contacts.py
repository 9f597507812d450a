"""Contact/Customer: POST and PUT bodies checked as MYOB checks them.

https://developer.myob.com/api/myob-business-api/v2/contact/customer/ : CompanyName (50) when
IsIndividual is false, LastName (30) and FirstName (20) when it is true, DisplayID (15),
Notes (255), up to five Addresses (Street, City, State 255, PostCode 10, Phone1 21), and
SellingDetails.TaxCode and .FreightTaxCode, both required.
"""

from __future__ import annotations

from typing import Any

from apps.sandbox.models import SandboxCompany

from .checks import Checks
from .wire import ref

ADDRESS_LENGTHS = {"Street": 255, "City": 255, "State": 255, "PostCode": 10, "Email": 255}
ADDRESS_LENGTHS |= {"Phone1": 21, "Phone2": 21, "ContactName": 25, "Country": 255}


def customer_data(company: SandboxCompany, body: dict[str, Any], old: dict | None) -> dict:
    check = Checks(company, body)
    individual = bool(body.get("IsIndividual"))
    if individual:
        check.required("LastName")
    else:
        check.required("CompanyName")
    for path, most in (("CompanyName", 50), ("LastName", 30), ("FirstName", 20)):
        check.length(path, most)
    check.length("DisplayID", 15)
    check.length("Notes", 255)
    addresses = body.get("Addresses") or []
    if not isinstance(addresses, list) or len(addresses) > 5:
        check.fail("InvalidValue", "Addresses must be a list of at most 5 addresses")
        addresses = []
    for index, address in enumerate(addresses):
        for name, most in ADDRESS_LENGTHS.items():
            check.length(name, most, address, f"Addresses[{index}].{name}")
    selling = dict(body.get("SellingDetails") or {})
    tax = check.tax_code("SellingDetails/TaxCode/UID")
    freight = check.tax_code("SellingDetails/FreightTaxCode/UID")
    check.done()
    selling |= {"TaxCode": tax, "FreightTaxCode": freight}
    return {
        **(old or {}),
        **body,
        "IsIndividual": individual,
        "IsActive": body.get("IsActive", True) is not False,
        "DisplayID": body.get("DisplayID") or "*None",
        "Addresses": [{"Location": i + 1, **a} for i, a in enumerate(addresses)],
        "CurrentBalance": (old or {}).get("CurrentBalance", 0.0),
        "SellingDetails": selling,
    }


def customer_ref(customer: dict) -> dict:
    """How a sale or payment names its customer: UID, Name, DisplayID and URI."""
    name = customer.get("CompanyName") or customer.get("LastName")
    return {**ref("Contact/Customer", customer, "DisplayID"), "Name": name}
