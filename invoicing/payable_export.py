"""Use case: put the approved supplier invoices to pay into a SEPA credit-transfer file (pain.001).

Each invoice in the file is marked `payment_exported_at` and audited in the same transaction,
so a second export leaves it out (with a warning) instead of paying it twice; invoices the
payables warnings flag (already paid, already exported) stay out unless asked for. An
early-payment discount still open by the execution date is taken: the discounted amount is paid
on its last day; otherwise the open amount on the due date (today when overdue).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from invoicing import audit
from invoicing.clock import Clock
from invoicing.config import Settings
from invoicing.db.models import Invoice
from invoicing.errors import InvoicingError
from invoicing.pain001 import DebtorAccount, Payable, credit_transfer
from invoicing.payables import PayableItem, list_payables


@dataclass
class Export:
    xml: bytes
    paid: list[tuple[PayableItem, Decimal, dt.date]] = field(default_factory=list)
    left_out: list[tuple[PayableItem, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount, _ in self.paid), Decimal("0.00"))

    def to_json(self, path: str) -> dict[str, object]:
        return {
            "file": path, "total": str(self.total),
            "payments": [{"invoice_id": p.invoice_id, "number": p.number, "supplier": p.supplier,
                          "amount": str(amount), "execution_date": day.isoformat()} for p, amount, day in self.paid],
            "left_out": [{"invoice_id": p.invoice_id, "number": p.number, "why": why} for p, why in self.left_out],
        }  # fmt: skip

    def summary(self, path: str) -> str:
        lines = [f"{path}: {len(self.paid)} payment(s), {self.total} EUR"]
        lines += [f"  {p.number or p.invoice_id}  {p.supplier}: {amount} on {day}" for p, amount, day in self.paid]
        lines += [f"  left out {p.number or p.invoice_id} ({p.supplier}): {why}" for p, why in self.left_out]
        return "\n".join(lines)


def export_transfers(
    session: Session, clock: Clock, settings: Settings, *, within_days: int, include_flagged: bool, actor: str
) -> Export:
    """Return the pain.001 file of the payables due within `within_days`, marking them exported."""
    if not settings.seller_iban or not settings.seller_name:
        raise InvoicingError("the transfer file needs our account: set INVOICEBOT_SELLER_NAME and INVOICEBOT_SELLER_IBAN")
    today = clock.today()
    horizon = today + dt.timedelta(days=within_days)
    export = Export(b"")
    transfers: list[Payable] = []
    for item in list_payables(session, today, zone=settings.zone):
        why = _left_out(item, horizon, include_flagged)
        if why:
            export.left_out.append((item, why))
            continue
        amount, day = _amount_and_day(item, today)
        transfers.append(Payable(
            creditor_name=item.supplier, iban=item.iban or "", amount=amount, execution_date=day,
            end_to_end_id=f"INVOICEBOT-{item.invoice_id}", remittance=item.number,
            reference=item.payment_reference if item.payment_reference and item.payment_reference.startswith("RF") else None,
        ))  # fmt: skip
        export.paid.append((item, amount, day))
    if not transfers:
        raise InvoicingError("nothing to pay within those days" + (f"; {len(export.left_out)} left out" if export.left_out else ""))
    now = clock.now()
    message_id = "INVOICEBOT-" + hashlib.sha256(f"{now.isoformat()}{[p.end_to_end_id for p in transfers]}".encode()).hexdigest()[:20]
    debtor = DebtorAccount(settings.seller_name or "", "".join((settings.seller_iban or "").split()).upper(), settings.seller_bic)
    export.xml = credit_transfer(debtor, transfers, message_id=message_id, created_at=now)
    for item, amount, day in export.paid:
        invoice = session.get(Invoice, item.invoice_id, with_for_update=True)
        if invoice is not None:
            invoice.payment_exported_at = now
            audit.record(session, clock, actor=actor, action="invoice.payment_exported", entity_type="invoice",
                         entity_id=invoice.id, after={"amount": amount, "execution_date": day, "message_id": message_id})  # fmt: skip
    return export


def _left_out(item: PayableItem, horizon: dt.date, include_flagged: bool) -> str | None:
    if item.currency != "EUR":
        return f"in {item.currency}: SEPA transfers are in EUR"
    if not item.iban:
        return "no IBAN on the invoice"
    if item.warnings and not include_flagged:
        return "; ".join(w.text() for w in item.warnings)
    if item.discount is not None and item.discount.until <= horizon:
        return None  # a discount ending soon is worth taking now
    if item.due_date is not None and item.due_date > horizon:
        return f"due {item.due_date}, later"
    return None


def _amount_and_day(item: PayableItem, today: dt.date) -> tuple[Decimal, dt.date]:
    """Return what to pay and when: the discounted amount by the discount's last day while it lasts."""
    if item.discount is not None and item.discount.until >= today:
        return item.discount.pay, max(today, item.discount.until)
    return item.open_amount, max(today, item.due_date or today)
