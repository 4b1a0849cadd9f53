"""Bank statements read into entries: ISO 20022 camt.053/.054 (`camt`) and CSV exports (`csv`). Pure.

Both readers take the file's bytes and return a `StatementRead`: the entries they could read and,
for each part they could not, a `EntryProblem` naming its line, so that one bad line neither stops
the import nor disappears. A file that is not a statement at all raises `UnreadableStatement`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from invoicing.errors import InvoicingError


class UnreadableStatement(InvoicingError):
    """The file is not a statement this reader understands (not XML, no header row, too large...)."""


class Side(StrEnum):
    """ISO 20022 CreditDebitCode: money in or out of our account."""

    CREDIT = "CRDT"
    DEBIT = "DBIT"


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One movement on our account: a payment in (credit) or out (debit)."""

    #: The bank's reference of the entry (AcctSvcrRef, else NtryRef), else a stable hash of it:
    #: the same entry read again has the same reference, so it is booked once.
    reference: str
    booking_date: dt.date
    value_date: dt.date | None
    #: Always positive; `side` says the direction.
    amount: Decimal
    #: ISO 4217 code.
    currency: str
    side: Side
    #: The payer of a credit, the payee of a debit.
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    #: The unstructured remittance information (every Ustrd, joined with spaces).
    remittance: str = ""
    #: Structured references quoted (Strd/CdtrRefInf/Ref: RF creditor references, Swiss QR references), compact.
    references: tuple[str, ...] = ()
    end_to_end_id: str | None = None
    #: False for a pending or informational entry: it may still change or be rejected.
    booked: bool = True
    #: The entry reverses an earlier one (a returned transfer or direct debit).
    reversal: bool = False
    #: Our account the statement is for, when it says.
    account_iban: str | None = None
    #: Where it is in the file (the XML element's line, the CSV row's line), for messages.
    line: int | None = None

    @property
    def structured_reference(self) -> str | None:
        """Return the first structured reference quoted, or None."""
        return self.references[0] if self.references else None


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """A part of the file that could not be read as an entry, and why."""

    line: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class StatementRead:
    entries: tuple[StatementEntry, ...]
    problems: tuple[EntryProblem, ...] = ()


def compact_iban(text: str | None) -> str | None:
    """Return an IBAN without spaces, upper case; None for none."""
    if not text:
        return None
    compact = "".join(text.split()).upper()
    return compact or None


def compact_reference(text: str) -> str:
    """Return a payment reference without spaces, upper case ("RF18 5390 0754 7034" -> "RF18539007547034")."""
    return "".join(text.split()).upper()
