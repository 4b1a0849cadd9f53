"""Texts of the chat about money (pure): who owes what (/overdue), the supplier invoices to pay
(/topay), the cash flow's caption and weeks (/cashflow). Amounts and dates are written for the
configured language; everything a person or a supplier wrote is escaped in HTML; each text fits
its Telegram limit, leaving out what does not fit and saying so.
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.telegram.formats import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Formats,
    Line,
    Style,
    fit_lines,
    plain,
    telegram_length,
    to_html,
)
from invoicing.cashflow import Projection
from invoicing.domain import Direction
from invoicing.payables import PayableItem
from invoicing.payee_rules import show_iban
from invoicing.views import InvoiceSummary

MORE = "… and more: invoicebot payables lists them all"
ZERO = Decimal("0.00")


def who_owes_what(items: list[InvoiceSummary], today: dt.date, fmt: Formats, limit: int = TEXT_LIMIT) -> str:
    """Return who owes what past its due date (plain text): our invoices grouped by customer with
    each customer's total, then apart the supplier invoices we owe, grouped likewise; those late
    longest first. When the invoices do not fit one message, the totals come alone."""
    if not items:
        return "Nothing is overdue."
    text = "\n".join(_overdue_lines(items, today, fmt, each=True))
    if telegram_length(text) <= limit:
        return text
    lines = [*_overdue_lines(items, today, fmt, each=False), "", "/show <number> shows one invoice."]
    return fit_lines(lines, limit, "… and more: invoicebot invoices list shows them all")


def _overdue_lines(items: list[InvoiceSummary], today: dt.date, fmt: Formats, *, each: bool) -> list[str]:
    lines: list[str] = []
    for direction, title, verb in ((Direction.OUT, "Owed to us (outgoing)", "owes"),
                                   (Direction.IN, "We owe (incoming)", "is owed")):  # fmt: skip
        groups = _by_party([s for s in items if s.direction is direction and s.due_date])
        if groups:
            lines += [*([""] if lines else []), f"{title}:"]
        for party, mine in groups:
            lines.append(f"{party} {verb} {_sums(mine, fmt)} ({len(mine)} invoice{'s' if len(mine) > 1 else ''})")
            lines += [f"  #{s.id} {s.number or '-'} {fmt.money(_open(s), s.currency)} due {fmt.date(s.due_date)}, "
                      f"{(today - s.due_date).days} days late" for s in mine if s.due_date and each]  # fmt: skip
    return lines


def _open(s: InvoiceSummary) -> Decimal | None:
    return None if s.total is None else max(s.total - s.amount_paid, ZERO)


def _by_party(items: list[InvoiceSummary]) -> list[tuple[str, list[InvoiceSummary]]]:
    """Return the invoices grouped by contact (else printed name), the group late longest first."""
    groups: dict[object, tuple[str, list[InvoiceSummary]]] = {}
    for s in sorted(items, key=lambda s: (s.due_date or dt.date.max, s.id)):
        party = s.contact or (s.buyer if s.direction is Direction.OUT else s.seller.name) or "unknown"
        groups.setdefault(s.contact_id or party.casefold(), (party, []))[1].append(s)
    return list(groups.values())


def _sums(items: list[InvoiceSummary], fmt: Formats) -> str:
    """Return what the invoices come to, one amount per currency ("€1,000.00 + US$300.00")."""
    sums: dict[str, Decimal] = {}
    for s in items:
        sums[s.currency] = sums.get(s.currency, ZERO) + (_open(s) or ZERO)
    return " + ".join(fmt.money(amount, currency) for currency, amount in sums.items())


def _when(item: PayableItem, fmt: Formats) -> str:
    if item.due_date is None or item.days_left is None:
        return "no due date"
    left = item.days_left
    late = "today" if left == 0 else (f"in {left} days" if left > 0 else f"{-left} days late")
    return f"due {fmt.date(item.due_date)} ({late})"


def _item_lines(item: PayableItem, fmt: Formats) -> list[Line]:
    lines = [Line(f"{item.supplier}: {fmt.money(item.open_amount, item.currency)}, {_when(item, fmt)}", Style.BOLD,
                  label=f"#{item.invoice_id} ")]  # fmt: skip
    payee = f"IBAN {show_iban(item.iban)}" if item.iban else "no IBAN on the invoice"
    lines.append(Line(f"   {item.number or '-'} · {payee}" + (f" · ref {item.payment_reference}" if item.payment_reference else "")))
    if d := item.discount:
        percent = format_percent(d.percent / 100, locale=fmt.locale, decimal_quantization=False)
        lines.append(Line(f"   💰 {percent} off: pay {fmt.money(d.pay, item.currency)} by "
                          f"{fmt.date(d.until)} (saves {fmt.money(d.amount, item.currency)})"))  # fmt: skip
    lines += [Line(f"   ⚠ {w.text(day=fmt.date, money=fmt.money)}", Style.BOLD) for w in item.warnings]
    return lines


def payables_text(found: list[PayableItem], fmt: Formats, days: int | None = None, limit: int = TEXT_LIMIT) -> str:
    """Return the supplier invoices to pay (HTML), the totals first; what does not fit is left out whole."""
    if not found:
        return "Nothing to pay" + (f" in the next {days} days." if days is not None else ".")
    totals: dict[str, Decimal] = {}
    for item in found:
        totals[item.currency] = totals.get(item.currency, ZERO) + item.open_amount
    summed = " + ".join(fmt.money(amount, currency) for currency, amount in totals.items())
    within = f" due within {days} days" if days is not None else ""
    head = [Line(f"To pay{within}: {summed} ({len(found)} invoice{'s' if len(found) > 1 else ''})", Style.BOLD)]
    blocks = [to_html(_item_lines(item, fmt)) for item in found]
    kept, used = [to_html(head)], telegram_length(plain(to_html(head))) + telegram_length(MORE) + 2
    for block in blocks:
        size = telegram_length(plain(block)) + 2
        if used + size > limit:
            kept.append(html.escape(MORE))
            break
        kept.append(block)
        used += size
    return "\n\n".join(kept)


def cashflow_caption(p: Projection, fmt: Formats) -> str:
    """Return the caption of the chart (HTML): per currency what comes in and goes out, the balance
    at the end and the lowest one, what is overdue (counted at once) and what comes later."""
    lines = [Line(f"Cash flow {fmt.date(p.today)} – {fmt.date(p.until)}", Style.BOLD)]
    for currency in p.currencies:
        series = p.series(currency)
        money_in, money_out = sum((f.money_in for f in series), ZERO), sum((f.money_out for f in series), ZERO)
        low = min(zip(p.weeks, series, strict=True), key=lambda pair: pair[1].balance)
        lines.append(Line(f"{currency}{' (chart)' if currency == p.currency else ''}: in {fmt.money(money_in, currency)}, "
                          f"out {fmt.money(money_out, currency)}, balance {fmt.money(series[-1].balance, currency)}; "
                          f"lowest {fmt.money(low[1].balance, currency)} in {low[0].label}"))  # fmt: skip
        if overdue := p.overdue.get(currency):
            lines.append(Line(f"   overdue, counted in the first week: in {fmt.money(overdue.money_in, currency)}, "
                              f"out {fmt.money(overdue.money_out, currency)}", Style.ITALIC))  # fmt: skip
        if later := p.later.get(currency):
            lines.append(Line(f"   after {fmt.date(p.until)}: in {fmt.money(later.money_in, currency)}, "
                              f"out {fmt.money(later.money_out, currency)}", Style.ITALIC))  # fmt: skip
    lines.append(Line("Balance: from zero today (the bank balance is not known here).", Style.ITALIC))
    return to_html(lines, CAPTION_LIMIT)


def cashflow_weeks(p: Projection, fmt: Formats, limit: int = TEXT_LIMIT) -> str:
    """Return each currency's weeks as a fixed-width table (HTML <pre>): week, in, out, balance."""
    blocks, used = [], 0
    for currency in p.currencies:
        rows = [("week", "in", "out", "balance")]
        for week, f in zip(p.weeks, p.series(currency), strict=True):
            amounts = (format_decimal(v, "#,##0.00", locale=fmt.locale) for v in (f.money_in, f.money_out, f.balance))
            rows.append((f"{week.label[5:]} {format_date(week.start, 'd MMM', locale=fmt.locale)}", *amounts))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        table = "\n".join(" ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                          for r in rows)  # fmt: skip
        block = f"<b>{html.escape(currency)}</b>\n<pre>{html.escape(table)}</pre>"
        size = telegram_length(f"{currency}\n{table}") + 2
        if used + size > limit:
            blocks.append(html.escape("… more currencies: invoicebot cashflow lists them all"))
            break
        blocks.append(block)
        used += size
    return "\n\n".join(blocks)
