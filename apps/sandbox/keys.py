"""Look-up keys: the few fields of a record's JSON that clients search by, copied into indexed
columns of SandboxRecord so a search by name, e-mail, number or owner reads a handful of rows
instead of every record of the company.

A key is the value as text, case-folded and cut to the column's length. Case folding makes two
spellings that compare equal without regard to case (the providers' rule, ``str.lower`` or
``str.casefold``) share a key; cutting may make different values share one. So a key narrows
the candidates and the exact comparison still runs on them.
"""

from __future__ import annotations

from typing import Any

KEY_LENGTH = 255

# entity -> {column: path to the field}. QBO and Xero name their entities apart ("Invoice" /
# "Invoices"), so one table serves both.
_PARTY = {"name_key": ("DisplayName",), "email_key": ("PrimaryEmailAddr", "Address")}
_QBO_LIST = {"name_key": ("Name",)}
_QBO_SALE = {"number_key": ("DocNumber",), "owner_key": ("CustomerRef", "value")}
_XERO_DOCUMENT = {"owner_key": ("Contact", "ContactID")}
_XERO_CODED = {"number_key": ("Code",), "name_key": ("Name",)}
KEYED_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "Customer": _PARTY,
    "Vendor": _PARTY,
    "Employee": _PARTY,
    "Item": _QBO_LIST,
    "Account": _QBO_LIST,
    "PaymentMethod": _QBO_LIST,
    "Invoice": _QBO_SALE,
    "Estimate": _QBO_SALE,
    "SalesReceipt": _QBO_SALE,
    "Payment": {"owner_key": ("CustomerRef", "value")},
    "Contacts": {
        "name_key": ("Name",),
        "email_key": ("EmailAddress",),
        "number_key": ("ContactNumber",),
    },
    "Invoices": {"number_key": ("InvoiceNumber",), **_XERO_DOCUMENT},
    "Quotes": {"number_key": ("QuoteNumber",), **_XERO_DOCUMENT},
    "CreditNotes": {"number_key": ("CreditNoteNumber",), **_XERO_DOCUMENT},
    "Items": _XERO_CODED,
    "Accounts": _XERO_CODED,
    # MYOB (apps.sandbox.myob.records): invoice and quote numbers are unique per company file.
    "myob:Sale/Invoice": {"number_key": ("Number",), "owner_key": ("Customer", "UID")},
    "myob:Sale/Quote": {"number_key": ("Number",), "owner_key": ("Customer", "UID")},
    "myob:Contact/Customer": {"name_key": ("CompanyName",), "number_key": ("DisplayID",)},
}
KEY_COLUMNS = ("name_key", "email_key", "number_key", "owner_key")


def lookup_key(value: Any) -> str:
    """The key of one value; "" for none."""
    if value is None:
        return ""
    return str(value).casefold()[:KEY_LENGTH]


def key_column(entity: str, path: tuple[str, ...] | list[str]) -> str | None:
    """The column holding the key of the field at ``path``, if the entity keeps one."""
    for column, keyed in KEYED_FIELDS.get(entity, {}).items():
        if keyed == tuple(path):
            return column
    return None


def record_keys(entity: str, data: dict[str, Any]) -> dict[str, str]:
    """Every key column's value for a record of ``entity`` holding ``data``."""
    keys = dict.fromkeys(KEY_COLUMNS, "")
    for column, path in KEYED_FIELDS.get(entity, {}).items():
        value: Any = data
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        keys[column] = lookup_key(value)
    return keys
