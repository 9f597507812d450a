"""Credit notes and refunds in Xero, for ``XeroAdapter`` (docs/credit-notes.md, "Xero").

- A hub credit note is an ACCRECCREDIT CreditNote, AUTHORISED, its lines taxed as an invoice's
  (same mapping, Rounding line included, so its Total is the hub's to the cent), then allocated
  to its invoice with PUT /CreditNotes/{id}/Allocations (Xero takes no allocation inside the
  credit note). https://developer.xero.com/documentation/api/accounting/creditnotes
- A refund of a credit note's remaining credit is a Payment of that credit note out of the bank
  account (a "cash refund"). https://developer.xero.com/documentation/api/accounting/payments
- A refund of part of a payment: Xero pays money back only from a credit note, overpayment or
  prepayment, so the hub makes a credit note of the refunded amount (tax included at the
  invoice's rate, numbered RF-<refund id>, its Reference naming the payment) and pays it back
  at once; the invoice's figures do not move, as in the hub.
- Retries: every create carries an Idempotency-Key derived from the engine's key; a credit note
  is looked for by number (and contact) before it is made, and an allocation on the credit note
  before it is made.
"""

from __future__ import annotations

from decimal import Decimal

from apps.integrations.contract import PermanentError, Pushed, RemoteGone
from apps.integrations.wire import malformed_is_transient

from . import mapping
from .batches import pushed

_guarded = malformed_is_transient("Xero")
# Statuses of a credit note that still stands.
LIVE = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")


class CreditsMixin:
    @_guarded
    def push_credit_note(
        self, credit_note, *, customer_remote_id: str, invoice_remote_id: str, key: str
    ) -> Pushed:
        made = self._credit_note_made(credit_note.number, customer_remote_id)
        if made is None:
            made = self._push_document(credit_note, "credit_note", None, customer_remote_id, key)
        amount = Decimal(credit_note.amount_allocated)
        if amount > 0:
            self._allocate(made.remote_id, invoice_remote_id, amount, credit_note, key)
            # The allocation moved the credit note's RemainingCredit (and UpdatedDateUTC).
            made = pushed(self.client.get_one("CreditNotes", made.remote_id), "credit_note")
        return made

    def _credit_note_made(self, number: str, contact_id: str) -> Pushed | None:
        """The credit note an earlier attempt made under this number for this contact (its
        answer lost, its key expired): found by number rather than made twice."""
        rows = self.client.get_list(
            "CreditNotes", {"where": f"CreditNoteNumber=={mapping.where_literal(number)}"}
        )
        for row in rows:
            contact = str((row.get("Contact") or {}).get("ContactID") or "")
            if contact.lower() == contact_id.lower() and row.get("Status") in LIVE:
                return pushed(row, "credit_note", number)
        return None

    def _allocate(self, note_id: str, invoice_id: str, amount: Decimal, credit_note, key) -> None:
        """Allocate once: an allocation to the invoice already on the credit note (an earlier
        attempt's) is not made again."""
        current = self.client.get_one("CreditNotes", note_id)
        for allocation in current.get("Allocations") or []:
            allocated_to = str((allocation.get("Invoice") or {}).get("InvoiceID") or "")
            if allocated_to.lower() == invoice_id.lower():
                return
        body = {
            "Invoice": {"InvoiceID": invoice_id},
            "Amount": amount,
            "Date": credit_note.issue_date.isoformat(),
        }
        self.client.request(
            "PUT",
            f"CreditNotes/{note_id}/Allocations",
            body={"Allocations": [body]},
            key=f"{key}/allocation",
        )

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
        # Paid back from where its payment was recorded: a card payment Stripe pays out waits on
        # the clearing account, and Stripe's refund leaves through the same payouts
        # (docs/payouts.md); otherwise, as a credit note's, from the payments account. A mapped
        # account Xero archived holds the refund back, as it holds a payment.
        bank = (
            self._payment_account(refund.payment)
            if refund.payment_id
            else self._account_code("BANK", "090", "payments")
        )
        if refund.credit_note_id:
            note_id = credit_note_remote_id
        else:
            note_id = self._payment_refund_note(
                refund, customer_remote_id, payment_remote_id or "", key
            )
        body = mapping.refund_to_xero(refund, credit_note_id=note_id, account_code=bank)
        return pushed(self.client.create("Payments", body, key=f"{key}/refund"), "refund")

    def _payment_refund_note(self, refund, contact_id: str, payment_id: str, key: str) -> str:
        rate = Decimal(refund.invoice.tax_rate) if refund.invoice else Decimal(0)
        body = mapping.payment_refund_credit_note(
            refund,
            contact_id=contact_id,
            payment_id=payment_id,
            tax_types=self._tax_types(rate),
            account_code=self._account_code("REVENUE", "200", "income"),
        )
        note = self.client.create("CreditNotes", body, key=f"{key}/credit")
        return mapping.required(note, "CreditNoteID", "a credit note")

    def _void_refund(self, remote_id: str) -> Pushed:
        """Delete the refund payment; a credit note the hub made only to carry it is voided
        with it."""
        current = self.client.get_one("Payments", remote_id)
        if current.get("Status") != "DELETED":
            current = self.client.update("Payments", remote_id, {"Status": "DELETED"})
        note = current.get("CreditNote") or {}
        if note.get("CreditNoteID"):
            self._void_refund_note(str(note["CreditNoteID"]))
        return pushed(current, "refund")

    def _void_refund_note(self, note_id: str) -> None:
        try:
            note = self.client.get_one("CreditNotes", note_id)
        except RemoteGone:
            return
        if not mapping.is_refund_carrier(note):
            return  # a credit note of its own: it stays
        if note.get("Status") in ("AUTHORISED", "PAID") and not note.get("Allocations"):
            self.client.update("CreditNotes", note_id, {"Status": "VOIDED"})

    def _void_credit_note(self, remote_id: str) -> Pushed:
        """VOIDED when approved (DELETED when a draft); Xero refuses while a refund is on it."""
        current = self.client.get_one("CreditNotes", remote_id)
        status = current.get("Status")
        if status in ("VOIDED", "DELETED"):
            return pushed(current, "credit_note")
        if current.get("Payments"):
            raise PermanentError("Xero cannot void a refunded credit note: void its refunds first.")
        for allocation in current.get("Allocations") or []:
            allocation_id = allocation.get("AllocationID")
            if allocation_id:
                # Allocations are taken back one by one before the void.
                # https://developer.xero.com/documentation/api/accounting/creditnotes
                self.client.request(
                    "DELETE", f"CreditNotes/{remote_id}/Allocations/{allocation_id}"
                )
        target = "VOIDED" if status in ("AUTHORISED", "PAID") else "DELETED"
        return pushed(
            self.client.update("CreditNotes", remote_id, {"Status": target}), "credit_note"
        )
