"""Message texts and buttons the bot sends: plain text, no markup to escape."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from invoicing.approvals import Outcome, Result
from invoicing.corrections import Correction
from invoicing.domain import ApprovalState, Direction
from invoicing.payments import Recorded
from invoicing.receiving import Received
from invoicing.views import InvoiceDetail, InvoiceSummary

APPROVE, REJECT, DETAILS = "a", "r", "d"

#: (command, description, usage) in the order of the command menu.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("start", "Start: what this bot does", "/start"),
    ("help", "What I understand", "/help"),
    ("inbox", "My pending approvals", "/inbox"),
    ("invoices", "Recent invoices, optionally by status", "/invoices [status]"),
    ("show", "One invoice in full", "/show <id or number>"),
    ("edit", "Correct a field of an incoming invoice", "/edit <id> <field> <value>"),
    ("overdue", "Invoices past their due date, not paid", "/overdue"),
    ("paid", "Record a payment", "/paid <number> [amount] [date]"),
    ("reject", "Reject an invoice with a reason", "/reject <id> <reason>"),
    ("cancel", "Forget a rejection I asked a reason for", "/cancel"),
)
USAGE = {name: usage for name, _, usage in COMMANDS}


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


def _amount(summary: InvoiceSummary) -> str:
    return f"{summary.total} {summary.currency}" if summary.total is not None else f"unknown ({summary.currency})"


def card(s: InvoiceSummary) -> str:
    """Return the essentials of an invoice: seller, number, dates, total, warnings."""
    party = s.seller.name or s.contact or "unknown seller"
    if s.direction is Direction.OUT:
        party = s.buyer or s.contact or "unknown customer"
    lines = [
        f"Invoice #{s.id} {'from' if s.direction is Direction.IN else 'to'} {party}",
        f"Number: {s.number or '-'}",
        f"Issued: {s.issue_date or '-'}   Due: {s.due_date or '-'}",
        f"Total: {_amount(s)}",
    ]
    lines += [f"⚠ {warning}" for warning in s.warnings]
    return "\n".join(lines)


def approval_request(s: InvoiceSummary, step: int, heading: str | None = None) -> str:
    top = heading or ("Second approval needed (admin)" if step >= 2 else "Please approve this invoice")
    return f"{top}\n\n{card(s)}"


def approval_buttons(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Approve", callback_data=f"{APPROVE}:{token}"),
        InlineKeyboardButton("Reject", callback_data=f"{REJECT}:{token}"),
        InlineKeyboardButton("Details", callback_data=f"{DETAILS}:{token}"),
    ]])  # fmt: skip


def _when(at: dt.datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if at else "-"


def decision(result: Result, zone: ZoneInfo) -> str:
    """Return the line that tells who decided what, and when."""
    who, when = result.decided_by or "someone", _when(result.decided_at, zone)
    if result.outcome is Outcome.FIRST_APPROVED:
        return f"☑ First approval by {who} on {when}; an admin's second approval is needed."
    if result.state is ApprovalState.REJECTED:
        return f"❌ Rejected by {who} on {when}: {result.reason}"
    if result.state is ApprovalState.SUPERSEDED:
        return f"Decided by {who} on {when}."
    return f"✅ Approved by {who} on {when}"


def decided(s: InvoiceSummary, result: Result, zone: ZoneInfo) -> str:
    return f"{card(s)}\n\n{decision(result, zone)}"


def refusal(result: Result, zone: ZoneInfo) -> str:
    """Return the short answer to a press that changed nothing."""
    if result.outcome is Outcome.NOT_YOURS:
        return "Not yours to approve."
    if result.outcome is Outcome.ALREADY:
        return "Already decided. " + decision(result, zone) if result.decided_at else "Already decided."
    return "This button is no longer valid."


def ask_reason(invoice_id: int) -> str:
    return f"Why do you reject invoice #{invoice_id}? Send the reason as your next message (or /cancel)."


def received(result: Received, summary: InvoiceSummary | None) -> str:
    """Return the answer to a file sent to the bot: what was read from it."""
    if result.already_known:
        known = f" as invoice #{result.invoice_id}" if result.invoice_id else ""
        return f"I have this file already (document {result.document_id}{known})."
    if summary is None:
        return f"I could not read an invoice from this file: {result.error or 'no invoice found'}"
    return f"Received and read:\n\n{card(summary)}\n\nStatus: {summary.status.value.replace('_', ' ')}"


def line(s: InvoiceSummary) -> str:
    party = (s.seller.name or s.contact) if s.direction is Direction.IN else (s.buyer or s.contact)
    due = f" due {s.due_date}" if s.due_date else ""
    return f"#{s.id} {s.direction.value} {s.status.value} {s.number or '-'} {_amount(s)} {party or '-'}{due}"


def invoice_list(items: list[InvoiceSummary], empty: str = "No invoices.") -> str:
    return "\n".join(line(s) for s in items) if items else empty


def overdue(items: list[InvoiceSummary], today: dt.date) -> str:
    if not items:
        return "Nothing is overdue."
    parts = []
    for direction, title in ((Direction.IN, "We owe (incoming)"), (Direction.OUT, "Owed to us (outgoing)")):
        mine = [s for s in items if s.direction is direction]
        if mine:
            rows = [f"{line(s)} - {(today - s.due_date).days} days late" for s in mine if s.due_date]
            parts.append(f"{title}:\n" + "\n".join(rows))
    return "\n\n".join(parts)


def detail(d: InvoiceDetail, zone: ZoneInfo) -> str:
    """Return everything useful about an invoice in a few lines."""
    lines = [card(d), f"Status: {d.status.value}", f"Net {d.net_total or '-'} + tax {d.tax_total or '-'}"]
    lines.append(f"Seller VAT {d.seller.vat_id or '-'}  IBAN {d.seller.iban or '-'}")
    if d.buyer:
        lines.append(f"Buyer: {d.buyer}")
    if d.amount_paid:
        lines.append(f"Paid: {d.amount_paid} {d.currency}")
    lines += [f"  {li.position}. {li.description} {li.amount or ''}" for li in d.lines[:10]]
    if d.filename:
        lines.append(f"File: {d.filename} ({d.source or '-'})")
    lines += [f"{_when(e.at, zone)} {e.action} by {e.actor}" for e in d.audit[-5:]]
    return "\n".join(lines)


def corrected(c: Correction, learnt: bool = False) -> str:
    note = " I will read this vendor's next invoices that way." if learnt else ""
    return f"Invoice #{c.invoice_id}: {c.field} changed from {c.before if c.before is not None else '-'} to {c.after}.{note}"


def paid(r: Recorded) -> str:
    rest = f"; {r.open_amount} {r.currency} still open" if r.open_amount else ""
    return f"Recorded {r.amount} {r.currency} for invoice #{r.invoice_id} ({r.number or '-'}): {r.status.value.replace('_', ' ')}{rest}."
