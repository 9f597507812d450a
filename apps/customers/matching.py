"""How the hub recognises one person across the hub and every integration
(docs/sync-rules.md, "Matching and duplicates").

The keys are stored on Customer (``email_normalised``, ``phone_normalised``, ``name_normalised``)
by the services, so matching is an indexed lookup.
"""

from __future__ import annotations

import re
import unicodedata

from .models import Customer

# Phones compare on their last nine digits: the same number written with or without the
# country code (+1, +61, +44 …), an international 00 prefix or a trunk 0 ends the same way,
# and nine digits still tell one business's customers apart. Fewer than six digits is no key.
PHONE_KEY_DIGITS = 9
PHONE_MIN_DIGITS = 6

_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACE = re.compile(r"\s+")


def normalise_email(email: str | None) -> str:
    """The one key e-mail addresses compare by, in the hub and against every ledger: case and
    any whitespace (a pasted address keeps stray spaces or a tab) ignored."""
    return "".join((email or "").split()).lower()


def same_email(first: str | None, second: str | None) -> bool:
    """Whether two addresses are one, both given."""
    key = normalise_email(first)
    return bool(key) and key == normalise_email(second)


def normalise_phone(phone: str | None) -> str:
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if len(digits) < PHONE_MIN_DIGITS:
        return ""
    return digits[-PHONE_KEY_DIGITS:]


def normalise_name(name: str | None) -> str:
    """Lower case, accents kept, punctuation dropped, runs of spaces made one."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _PUNCTUATION.sub(" ", text).replace("_", " ")
    return _SPACE.sub(" ", text).strip()


def name_tokens_key(name: str | None) -> str:
    """The name's words in alphabetical order: "Brown, Nick" and "Nick Brown" share it."""
    return " ".join(sorted(normalise_name(name).split()))


def customer_find_match(
    *, organisation, email: str, name: str, phone: str, exclude_ids=()
) -> Customer | None:
    """The hub customer an incoming person is, if any: by e-mail first, then by name and phone
    together (the name's words in any order, so "Brown, Nick" is Nick Brown; the phone by its
    key). Customers merged into another are never returned; their survivor is.

    ``exclude_ids`` (ids or a values queryset) are never matched: the sync engine passes the
    customers already linked to another record of the same integration, because two records that
    an accounting system keeps apart (two businesses sharing one e-mail, say) are not one person.
    """
    candidates = Customer.objects.filter(
        organisation=organisation, merged_into__isnull=True
    ).exclude(pk__in=exclude_ids)
    email_key = normalise_email(email)
    if email_key:
        match = candidates.filter(email_normalised=email_key).order_by("id").first()
        if match is not None:
            return match
    phone_key, name_key = normalise_phone(phone), name_tokens_key(name)
    if not (phone_key and name_key):
        return None
    for customer in candidates.filter(phone_normalised=phone_key).order_by("id"):
        if name_tokens_key(customer.name_normalised) == name_key:
            return customer
    return None
