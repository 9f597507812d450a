"""Credit notes and refunds in QuickBooks Online (docs/credit-notes.md).

A credit note is a CreditMemo, taxed as the hub's invoices are (``mapping.document_to_qbo``),
applied to its invoice by a Payment of total 0 whose lines link both: QuickBooks' own way of
applying a credit, which lowers the invoice's Balance and the memo's RemainingCredit
(docs/sandbox-quickbooks.md, "Credit memos and refund receipts"). A refund is a RefundReceipt
with one untaxed line, paid from the company's bank account. Each create carries the engine's
key as ``requestid``; the application carries its own derived key, and is looked for on the
memo first, so a retry neither makes a second memo nor applies it twice.
"""

from __future__ import annotations

from decimal import Decimal

from apps.common.money import ZERO
from apps.integrations import mappings
from apps.integrations.contract import PermanentError, Pushed, RemoteChange, RemoteGone

from . import mapping, reading

CREDIT_MEMO = "CreditMemo"
REFUND_RECEIPT = "RefundReceipt"


class CreditsMixin:
    _refund_account: str | None = None

    # --- push -----------------------------------------------------------------------------
    def push_credit_note(
        self, credit_note, *, customer_remote_id: str, invoice_remote_id: str, key: str
    ) -> Pushed:
        memo = self._write_document(
            CREDIT_MEMO, credit_note, "credit_note", None, customer_remote_id, key
        )
        allocated = Decimal(credit_note.amount_allocated)
        used = reading._decimal(memo.get("TotalAmt"), "a total", ZERO) - reading._decimal(
            memo.get("RemainingCredit"), "a remaining credit", ZERO
        )
        if allocated > 0 and used < allocated:
            body = mapping.credit_application_to_qbo(
                credit_note,
                customer_remote_id=customer_remote_id,
                invoice_remote_id=invoice_remote_id,
                credit_memo_id=str(memo["Id"]),
            )
            self.client.create("Payment", body, key=f"{key}/apply")
            memo = self.client.read(CREDIT_MEMO, str(memo["Id"]))
        return Pushed(
            remote_id=str(memo["Id"]),
            remote_version=mapping.version_of(memo, CREDIT_MEMO),
            remote_name=str(memo.get("DocNumber", "")),
        )

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
        body = mapping.refund_receipt_to_qbo(
            refund,
            customer_remote_id=customer_remote_id,
            item_ref=self._item_refs_for([])[mapping.DEFAULT_ITEM_NAME],
            tax_code=self._tax_codes(Decimal(0), []).exempt,
            account_id=self._refund_account_id(refund),
        )
        data = self.client.create(REFUND_RECEIPT, body, key=key)
        return Pushed(str(data["Id"]), mapping.version_of(data, REFUND_RECEIPT))

    def _refund_account_id(self, refund) -> str:
        """The account a refund is paid from: where its payment was recorded (a card payment
        Stripe pays out waits on the Stripe clearing account, and Stripe's refund comes out of
        the same payouts: paid from anywhere else it would be counted twice,
        docs/payouts.md), else the company's first bank account (Undeposited Funds when it has
        none)."""
        if refund.payment is not None:
            mapped = mappings.payment_account(self.integration, refund.payment)
            if mapped:
                return mapped
        if self._refund_account is None:
            rows = self.client.query(
                "select * from Account where AccountType = 'Bank' orderby Id maxresults 1"
            ) or self.client.query(
                "select * from Account where Name = 'Undeposited Funds' maxresults 1"
            )
            if not rows:
                raise PermanentError(
                    "QuickBooks has no bank account to pay refunds from; add one in QuickBooks."
                )
            self._refund_account = str(rows[0]["Id"])
        return self._refund_account

    # --- void -----------------------------------------------------------------------------
    def void_credit_note(self, remote_id: str) -> Pushed:
        """Remove the payments that applied the memo (money-free ones only), then delete it:
        QuickBooks has no void for a CreditMemo."""
        try:
            memo = self.client.read(CREDIT_MEMO, remote_id)
        except RemoteGone:
            return Pushed(remote_id, "deleted")
        for linked in memo.get("LinkedTxn") or []:
            if linked.get("TxnType") != "Payment":
                continue
            payment = self.client.read("Payment", str(linked["TxnId"]))
            if reading._decimal(payment.get("TotalAmt"), "a payment total", ZERO):
                raise PermanentError(
                    f"Credit memo {memo.get('DocNumber')} is used by a payment that also moves "
                    "money; remove it from that payment in QuickBooks first."
                )
            self._delete("Payment", payment)
        self._delete(CREDIT_MEMO, self.client.read(CREDIT_MEMO, remote_id))
        return Pushed(remote_id, "deleted")

    def _delete(self, entity: str, current: dict) -> None:
        body = {"Id": str(current["Id"]), "SyncToken": mapping.version_of(current, entity)}
        self.client.operation(entity, body, {"operation": "delete"})

    def void_refund(self, remote_id: str) -> Pushed:
        data = self._void_txn(REFUND_RECEIPT, remote_id)
        return Pushed(remote_id, mapping.version_of(data, REFUND_RECEIPT))

    # --- pull -----------------------------------------------------------------------------
    def _read(self, entity: str, row) -> RemoteChange:
        if entity == CREDIT_MEMO and row.get("status") != "Deleted":
            record = reading.credit_note_from_qbo(
                row, self._applications(row), zero_rated=self._zero_rated_codes()
            )
            return RemoteChange("credit_note", record.remote_id, record=record)
        return super()._read(entity, row)

    def _applications(self, memo: dict) -> list[tuple[str, Decimal]]:
        """The invoices the memo's credit paid, read from the payments that used it."""
        applied: list[tuple[str, Decimal]] = []
        memo_id = str(memo.get("Id"))
        for linked in memo.get("LinkedTxn") or []:
            if linked.get("TxnType") != "Payment":
                continue
            try:
                payment = self.client.read("Payment", str(linked["TxnId"]))
            except RemoteGone:
                continue
            credit = sum(
                (a for i, a in reading.linked_amounts(payment, CREDIT_MEMO) if i == memo_id), ZERO
            )
            for invoice_id, amount in reading.linked_amounts(payment, "Invoice"):
                taken = min(amount, credit)
                credit -= taken
                if taken:
                    applied.append((invoice_id, taken))
        return applied
