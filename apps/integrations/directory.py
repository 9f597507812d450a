"""An integration's customers, read whole when that takes fewer requests than looking them up.

Linking a page of hub customers to an integration costs about two look-ups per 30 (QBO) or 50
(Xero) customers: by e-mail, then by name (docs/sync-rules.md,
"Matching and duplicates"). A company with few customers is
cheaper to read whole, up to 1,000 per request, once per export run; the customers made or
changed meanwhile are added as they are written. Matching follows the look-ups' rules exactly.

Only what matching needs is kept (id, version, name, e-mail), not the rows, so a directory of
tens of thousands of customers stays a few megabytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from apps.customers.matching import normalise_email
from apps.integrations.contract import Pushed


def may_be_same_person(remote_email: str, email: str) -> bool:
    """A name match counts only when the e-mails do not say these are two people: another
    person with the same name is created under a distinguishable name instead
    (docs/sync-rules.md, "Matching and duplicates")."""
    remote_key, key = normalise_email(remote_email), normalise_email(email)
    return not remote_key or not key or remote_key == key


class CustomerDirectory:
    """The integration's customers by e-mail (any case) and by name (``name_key`` of it)."""

    def __init__(self, name_key: Callable[[str], str]) -> None:
        self.name_key = name_key
        self._by_email: dict[str, Pushed] = {}
        self._by_name: dict[str, tuple[Pushed, str]] = {}

    def add(self, *, name: str, email: str, pushed: Pushed) -> None:
        """A customer as the integration now holds it; the first one seen under a key stays,
        as the look-ups keep the first row they find."""
        if email:
            self._by_email.setdefault(normalise_email(email), pushed)
        if name:
            self._by_name.setdefault(self.name_key(name), (pushed, email))

    def match(self, *, name: str, email: str) -> Pushed | None:
        """The customer for this person: the same e-mail, else the same name unless the
        e-mails say these are two people."""
        found = self._by_email.get(normalise_email(email)) if email else None
        if found is not None:
            return found
        by_name = self._by_name.get(self.name_key(name))
        if by_name is not None and may_be_same_person(by_name[1], email):
            return by_name[0]
        return None

    def name_taken(self, name: str) -> bool:
        return self.name_key(name) in self._by_name


class LazyDirectory:
    """A ``CustomerDirectory`` read on first use, page by page (``read_page(0)``,
    ``read_page(1)`` …, each up to ``page_size`` rows; ``entry_of(row)`` = name, e-mail,
    Pushed), when the whole list takes at most the requests the caller would otherwise spend.
    Kept for the adapter's life (one export run); once it proved too large it is not tried
    again, and the caller looks customers up instead."""

    def __init__(
        self,
        *,
        name_key: Callable[[str], str],
        page_size: int,
        read_page: Callable[[int], list[dict]],
        entry_of: Callable[[dict], tuple[str, str, Pushed]],
    ) -> None:
        self.name_key = name_key
        self.page_size = page_size
        self.read_page = read_page
        self.entry_of = entry_of
        self.loaded: CustomerDirectory | None = None
        self.too_large = False

    def get(self, *, most_pages: int) -> CustomerDirectory | None:
        if self.loaded is None and not self.too_large:
            directory = CustomerDirectory(self.name_key)
            for page in range(max(most_pages, 0)):
                rows = self.read_page(page)
                for name, email, pushed in map(self.entry_of, rows):
                    directory.add(name=name, email=email, pushed=pushed)
                if len(rows) < self.page_size:
                    self.loaded = directory
                    break
            self.too_large = self.loaded is None
        return self.loaded

    def find(self, customers, *, name_of: Callable, per_look_up: int) -> dict[int, Pushed] | None:
        """Customer id → match, from the whole list when reading it takes no more requests
        than looking these customers up would (by e-mail, then by name, ``per_look_up`` a
        request); None when the caller should look them up instead."""
        directory = self.get(most_pages=2 * -(-len(customers) // per_look_up))
        if directory is None:
            return None
        found = {c.pk: directory.match(name=name_of(c), email=c.email) for c in customers}
        return {pk: pushed for pk, pushed in found.items() if pushed is not None}

    def remember(self, items: Iterable[tuple], results: Iterable, name_of: Callable) -> None:
        """Customers just created or updated (``items`` of (customer, …) and their results),
        so that a later page of the same run finds them as a look-up would."""
        if self.loaded is None:
            return
        for item, result in zip(items, results, strict=True):
            if isinstance(result, Pushed):
                customer = item[0]
                name = result.remote_name or name_of(customer)
                self.loaded.add(name=name, email=customer.email, pushed=result)
