"""ISO 4217 codes the hub accepts for documents and organisations."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

# Active ISO 4217 currency codes (funds and precious metals left out on purpose).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
    GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
    KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
    MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
    SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
    UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
    """.split()
)


def validate_currency(value: str) -> None:
    if value not in ISO_4217:
        raise ValidationError(
            f"“{value}” is not a known currency; use a three-letter ISO 4217 code such as USD.",
            code="unknown_currency",
        )


@dataclass(frozen=True)
class CurrencyRule:
    """Which currencies an organisation's documents may be in, and why."""

    allowed: tuple[str, ...]
    reason: str

    def refusal(self, currency: str) -> str:
        takes = " or ".join(self.allowed) if self.allowed else "no currency at all"
        return f"Documents can only be in {takes}: {self.reason}. {currency} is not accepted."


def document_currencies(organisation) -> CurrencyRule:
    """The organisation's own currency, if every connected ledger keeps its books in it.

    A ledger refuses a document in a currency it does not keep (docs/documents.md,
    "Currency"), so the hub refuses it first, where staff can still change it."""
    reason = f"{organisation.name} works in {organisation.currency}"
    allowed = {organisation.currency}
    # A ledger waiting to be reconnected still gets what was made meanwhile.
    connected = organisation.integrations.exclude(status="disconnected").order_by("provider")
    for integration in connected:
        name = integration.remote_company_name or integration.get_provider_display()
        reason += f", {name} ({integration.get_provider_display()}) in {integration.currency}"
        allowed &= {integration.currency}
    return CurrencyRule(allowed=tuple(sorted(allowed)), reason=reason)
