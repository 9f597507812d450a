"""Reading customers: search and suggested duplicates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .matching import name_tokens_key, normalise_email, normalise_name, normalise_phone
from .models import Customer


def customers_with_email(*, organisation, email: str, exclude_pk: int | None = None):
    """The organisation's customers in use whose e-mail is ``email`` (any case or spacing)."""
    key = normalise_email(email)
    if not key:
        return Customer.objects.none()
    return (
        Customer.objects.filter(
            organisation=organisation, merged_into__isnull=True, email_normalised=key
        )
        .exclude(pk=exclude_pk)
        .order_by("id")
    )


def customer_list(*, organisation, search: str = "") -> QuerySet[Customer]:
    """Customers still in use (merged ones hidden), filtered by name, e-mail or phone."""
    customers = Customer.objects.filter(organisation=organisation, merged_into__isnull=True)
    search = search.strip()
    if not search:
        return customers
    condition = Q(display_name__icontains=search) | Q(company_name__icontains=search)
    condition |= Q(name_normalised__contains=normalise_name(search))
    if "@" in search:
        condition |= Q(email_normalised__contains=normalise_email(search))
    phone = normalise_phone(search)
    if phone:
        # A number typed in part (no area code) still finds its customer.
        condition |= Q(phone_normalised__endswith=phone)
    return customers.filter(condition)


@dataclass
class DuplicateSuggestion:
    reasons: list[str]
    customers: tuple[Customer, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def ids(self) -> str:
        return ",".join(str(c.pk) for c in self.customers)


_REASONS = (
    ("email_normalised", "Same e-mail address"),
    ("phone_normalised", "Same phone number"),
    ("name_key", "Same name, words in a different order"),
)


def duplicate_suggestions(*, organisation) -> list[DuplicateSuggestion]:
    """Groups of customers that are likely one person: the same e-mail in any case, the same
    phone in any format, or the same name words in any order ("Brown, Nick" / "Nick Brown")."""
    customers = list(
        Customer.objects.filter(organisation=organisation, merged_into__isnull=True).order_by("id")
    )
    suggestions: dict[tuple[int, ...], DuplicateSuggestion] = {}
    for attribute, reason in _REASONS:
        groups: dict[str, list[Customer]] = defaultdict(list)
        for customer in customers:
            key = (
                name_tokens_key(customer.display_name)
                if attribute == "name_key"
                else getattr(customer, attribute)
            )
            if key:
                groups[key].append(customer)
        for group in groups.values():
            ids = tuple(c.pk for c in group)
            if len(group) < 2:
                continue
            if ids in suggestions:
                suggestions[ids].reasons.append(reason.lower())
            else:
                suggestions[ids] = DuplicateSuggestion(reasons=[reason], customers=tuple(group))
    return list(suggestions.values())
