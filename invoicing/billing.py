"""The amounts of an outgoing invoice, computed as EN 16931 says. Pure: no database, no clock.

Each line's net is its quantity times its unit price, rounded to the cent (BT-131); lines are
grouped by VAT category and rate, and each group's tax is its basis times its rate, rounded once
(BT-116, BT-117); the invoice's net, tax and total are the sums (BT-109, BT-110, BT-112). Rounding
happens in these two places only, half up, so that what we print and what the Factur-X XML says
are the same figures and pass the EN 16931 business rules (BR-CO-10, BR-CO-13..15, BR-S-08).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from stdnum.ch import esr

from invoicing.errors import InvoicingError
from invoicing.money import quantize

HUNDRED = Decimal(100)
#: Most decimals a quantity or unit price may carry (what the database keeps).
PRICE_PLACES = 4


class InvalidLine(InvoicingError):
    """A line of an invoice to issue cannot be priced (empty, negative quantity, bad rate...)."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"line {position}: {reason}")
        self.position = position
        self.reason = reason


class TaxCategory(StrEnum):
    """UNTDID 5305 VAT category codes as EN 16931 uses them (BT-118, BT-151)."""

    STANDARD = "S"
    ZERO = "Z"
    EXEMPT = "E"
    REVERSE_CHARGE = "AE"
    INTRA_EU = "K"
    EXPORT = "G"
    NOT_SUBJECT = "O"

    @property
    def needs_exemption_note(self) -> bool:
        """Return whether invoices in this category must say why no VAT is charged (BR-E-10...)."""
        return self in (TaxCategory.EXEMPT, TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_EU,
                        TaxCategory.EXPORT, TaxCategory.NOT_SUBJECT)  # fmt: skip

    @property
    def zero_rated(self) -> bool:
        """Return whether this category is always charged at 0 %."""
        return self is not TaxCategory.STANDARD


@dataclass(frozen=True, slots=True)
class LineItem:
    """A line as a person or a plan writes it: what, how many, at what price, at what VAT rate."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    #: VAT rate in percent (19 for 19 %).
    tax_rate: Decimal
    #: None: standard when the rate is above 0, zero-rated at 0.
    category: TaxCategory | None = None
    #: UN/ECE Recommendation 20 unit code (C62: one, piece; HUR: hour; DAY; MON: month).
    unit: str = "C62"

    @property
    def tax_category(self) -> TaxCategory:
        if self.category is not None:
            return self.category
        return TaxCategory.STANDARD if self.tax_rate > 0 else TaxCategory.ZERO

    def to_json(self) -> dict[str, str]:
        return {
            "description": self.description, "quantity": str(self.quantity),
            "unit_price": str(self.unit_price), "tax_rate": str(self.tax_rate),
            "category": self.tax_category.value, "unit": self.unit,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LineItem:
        category = data.get("category")
        return cls(
            description=str(data["description"]), quantity=Decimal(str(data["quantity"])),
            unit_price=Decimal(str(data["unit_price"])), tax_rate=Decimal(str(data["tax_rate"])),
            category=TaxCategory(str(category)) if category else None, unit=str(data.get("unit") or "C62"),
        )  # fmt: skip


def parse_line(text: str, position: int = 1) -> LineItem:
    """Return the line written as "Description;quantity;unit price;tax rate %" (CLI and chat).

    Decimal commas are accepted ("1,5"); the tax rate may end in "%". A rate written as "AE",
    "K", "G", "E" or "O" is that zero-rated category (reverse charge, intra-EU, export...).
    """
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != 4 or not parts[0]:
        raise InvalidLine(position, 'write it as "Description;quantity;unit price;tax rate %"')
    description, quantity, price, rate = parts
    category: TaxCategory | None = None
    if rate.upper() in {c.value for c in TaxCategory if c.zero_rated}:
        category, rate = TaxCategory(rate.upper()), "0"
    return LineItem(
        description=description,
        quantity=_number(quantity, position, "quantity"),
        unit_price=_number(price, position, "unit price"),
        tax_rate=_number(rate.rstrip("%").strip(), position, "tax rate"),
        category=category,
    )


def _number(text: str, position: int, what: str) -> Decimal:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidLine(position, f"{what} {text!r} is not a number") from None
    if not value.is_finite():
        raise InvalidLine(position, f"{what} {text!r} is not a number")
    return value


@dataclass(frozen=True, slots=True)
class PricedLine:
    position: int
    item: LineItem
    #: quantity x unit price, rounded to the cent (BT-131).
    net: Decimal


@dataclass(frozen=True, slots=True)
class TaxGroup:
    """One row of the VAT breakdown (BG-23): the lines of one category and rate."""

    category: TaxCategory
    rate: Decimal
    basis: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    lines: tuple[PricedLine, ...]
    groups: tuple[TaxGroup, ...]
    net: Decimal
    tax: Decimal
    total: Decimal


def check_line(item: LineItem, position: int) -> None:
    """Raise `InvalidLine` unless the line can be issued."""
    if not item.description.strip():
        raise InvalidLine(position, "needs a description")
    if len(item.description) > 1000:
        raise InvalidLine(position, "description longer than 1000 characters")
    for what, value in (("quantity", item.quantity), ("unit price", item.unit_price)):
        if -value.as_tuple().exponent > PRICE_PLACES:  # type: ignore[operator]
            raise InvalidLine(position, f"{what} has more than {PRICE_PLACES} decimals")
    if item.quantity == 0:
        raise InvalidLine(position, "quantity is zero")
    if item.unit_price < 0:
        raise InvalidLine(position, "unit price is negative (issue a credit note instead)")
    if not Decimal(0) <= item.tax_rate < HUNDRED:
        raise InvalidLine(position, f"tax rate {item.tax_rate} % is not between 0 and 100")
    if item.tax_category.zero_rated and item.tax_rate != 0:
        raise InvalidLine(position, f"category {item.tax_category.value} is charged at 0 %")
    if item.tax_category is TaxCategory.STANDARD and item.tax_rate == 0:
        raise InvalidLine(position, "a standard-rated line needs a rate above 0 %")


def price(items: Sequence[LineItem]) -> Totals:
    """Return the lines priced and the invoice's VAT breakdown and totals (EN 16931 rounding)."""
    if not items:
        raise InvalidLine(0, "an invoice needs at least one line")
    lines = []
    for position, item in enumerate(items, start=1):
        check_line(item, position)
        lines.append(PricedLine(position, item, quantize(item.quantity * item.unit_price)))
    bases: dict[tuple[TaxCategory, Decimal], Decimal] = {}
    for line in lines:
        key = (line.item.tax_category, line.item.tax_rate.normalize())
        bases[key] = bases.get(key, Decimal("0.00")) + line.net
    groups = tuple(
        TaxGroup(category, quantize(rate, 2), basis, quantize(basis * rate / HUNDRED))
        for (category, rate), basis in sorted(bases.items(), key=_group_order)
    )
    net = sum((line.net for line in lines), Decimal("0.00"))
    tax = sum((group.tax for group in groups), Decimal("0.00"))
    return Totals(tuple(lines), groups, net, tax, net + tax)


def _group_order(entry: tuple[tuple[TaxCategory, Decimal], Decimal]) -> tuple[bool, str, Decimal]:
    (category, rate), _ = entry
    return category is not TaxCategory.STANDARD, category.value, -rate


def categories(totals: Totals) -> set[TaxCategory]:
    return {group.category for group in totals.groups}


# --- payment terms -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscountTerms:
    """An early-payment discount ("2 % within 10 days"): paying the reduced amount in time settles."""

    percent: Decimal
    days: int

    def amount(self, total: Decimal) -> Decimal:
        """Return the discount on `total`, rounded to the cent."""
        return quantize(total * self.percent / HUNDRED)

    def deadline(self, issue_date: dt.date) -> dt.date:
        """Return the last day a payment earns the discount."""
        return issue_date + dt.timedelta(days=self.days)

    def to_text(self) -> str:
        return f"{self.percent.normalize():f}% {self.days}"

    @classmethod
    def parse(cls, text: str) -> DiscountTerms:
        """Return the terms written as "2% 10" or "2 10" (percent, then days)."""
        parts = text.replace("%", " ").replace("/", " ").split()
        try:
            percent, days = Decimal(parts[0].replace(",", ".")), int(parts[1])
        except (IndexError, InvalidOperation, ValueError):
            raise InvalidTerms(f'discount terms {text!r}: write "2% 10" (2 % within 10 days)') from None
        if len(parts) != 2 or not Decimal(0) < percent < HUNDRED or days < 1:
            raise InvalidTerms(f"discount terms {text!r}: a percent between 0 and 100 and at least one day")
        return cls(percent, days)


class InvalidTerms(InvoicingError):
    """Payment, discount or late-fee terms that cannot be understood."""


class LateFeeKind(StrEnum):
    #: A fixed amount per reminder that charges one.
    FIXED = "fixed"
    #: A percentage of the amount overdue.
    PERCENT = "percent"
    #: Interest per day late at a yearly rate.
    INTEREST = "interest"
    #: The EU Late Payment Directive: the reference rate + 8 points a year, plus a fixed 40 EUR.
    EU_DIRECTIVE = "eu"


@dataclass(frozen=True, slots=True)
class LateFeeTerms:
    kind: LateFeeKind
    #: The amount (fixed), the percent (percent) or the yearly rate in percent (interest); none for eu.
    value: Decimal | None = None

    def to_text(self) -> str:
        return self.kind.value if self.value is None else f"{self.kind.value} {self.value.normalize():f}"

    @classmethod
    def parse(cls, text: str) -> LateFeeTerms:
        """Return the terms written as "fixed 15", "percent 5", "interest 9.5" or "eu"."""
        parts = text.strip().lower().replace("%", " ").split()
        try:
            kind = LateFeeKind(parts[0])
        except (IndexError, ValueError):
            raise InvalidTerms(f'late fee {text!r}: write "fixed 15", "percent 5", "interest 9.5" or "eu"') from None
        if kind is LateFeeKind.EU_DIRECTIVE:
            if len(parts) != 1:
                raise InvalidTerms(f'late fee {text!r}: "eu" takes no number')
            return cls(kind)
        try:
            value = Decimal(parts[1].replace(",", "."))
        except (IndexError, InvalidOperation):
            raise InvalidTerms(f"late fee {text!r}: {kind.value} needs a number") from None
        if len(parts) != 2 or not value.is_finite() or value <= 0:
            raise InvalidTerms(f"late fee {text!r}: the number must be above 0")
        return cls(kind, value)


# --- references ----------------------------------------------------------------------------------


def creditor_reference(number: str) -> str:
    """Return the ISO 11649 creditor reference ("RF..") that carries an invoice number.

    Banks pass it through unchanged in the remittance information, so a payment can be matched
    to its invoice exactly. Characters other than letters and digits are dropped; at most 21 are
    kept (the standard's limit), the last ones, which hold the sequence.
    """
    body = "".join(c for c in number.upper() if c.isascii() and c.isalnum())[-21:] or "0"
    digits = "".join(str(int(c, 36)) for c in body + "RF00")
    check = 98 - int(digits) % 97
    return f"RF{check:02d}{body}"


def is_creditor_reference(text: str) -> bool:
    """Return whether `text` (spaces ignored) is a valid ISO 11649 creditor reference."""
    compact = "".join(text.split()).upper()
    if not (5 <= len(compact) <= 25 and compact.startswith("RF") and compact.isalnum()):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


#: Institution ids of Swiss QR-IBANs, which take a QR reference instead of an "RF.." one.
_QR_IID = range(30000, 32000)


def is_qr_iban(iban: str) -> bool:
    """Return whether `iban` is a Swiss or Liechtenstein QR-IBAN (institution id 30000-31999)."""
    compact = "".join(iban.split()).upper()
    return compact[:2] in ("CH", "LI") and compact[4:9].isdigit() and int(compact[4:9]) in _QR_IID


def qr_reference(number: str) -> str:
    """Return the 27-digit Swiss QR reference carrying the digits of an invoice number.

    The last 26 digits of the number, zero-padded, and a recursive modulo 10 check digit.
    """
    digits = ("".join(c for c in number if c.isascii() and c.isdigit())[-26:] or "0").rjust(26, "0")
    return digits + esr.calc_check_digit(digits)


def payment_reference(number: str, iban: str | None) -> str:
    """Return the reference a payer quotes for invoice `number` paid to `iban`.

    A QR-IBAN only accepts a QR reference; every other account gets the ISO 11649 creditor
    reference, which banks pass on unchanged.
    """
    return qr_reference(number) if iban is not None and is_qr_iban(iban) else creditor_reference(number)


def sum_lines(lines: Iterable[PricedLine]) -> Decimal:
    return sum((line.net for line in lines), Decimal("0.00"))
