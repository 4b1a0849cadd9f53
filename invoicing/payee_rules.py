"""Rules that guard where money goes: an IBAN other than the one a vendor used before, a known VAT
ID under another name, and the exact name match of vendors. Pure.

Each rule returns the alert a person reads in the approval request, or None. An alert holds the
invoice for review and asks an admin for a second approval (`approval_rules.needs_second_approval`).
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import iban as iban_number

from invoicing.review import fold_key

#: Where the known IBAN was seen, when it was not on an earlier invoice.
VENDOR_RECORD = "the vendor's record"
AS_CORRECTED = "before the correction"
#: A shorter name must be this long to match as the start of a longer one ("Lieferant" / "Lieferant GmbH").
_MIN_PREFIX = 4


@dataclass(frozen=True, slots=True)
class KnownIban:
    """The IBAN a vendor used before: on invoice `invoice_id`, else where `source` says."""

    iban: str
    invoice_id: int | None
    source: str = VENDOR_RECORD


@dataclass(frozen=True, slots=True)
class KnownName:
    """The name a known VAT ID goes with (from the vendor's record or an approved invoice)."""

    vat_id: str
    name: str


def compact_iban(value: str) -> str:
    """Return an IBAN without spaces, upper case ("de02 1203 ..." -> "DE021203...")."""
    return "".join(value.split()).upper()


def show_iban(value: str) -> str:
    """Return an IBAN in groups of four, as printed on paper."""
    return iban_number.format(compact_iban(value))


def iban_alert(iban: str | None, known: KnownIban | None) -> str | None:
    """Return the alert for an IBAN other than the known one, or None when it is the same or unknown."""
    if not iban or known is None or compact_iban(iban) == compact_iban(known.iban):
        return None
    if known.invoice_id is not None:
        return f"IBAN changed from {show_iban(known.iban)} to {show_iban(iban)} since invoice #{known.invoice_id}"
    return f"IBAN changed from {show_iban(known.iban)} ({known.source}) to {show_iban(iban)}"


def name_key(name: str) -> str:
    """Return a name as vendors are matched by it: case folded, runs of spaces made one."""
    return " ".join(name.casefold().split())


def same_name(a: str, b: str) -> bool:
    """Return whether two seller names name the same business: equal letters and digits, or one is
    the other without its trailing legal form ("Lieferant" and "Lieferant GmbH")."""
    ka, kb = fold_key(a), fold_key(b)
    short, long = sorted((ka, kb), key=len)
    return ka == kb or (len(short) >= _MIN_PREFIX and long.startswith(short))


def name_alert(name: str | None, known: KnownName | None) -> str | None:
    """Return the alert for a known VAT ID printed beside another seller name, or None."""
    if not name or known is None or same_name(name, known.name):
        return None
    return f"VAT ID {known.vat_id} belongs to {known.name}, not to {name}"
