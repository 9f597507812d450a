"""``{% receivables_by_age organisation %}``: the dashboard's receivables by age, drawn and in
figures (templates/invoices/_receivables_by_age.html)."""

from __future__ import annotations

from django import template

from ..receivables import receivables_by_age as read

register = template.Library()


@register.inclusion_tag("invoices/_receivables_by_age.html")
def receivables_by_age(organisation) -> dict:
    return {"receivables": read(organisation=organisation), "organisation": organisation}
