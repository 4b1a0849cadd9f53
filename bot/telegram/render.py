"""Message texts and buttons the bot sends.

Cards, approval requests, decisions and details are Telegram HTML (send them with parse_mode HTML;
everything a sender or user wrote is escaped); short answers, lists and usage lines are plain
text. Amounts and dates are written for the configured language (`formats.Formats`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram.formats import TEXT_LIMIT, Formats, Line, Style, to_html
from invoicing.approvals import Outcome, Result
from invoicing.corrections import Correction
from invoicing.domain import ApprovalState, Direction
from invoicing.payee_rules import show_iban
from invoicing.payments import Recorded
from invoicing.reapproval import Changes
from invoicing.receiving import Received
from invoicing.views import InvoiceDetail, InvoiceSummary

APPROVE, REJECT, DETAILS = "a", "r", "d"

#: (command, description, usage) in the order of the command menu.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("start", "Start: what this bot does", "/start"),
    ("help", "What I understand", "/help"),
    ("inbox", "My pending approvals", "/inbox"),
    ("digest", "What waits for me today, with buttons", "/digest"),
    ("invoices", "Recent invoices, optionally by status", "/invoices [status]"),
    ("show", "One invoice in full", "/show <id or number>"),
    ("edit", "Correct a field of an incoming invoice", "/edit <id> <field> <value>"),
    ("overdue", "Who owes what past its due date, and what we owe", "/overdue"),
    ("topay", "Approved supplier invoices to pay, soonest due first", "/topay [days]"),
    ("cashflow", "Money in and out week by week, with a chart", "/cashflow [days]"),
    ("paid", "Record a payment", "/paid <number> [amount] [date]"),
    ("invoice", "Write an invoice to a customer", "/invoice [customer]"),
    ("tasks", "My open tasks", "/tasks [all]"),
    ("recurring", "Recurring invoices; pause or resume one", "/recurring [pause|resume <plan id>]"),
    ("hold", "Hold an invoice's reminders", "/hold <number> [days|off]"),
    ("unmatched", "Bank payments no invoice matched (admins)", "/unmatched"),
    ("assign", "Book a waiting payment to an invoice (admins)", "/assign <entry> <number>"),
    ("reject", "Reject an invoice with a reason", "/reject <id> <reason>"),
    ("cancel", "Forget a rejection I asked a reason for", "/cancel"),
)
USAGE = {name: usage for name, _, usage in COMMANDS}
#: How each correctable field is named to people.
FIELD_LABELS = {
    "number": "Number", "issue_date": "Issued", "due_date": "Due", "currency": "Currency",
    "net_total": "Net", "tax_total": "Tax", "total": "Total", "seller_name": "Seller",
    "seller_vat_id": "Seller VAT ID", "seller_iban": "IBAN", "buyer_name": "Buyer",
    "payment_reference": "Payment reference",
}  # fmt: skip
_AMOUNTS = frozenset({"net_total", "tax_total", "total"})
_DATES = frozenset({"issue_date", "due_date"})


def bot_commands() -> list[BotCommand]:
    return [BotCommand(name, description) for name, description, _ in COMMANDS]


def help_text() -> str:
    lines = ["Send or forward me an invoice (PDF, image or e-invoice XML) and I will read it.", ""]
    lines += [f"{usage} - {description}" for _, description, usage in COMMANDS]
    return "\n".join(lines)


def unknown_user(telegram_user_id: int) -> str:
    return (
        "Hello! I do not know you yet, so I cannot help you here.\n"
        f"Please ask an administrator to register you with your Telegram user id: {telegram_user_id}"
    )


def usage(command: str) -> str:
    return f"Usage: {USAGE[command]}"


def unknown_command(text: str) -> str:
    return f"I do not know {text.split()[0]}. /help lists what I understand."


def value_of(field: str, value: object, currency: str, fmt: Formats) -> str:
    """Return a field's value as people read it (the audit trail keeps ISO dates and decimal strings)."""
    if value is None or value == "":
        return "-"
    try:
        if field in _AMOUNTS:
            return fmt.money(Decimal(str(value)), currency)
        if field in _DATES:
            return fmt.date(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
    return show_iban(str(value)) if field == "seller_iban" else str(value)


def _card(s: InvoiceSummary, fmt: Formats, alerts: Sequence[str] = ()) -> list[Line]:
    party = s.seller.name or s.contact or "unknown seller"
    if s.direction is Direction.OUT:
        party = s.buyer or s.contact or "unknown customer"
    lines = [
        Line(f"Invoice #{s.id} {'from' if s.direction is Direction.IN else 'to'} {party}"),
        Line(f"Number: {s.number or '-'}"),
        Line(f"Issued: {fmt.date(s.issue_date)}   Due: {fmt.date(s.due_date)}"),
        Line(fmt.money(s.total, s.currency), Style.BOLD, "Total: "),
    ]
    if s.direction is Direction.IN and s.seller.iban:
        lines.append(Line(f"IBAN: {show_iban(s.seller.iban)}"))
    return lines + [Line(f"⚠ {warning}") for warning in s.warnings if warning not in alerts]


def card(s: InvoiceSummary, fmt: Formats) -> str:
    """Return the essentials of an invoice: seller, number, dates, total, IBAN, warnings (HTML)."""
    return to_html(_card(s, fmt))


def _alerts(alerts: Sequence[str]) -> list[Line]:
    return [Line(f"⚠ {alert}", Style.BOLD) for alert in alerts]


def _changes(s: InvoiceSummary, changes: Changes, fmt: Formats) -> list[Line]:
    if not changes.fields:
        return []
    title = "Changed since approval:" if changes.since_approval else "Corrected by hand:"
    lines = [Line(title, Style.BOLD)]
    for c in changes.fields:
        before, after = (value_of(c.field, v, s.currency, fmt) for v in (c.before, c.after))
        lines.append(Line(f"{FIELD_LABELS.get(c.field, c.field)}: {before} → {after}"))
    return lines


def approval_request(
    s: InvoiceSummary, step: int, fmt: Formats, *, heading: str | None = None, alerts: Sequence[str] = (),
    changes: Changes = Changes(), limit: int = TEXT_LIMIT,
) -> str:  # fmt: skip
    """Return an approval request (HTML): heading, alerts first, what changed, then the card."""
    top = heading or ("Second approval needed (admin)" if step >= 2 else "Please approve this invoice")
    lines = [Line(top, Style.BOLD), *_alerts(alerts)]
    if alerts and step < 2:
        lines.append(Line("An admin's second approval is needed as well.", Style.ITALIC))
    lines += _changes(s, changes, fmt)
    return to_html([*lines, Line(""), *_card(s, fmt, alerts)], limit)


def approval_buttons(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Approve", callback_data=f"{APPROVE}:{token}"),
        InlineKeyboardButton("Reject", callback_data=f"{REJECT}:{token}"),
        InlineKeyboardButton("Details", callback_data=f"{DETAILS}:{token}"),
    ]])  # fmt: skip


def _decision(result: Result, fmt: Formats) -> str:
    who, when = result.decided_by or "someone", fmt.instant(result.decided_at)
    if result.outcome is Outcome.FIRST_APPROVED:
        return f"☑ First approval by {who} on {when}; an admin's second approval is needed."
    if result.state is ApprovalState.REJECTED:
        return f"❌ Rejected by {who} on {when}: {result.reason}"
    if result.state is ApprovalState.SUPERSEDED:
        return f"Decided by {who} on {when}."
    return f"✅ Approved by {who} on {when}"


def decision(result: Result, fmt: Formats) -> str:
    """Return the line that tells who decided what, and when (HTML)."""
    return Line(_decision(result, fmt), Style.BOLD).html(limit=TEXT_LIMIT)


def decided(s: InvoiceSummary, result: Result, fmt: Formats, *, alerts: Sequence[str] = (), limit: int = TEXT_LIMIT) -> str:
    """Return a request as it reads once decided (HTML): the decision first, then the card."""
    return to_html([Line(_decision(result, fmt), Style.BOLD), *_alerts(alerts), Line(""), *_card(s, fmt, alerts)], limit)


def replaced(invoice_id: int) -> str:
    """Return what a superseded request message is edited to say (HTML)."""
    return to_html([Line(f"Invoice #{invoice_id}: this request was replaced by a new one after the invoice changed.",
                         Style.ITALIC)])  # fmt: skip


def refusal(result: Result, fmt: Formats) -> str:
    """Return the short answer to a press that changed nothing (plain text)."""
    if result.outcome is Outcome.NOT_YOURS:
        return "Not yours to approve."
    if result.outcome is Outcome.REPLACED:
        return "This request was replaced after the invoice changed; use the newest one."
    if result.outcome is Outcome.ALREADY:
        return "Already decided. " + _decision(result, fmt) if result.decided_at else "Already decided."
    return "This button is no longer valid."


def ask_reason(invoice_id: int) -> str:
    return f"Why do you reject invoice #{invoice_id}? Send the reason as your next message (or /cancel)."


def received(result: Received, summary: InvoiceSummary | None, fmt: Formats) -> str:
    """Return the answer to a file sent to the bot: what was read from it (HTML)."""
    if result.already_known:
        if result.invoice_id is None and result.error:
            return to_html([Line(f"I have this file already (document {result.document_id}); "
                                 f"it could not be read: {result.error}")])  # fmt: skip
        known = f" as invoice #{result.invoice_id}" if result.invoice_id else ""
        return to_html([Line(f"I have this file already (document {result.document_id}{known}).")])
    if summary is None:
        return to_html([Line(f"I could not read an invoice from this file: {result.error or 'no invoice found'}")])
    status = summary.status.value.replace("_", " ")
    return to_html([Line("Received and read:", Style.BOLD), Line(""), *_card(summary, fmt), Line(""),
                    Line(status, label="Status: ")])  # fmt: skip


def line(s: InvoiceSummary, fmt: Formats) -> str:
    """Return one invoice as a list line (plain text)."""
    party = (s.seller.name or s.contact) if s.direction is Direction.IN else (s.buyer or s.contact)
    due = f" due {fmt.date(s.due_date)}" if s.due_date else ""
    amount = fmt.money(s.total, s.currency)
    return f"#{s.id} {s.direction.value} {s.status.value} {s.number or '-'} {amount} {party or '-'}{due}"


def invoice_list(items: list[InvoiceSummary], fmt: Formats, empty: str = "No invoices.") -> str:
    return "\n".join(line(s, fmt) for s in items) if items else empty


def detail(d: InvoiceDetail, fmt: Formats) -> str:
    """Return everything useful about an invoice in a few lines (HTML)."""
    lines = [*_card(d, fmt), Line(d.status.value, label="Status: ")]
    lines.append(Line(f"Net {fmt.money(d.net_total, d.currency)} + tax {fmt.money(d.tax_total, d.currency)}"))
    lines.append(Line(f"Seller VAT {d.seller.vat_id or '-'}"))
    if d.buyer:
        lines.append(Line(f"Buyer: {d.buyer}"))
    if d.amount_paid:
        lines.append(Line(f"Paid: {fmt.money(d.amount_paid, d.currency)}"))
    lines += [Line(f"  {li.position}. {li.description} {fmt.money(li.amount, d.currency) if li.amount else ''}")
              for li in d.lines[:10]]  # fmt: skip
    if d.filename:
        lines.append(Line(f"File: {d.filename} ({d.source or '-'})"))
    lines += [Line(f"{fmt.instant(e.at)} {e.action} by {e.actor}") for e in d.audit[-5:]]
    return to_html(lines)


def corrected(c: Correction, fmt: Formats, currency: str, learnt: bool = False) -> str:
    """Return the answer to a correction: the change, whether it went back for approval, alerts (plain)."""
    label = FIELD_LABELS.get(c.field, c.field)
    before, after = value_of(c.field, c.before, currency, fmt), value_of(c.field, c.after, currency, fmt)
    text = f"Invoice #{c.invoice_id}: {c.field} changed from {before} to {after}."
    if c.before == c.after:
        text = f"Invoice #{c.invoice_id}: {label} is {after} already; nothing changed."
    if learnt:
        text += " I will read this vendor's next invoices that way."
    if c.reopened:
        text += " It has been sent back for approval, showing the change."
    return text + "".join(f"\n⚠ {alert}" for alert in c.alerts)


def paid(r: Recorded, fmt: Formats) -> str:
    rest = f"; {fmt.money(r.open_amount, r.currency)} still open" if r.open_amount else ""
    status = r.status.value.replace("_", " ")
    return f"Recorded {fmt.money(r.amount, r.currency)} for invoice #{r.invoice_id} ({r.number or '-'}): {status}{rest}."

