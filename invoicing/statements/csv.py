"""CSV bank statements to entries, through a column mapping. Pure.

Banks export CSV in many shapes; the mapping names the columns (by their header text, any case)
and how numbers and dates are written. The header row is the first row that names every mapped
column, so the lines some banks put above the table (account, period) are passed over. Each data
row becomes an entry or, when it cannot (a balance line, a bad date), a problem with its line.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from invoicing.statements import (
    EntryProblem,
    Side,
    StatementEntry,
    StatementRead,
    UnreadableStatement,
    compact_iban,
    compact_reference,
)

#: Rows searched for the header.
HEADER_ROWS = 50
_DELIMITERS = (";", ",", "\t")
_DEBIT_MARKS = frozenset({"S", "D", "DR", "DB", "DBIT", "DEBIT", "SOLL", "-"})
_CREDIT_MARKS = frozenset({"H", "C", "CR", "CRDT", "CREDIT", "HABEN", "+"})
_CURRENCY = re.compile(r"[A-Z]{3}")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})")


class InvalidMapping(UnreadableStatement):
    """A CSV column mapping that cannot be used."""


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Which column holds what (header texts), and how numbers and dates are written."""

    date: str
    #: One signed amount column (negative: money out)...
    amount: str | None = None
    #: ...or a debit and a credit column (either may be missing from a file with one kind only).
    debit: str | None = None
    credit: str | None = None
    #: With `amount`: a column marking the direction (S/H, D/C, DBIT/CRDT, Debit/Credit, Soll/Haben).
    side: str | None = None
    currency: str | None = None
    #: The currency of a file without a currency column.
    default_currency: str = "EUR"
    name: str | None = None
    iban: str | None = None
    #: The columns holding the remittance text, joined with spaces in this order.
    text: tuple[str, ...] = ()
    #: A column with the structured reference (RF creditor reference, Swiss QR reference).
    reference: str | None = None
    value_date: str | None = None
    #: A column with the bank's unique transaction id; without it the row's content is hashed.
    id: str | None = None
    #: ";", "," or "\t"; None: whichever finds the header row.
    delimiter: str | None = None
    #: True: "1.234,56"; False: "1,234.56"; None: as the file's amounts show.
    decimal_comma: bool | None = None
    #: 01/02/2026 is 1 February (True) or 2 January (False); ISO dates are read either way.
    day_first: bool = True
    encoding: str = "utf-8-sig"

    def __post_init__(self) -> None:
        if not self.date:
            raise InvalidMapping("the CSV mapping needs the date column")
        if self.amount and (self.debit or self.credit):
            raise InvalidMapping("map either an amount column or debit/credit columns, not both")
        if not (self.amount or self.debit or self.credit):
            raise InvalidMapping("the CSV mapping needs an amount column, or debit and credit columns")
        if self.side and not self.amount:
            raise InvalidMapping("a side column goes with an amount column")
        if self.delimiter is not None and self.delimiter not in _DELIMITERS:
            raise InvalidMapping(f"delimiter {self.delimiter!r}: use ';', ',' or a tab")
        if not _CURRENCY.fullmatch(self.default_currency):
            raise InvalidMapping(f"default currency {self.default_currency!r} is no ISO 4217 code")

    @property
    def columns(self) -> dict[str, str]:
        """Return field name -> header text of every mapped column."""
        single = {f: getattr(self, f) for f in ("date", "amount", "debit", "credit", "side", "currency", "name",
                                                 "iban", "reference", "value_date", "id")}  # fmt: skip
        columns = {f: c for f, c in single.items() if c}
        columns.update({f"text{i}": c for i, c in enumerate(self.text)})
        return columns

    @classmethod
    def from_config(cls, data: Mapping[str, object]) -> CsvMapping:
        """Return the mapping of a TOML table (`[statements.csv] date = "Buchungstag"`, `text = ["Verwendungszweck"]`)."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, object] = {}
        for key, value in data.items():
            if key not in known:
                raise InvalidMapping(f"unknown CSV mapping key {key!r} (keys: {', '.join(known)})")
            if key == "text":
                value = (value,) if isinstance(value, str) else value
                if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                    raise InvalidMapping("text: a column name or a list of column names")
                value = tuple(value)
            elif key in ("decimal_comma", "day_first"):
                if not isinstance(value, bool):
                    raise InvalidMapping(f"{key}: true or false, not {value!r}")
            elif key == "delimiter" and value == "tab":
                value = "\t"
            elif not isinstance(value, str):
                raise InvalidMapping(f"{key}: a column name (text), not {value!r}")
            values[key] = value
        if "date" not in values:
            raise InvalidMapping("the CSV mapping needs the date column")
        return cls(**values)  # type: ignore[arg-type]


class BadCell(ValueError):
    """A cell that is not what its column holds (a date, an amount...)."""


def read_csv(data: bytes, mapping: CsvMapping) -> StatementRead:
    """Return the entries of a CSV statement, and a problem for each row that is not one."""
    try:
        text = data.decode(mapping.encoding)
    except (UnicodeDecodeError, LookupError) as e:
        raise UnreadableStatement(f"the CSV file is not {mapping.encoding} text (set its encoding, e.g. cp1252): {e}") from e
    found = _find_header(text, mapping)
    if found is None:
        wanted = ", ".join(f"{k}={v!r}" for k, v in mapping.columns.items())
        first = text.strip().splitlines()[0][:120] if text.strip() else "(empty)"
        raise UnreadableStatement(f"no header row names the mapped columns ({wanted}); the file starts: {first!r}")
    delimiter, index, rows = found
    decimal_comma = mapping.decimal_comma
    if decimal_comma is None:
        decimal_comma = _guess_decimal_comma(rows, index, delimiter)
    entries: list[StatementEntry] = []
    problems: list[EntryProblem] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        try:
            entry = _entry(row, index, mapping, decimal_comma, line)
        except BadCell as e:
            problems.append(EntryProblem(line, f"line {line}: {e}"))
            continue
        if not entry.reference:
            key = "csv:" + hashlib.sha256("\x1f".join(c.strip() for c in row).encode()).hexdigest()[:32]
            seen[key] = seen.get(key, 0) + 1
            entry = dataclasses.replace(entry, reference=key if seen[key] == 1 else f"{key}-{seen[key]}")
        entries.append(entry)
    return StatementRead(tuple(entries), tuple(problems))


_Rows = list[tuple[int, list[str]]]


def _find_header(text: str, mapping: CsvMapping) -> tuple[str, dict[str, int], _Rows] | None:
    """Return the delimiter, the column of each mapped field and the rows (with their lines) below the header."""
    wanted = {field: _norm(column) for field, column in mapping.columns.items()}
    for delimiter in (mapping.delimiter,) if mapping.delimiter else _DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for _, row in zip(range(HEADER_ROWS), reader, strict=False):
                cells = [_norm(cell) for cell in row]
                if all(column in cells for column in wanted.values()):
                    index = {field: cells.index(column) for field, column in wanted.items()}
                    return delimiter, index, [(reader.line_num, row) for row in reader]
        except csv.Error as e:
            raise UnreadableStatement(f"the CSV file is malformed near line {reader.line_num}: {e}") from e
    return None


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _entry(row: list[str], index: dict[str, int], mapping: CsvMapping, decimal_comma: bool, line: int) -> StatementEntry:
    def cell(field: str) -> str:
        position = index.get(field)
        return row[position].strip() if position is not None and position < len(row) else ""

    if len(row) <= max(index.values()):
        raise BadCell(f"{len(row)} columns, the mapping needs {max(index.values()) + 1}")
    booking = parse_date(cell("date"), mapping.day_first)
    value = parse_date(cell("value_date"), mapping.day_first) if cell("value_date") else None
    amount, side = _amount_and_side(cell, mapping, decimal_comma)
    currency = (cell("currency") or mapping.default_currency).upper()
    if not _CURRENCY.fullmatch(currency):
        raise BadCell(f"currency {currency!r} is no ISO 4217 code")
    reference = compact_reference(cell("reference"))
    return StatementEntry(
        reference=cell("id"), booking_date=booking, value_date=value, amount=amount, currency=currency, side=side,
        counterparty_name=cell("name") or None, counterparty_iban=compact_iban(cell("iban")),
        remittance=" ".join(" ".join(cell(f"text{i}").split()) for i in range(len(mapping.text)) if cell(f"text{i}")),
        references=(reference,) if reference else (), line=line,
    )  # fmt: skip


def _amount_and_side(cell, mapping: CsvMapping, decimal_comma: bool) -> tuple[Decimal, Side]:  # noqa: ANN001
    if mapping.amount:
        amount = parse_amount(cell("amount"), decimal_comma)
        if mapping.side:
            mark = cell("side").upper()
            if mark not in _DEBIT_MARKS | _CREDIT_MARKS:
                raise BadCell(f"direction {cell('side')!r} is neither debit nor credit")
            side = Side.DEBIT if mark in _DEBIT_MARKS else Side.CREDIT
        else:
            side = Side.DEBIT if amount < 0 else Side.CREDIT
    else:
        debit = parse_amount(cell("debit"), decimal_comma) if cell("debit") else Decimal(0)
        credit = parse_amount(cell("credit"), decimal_comma) if cell("credit") else Decimal(0)
        if debit and credit:
            raise BadCell("both a debit and a credit amount")
        amount, side = (debit, Side.DEBIT) if debit else (credit, Side.CREDIT)
    if amount == 0:
        raise BadCell("no amount")
    return abs(amount), side


def parse_amount(text: str, decimal_comma: bool) -> Decimal:
    """Return the amount written as "1.234,56", "-1 234,56", "1'234.56", "1,234.56-" (by `decimal_comma`)."""
    compact = re.sub(r"[\s\u00a0\u202f']", "", text)
    sign = -1 if compact.startswith("-") or compact.endswith("-") else 1
    compact = compact.strip("+-")
    point, group = (",", ".") if decimal_comma else (".", ",")
    pattern = rf"(\d{{1,3}}(\{group}\d{{3}})+|\d+)(\{point}\d+)?"
    if not re.fullmatch(pattern, compact):
        raise BadCell(f"amount {text!r} is not a number written as {'1.234,56' if decimal_comma else '1,234.56'}")
    return sign * Decimal(compact.replace(group, "").replace(point, "."))


def parse_date(text: str, day_first: bool = True) -> dt.date:
    """Return the date written as 2026-04-01, or as 01.04.2026, 01/04/26... (day first unless told otherwise)."""
    first = text.strip().split(" ")[0].split("T")[0]
    try:
        if match := _ISO_DATE.fullmatch(first):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DATE.fullmatch(first):
            a, b, year = int(match[1]), int(match[2]), int(match[3])
            day, month = (a, b) if day_first else (b, a)
            return dt.date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        pass
    raise BadCell(f"date {text!r} is not a date (expected {'31.12.2026' if day_first else '12/31/2026'} or 2026-12-31)")


def _guess_decimal_comma(rows: _Rows, index: dict[str, int], delimiter: str) -> bool:
    """Return whether the amounts use a decimal comma: the first amount with 1-2 decimals after its last mark says."""
    fields = [f for f in ("amount", "debit", "credit") if f in index]
    for _, row in rows:
        for field in fields:
            cell = row[index[field]].strip() if index[field] < len(row) else ""
            if match := re.search(r"([.,])\d{1,2}-?$", cell):
                return match[1] == ","
    return delimiter == ";"
