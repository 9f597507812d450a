"""Credit notes and refunds in MYOB Business, for ``MyobAdapter`` (docs/credit-notes.md, "MYOB").

- A hub credit note is a sale invoice of negative total (Service layout: AccountRight keeps a
  customer credit as a negative sale; the Item layout refuses negative quantities), its lines
  the hub's, taxed as its invoice's; a Rounding line (no tax) makes up the cent MYOB's own tax
  arithmetic may differ by, so its TotalAmount is the hub's to the cent. It is applied to the
  invoice with Sale/CreditSettlement.
  https://developer.myob.com/api/myob-business-api/v2/sale/credit_settlement/
- A refund of a credit note's remaining credit is a Sale/CreditRefund of that credit out of the
  bank account. https://developer.myob.com/api/myob-business-api/v2/sale/credit_refund/
- A refund of part of a payment: MYOB pays money back only out of a credit (a customer payment is
  not refunded as such), so the hub makes a credit of the refunded amount, numbered
  RF-<refund id>, one line tax inclusive at the invoice's rate (its total the refund to the
  cent), its Comment naming the payment, and refunds it at once; the invoice's balance does not
  move, as in the hub.
- No idempotency key: a credit is looked up by Number before it is made, a settlement by its
  credit and invoice, a refund by the tag in its Memo.
"""

from __future__ import annotations

import re
from decimal import Decimal

from apps.common.money import HUNDRED, ZERO, round_money
from apps.integrations.amounts import line_shares
from apps.integrations.contract import (
    PermanentError,
    Pushed,
    RemoteChange,
    RemoteCreditNote,
    RemoteGone,
    RemoteRefund,
)
from apps.integrations.wire import malformed_is_transient, required_text

from . import mapping

_guarded = malformed_is_transient("MYOB")
SETTLEMENTS = "Sale/CreditSettlement"
REFUNDS = "Sale/CreditRefund"
SERVICE = mapping.LAYOUTS["invoice"][0]
CARRIER_PREFIX = "RF-"
PAYMENT_REFUND = "Refund of payment "
_PAYMENT_UID = re.compile(r"Refund of payment ([0-9A-Fa-f-]{36})")


def is_credit(row: dict) -> bool:
    """A sale invoice of negative total: a customer credit."""
    return Decimal(str(row.get("TotalAmount") or 0)) < 0


def is_carrier(row: dict) -> bool:
    """The credit the hub made only to pay back part of a payment (its refund's, not a credit
    note of its own)."""
    return str(row.get("Number") or "").startswith(CARRIER_PREFIX) and str(
        row.get("Comment") or ""
    ).startswith(PAYMENT_REFUND)


def by_guid(field: str, uid: str) -> str:
    return f"{field} eq guid'{uid}'"


def _negated(row: dict) -> dict:
    """The credit as if it were an invoice of positive amounts (what the invoice reader takes)."""
    flip = {"TotalAmount", "TotalTax", "Subtotal", "BalanceDueAmount"}
    turned = {k: (-Decimal(str(v)) if k in flip and v is not None else v) for k, v in row.items()}
    turned["Lines"] = [
        {**line, "Total": -Decimal(str(line.get("Total") or 0))} for line in row.get("Lines") or []
    ]
    return turned


class CreditsMixin:
    # --- credit notes ---------------------------------------------------------------------
    @_guarded
    def push_credit_note(
        self, credit_note, *, customer_remote_id: str, invoice_remote_id: str, key: str
    ) -> Pushed:
        mapping.number_fits(credit_note.number, "credit note")
        uid = self._credit_made(credit_note.number, customer_remote_id)
        if uid is None:
            body = self._credit_body(credit_note, customer_remote_id)
            uid = mapping.uid_of(self.client.create(SERVICE, body), "a credit note")
        amount = round_money(credit_note.amount_allocated)
        if amount > 0:
            self._settle(uid, customer_remote_id, invoice_remote_id, amount, credit_note)
        _, row = self._locate("credit_note", uid)
        return Pushed(
            remote_id=uid,
            remote_version=mapping.version_of(row, "a credit note"),
            remote_name=str(row.get("Number") or ""),
        )

    def _credit_made(self, number: str, customer_uid: str) -> str | None:
        """The credit an earlier attempt made under this number (its answer lost); the number
        held by an invoice or by another customer's sale is refused, not written over."""
        rows = self.client.get_where(
            mapping.ALL_LAYOUTS["invoice"], f"Number eq {mapping.odata_text(number)}"
        )
        if not rows:
            return None
        row = rows[0]
        if str((row.get("Customer") or {}).get("UID") or "") != customer_uid or not is_credit(row):
            raise PermanentError(
                f"MYOB already has a sale numbered {number} that is not this credit note: "
                "renumber one of them."
            )
        return mapping.uid_of(row, "a credit note")

    def _credit_body(self, credit_note, customer_uid: str) -> dict:
        lines = list(credit_note.lines.all())
        rate = Decimal(credit_note.tax_rate)
        codes = self.tax_codes_for(rate)
        income = self.account_uid("Income", "income")
        body_lines = mapping.document_lines(
            credit_note,
            lines,
            taxable_uid=codes.taxable,
            exempt_uid=codes.exempt,
            account_uid=income,
            items={},
            line_accounts=self.line_accounts(lines),
        )
        _, totals = line_shares(lines, discount_percent=credit_note.discount_percent, tax_rate=rate)
        rates = self.rates()
        # MYOB works out the tax itself: per line Total × rate / 100, the sum rounded to the
        # cent (docs/sandbox-myob.md, "Tax and totals"). What the hub's tax differs by goes on
        # an untaxed Rounding line, so the credit's total is the hub's to the cent.
        myob_tax = round_money(
            sum(
                (Decimal(str(r["Total"])) * rates.get(r["TaxCode"]["UID"], ZERO) / HUNDRED)
                for r in body_lines
            )
        )
        if myob_tax != totals.tax_total:
            body_lines.append(
                {
                    "Type": "Transaction",
                    "Description": "Rounding",
                    "Total": totals.tax_total - myob_tax,
                    "TaxCode": mapping.ref(codes.exempt),
                    "Account": mapping.ref(income),
                }
            )
        for row in body_lines:
            row["Total"] = -Decimal(str(row["Total"]))
        invoice = credit_note.invoice
        return {
            "Number": credit_note.number,
            "Date": f"{credit_note.issue_date.isoformat()}T00:00:00",
            "Customer": mapping.ref(customer_uid),
            "IsTaxInclusive": False,
            "Lines": body_lines,
            "Comment": (credit_note.reason or "")[: mapping.COMMENT_MAX],
            "JournalMemo": f"Credit note {credit_note.number} on {invoice.number}"[
                : mapping.MEMO_MAX
            ],
        }

    def _settle(self, credit_uid, customer_uid, invoice_uid, amount: Decimal, credit_note) -> None:
        """Apply the credit to the invoice once: a settlement of this credit on this invoice
        (an earlier attempt's) is not made again."""
        for row in self.client.get_where(SETTLEMENTS, by_guid("CreditFromInvoice/UID", credit_uid)):
            for line in row.get("Lines") or []:
                if str((line.get("Sale") or {}).get("UID") or "").lower() == invoice_uid.lower():
                    return
        self.client.create(
            SETTLEMENTS,
            {
                "CreditFromInvoice": mapping.ref(credit_uid),
                "Customer": mapping.ref(customer_uid),
                "Date": f"{credit_note.issue_date.isoformat()}T00:00:00",
                "CreditAmount": amount,
                "Memo": f"Credit note {credit_note.number}"[: mapping.MEMO_MAX],
                "Lines": [
                    {"Type": "Invoice", "Sale": mapping.ref(invoice_uid), "AmountApplied": amount}
                ],
            },
        )

    def _void_credit_note(self, remote_id: str) -> Pushed:
        """Its settlements are deleted (the amount is due on the invoice again), then the
        credit; one with refunds is refused until they are voided."""
        try:
            path, _ = self._locate("credit_note", remote_id)
        except RemoteGone:
            return Pushed(remote_id=remote_id, remote_version="deleted")
        if self.client.get_where(REFUNDS, by_guid("Invoice/UID", remote_id)):
            raise PermanentError("MYOB cannot delete a refunded credit: void its refunds first.")
        for row in self.client.get_where(SETTLEMENTS, by_guid("CreditFromInvoice/UID", remote_id)):
            self.client.delete(SETTLEMENTS, mapping.uid_of(row, "a credit settlement"))
        self.client.delete(path, remote_id)
        return Pushed(remote_id=remote_id, remote_version="deleted")

    # --- refunds --------------------------------------------------------------------------
    @_guarded
    def push_refund(
        self,
        refund,
        *,
        customer_remote_id: str,
        payment_remote_id: str | None,
        credit_note_remote_id: str | None,
        invoice_remote_id: str | None,
        key: str,
    ) -> Pushed:
        memo = self._refund_memo(refund, payment_remote_id or "", key)
        found = self.client.get_where(REFUNDS, f"Memo eq {mapping.odata_text(memo)}")
        if found:
            return self._pushed_refund(found[0], matched=True)
        if refund.credit_note_id:
            credit_uid = credit_note_remote_id
        else:
            credit_uid = self._refund_carrier(refund, customer_remote_id, payment_remote_id or "")
        body = {
            "Account": mapping.ref(self.payment_account_uid(refund.payment)),
            "Invoice": mapping.ref(credit_uid),
            "Customer": mapping.ref(customer_remote_id),
            "Date": f"{refund.date.isoformat()}T00:00:00",
            "Amount": round_money(refund.amount),
            "Memo": memo,
        }
        return self._pushed_refund(self.client.create(REFUNDS, body))

    def _refund_memo(self, refund, payment_uid: str, key: str) -> str:
        from .adapter import payment_tag

        said = " ".join(filter(None, [refund.method, refund.reference]))
        if not refund.credit_note_id:
            said = f"{PAYMENT_REFUND}{payment_uid} {said}".strip()
        return f"{said} [{payment_tag(key)}]".strip()[-mapping.MEMO_MAX :]

    @staticmethod
    def _pushed_refund(row: dict, *, matched: bool = False) -> Pushed:
        return Pushed(
            remote_id=mapping.uid_of(row, "a refund"),
            remote_version=mapping.version_of(row, "a refund"),
            matched=matched,
        )

    def _refund_carrier(self, refund, customer_uid: str, payment_uid: str) -> str:
        """The credit that pays back part of a payment: one line of the refunded amount, tax
        included at the invoice's rate (its total is the refund to the cent)."""
        number = f"{CARRIER_PREFIX}{refund.pk}"
        mapping.number_fits(number, "refund")
        found = self._credit_made(number, customer_uid)
        if found:
            return found
        invoice = refund.invoice
        rate = Decimal(invoice.tax_rate) if invoice else ZERO
        codes = self.tax_codes_for(rate)
        what = f"Refund of payment on {invoice.number}" if invoice else "Refund of payment"
        body = {
            "Number": number,
            "Date": f"{refund.date.isoformat()}T00:00:00",
            "Customer": mapping.ref(customer_uid),
            "IsTaxInclusive": True,
            "Comment": f"{PAYMENT_REFUND}{payment_uid}"[: mapping.COMMENT_MAX],
            "Lines": [
                {
                    "Type": "Transaction",
                    "Description": what,
                    "Total": -round_money(refund.amount),
                    "Account": mapping.ref(self.account_uid("Income", "income")),
                    "TaxCode": mapping.ref(codes.taxable),
                }
            ],
        }
        return mapping.uid_of(self.client.create(SERVICE, body), "a refund's credit")

    def _void_refund(self, remote_id: str) -> Pushed:
        """Delete the refund; the credit the hub made only to carry it goes with it."""
        try:
            row = self.client.get_one(REFUNDS, remote_id)
        except RemoteGone:
            return Pushed(remote_id=remote_id, remote_version="deleted")
        self.client.delete(REFUNDS, remote_id)
        credit_uid = str((row.get("Invoice") or {}).get("UID") or "")
        if credit_uid:
            try:
                path, credit = self._locate("credit_note", credit_uid)
            except RemoteGone:
                credit = None
            left = self.client.get_where(REFUNDS, by_guid("Invoice/UID", credit_uid))
            if credit is not None and is_carrier(credit) and not left:
                self.client.delete(path, credit_uid)
        return Pushed(remote_id=remote_id, remote_version="deleted")

    # --- reading --------------------------------------------------------------------------
    def credit_from_myob(self, row: dict) -> RemoteChange:
        """A credit with the invoices its settlements applied it to (one read)."""
        uid = mapping.uid_of(row, "a credit note")
        document = mapping.document_from_myob(
            _negated(row),
            "invoice",
            rates=self.rates(),
            currency=getattr(self.integration, "currency", ""),
        )
        applied: dict[str, Decimal] = {}
        for settled in self.client.get_where(SETTLEMENTS, by_guid("CreditFromInvoice/UID", uid)):
            for line in settled.get("Lines") or []:
                sale = mapping.uid_of(line.get("Sale"), "a settlement's invoice")
                amount = Decimal(str(line.get("AmountApplied") or 0))
                applied[sale] = applied.get(sale, ZERO) + amount
        record = RemoteCreditNote(
            remote_id=uid,
            remote_version=document.remote_version,
            customer_remote_id=document.customer_remote_id,
            number=document.number,
            issue_date=document.issue_date,
            status="issued",
            currency=document.currency,
            lines=document.lines,
            applied_to=list(applied.items()),
            tax_rate=document.tax_rate,
            total=document.total,
            remaining_credit=document.total - document.amount_paid,
            reason=str(row.get("Comment") or ""),
            net_total=document.net_total,
            tax_total=document.tax_total,
        )
        return RemoteChange(kind="credit_note", remote_id=uid, record=record)


def refund_from_myob(row: dict) -> RemoteChange:
    uid = mapping.uid_of(row, "a refund")
    memo = str(row.get("Memo") or "")
    paid_back = _PAYMENT_UID.search(memo)
    record = RemoteRefund(
        remote_id=uid,
        remote_version=mapping.version_of(row, "a refund"),
        customer_remote_id=mapping.uid_of(row.get("Customer"), "a refund's customer"),
        date=mapping.parse_day(
            required_text(row, "Date", answered="MYOB answered a refund"), "a Date"
        ),
        amount=Decimal(str(row.get("Amount") or 0)),
        payment_remote_id=paid_back.group(1) if paid_back else "",
        credit_note_remote_id="" if paid_back else str((row.get("Invoice") or {}).get("UID") or ""),
        reference=memo,
    )
    return RemoteChange(kind="refund", remote_id=uid, record=record)
