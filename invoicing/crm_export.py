"""CRM exports read into contacts to import: a CSV file with a header row, or a vCard file.

Pure: bytes in, one `ExportRow` (a checked `directory.ContactInput`) or `RowError` per record
out, each with the line of the file it starts on (the header is line 1); nothing here touches
the database. The file is UTF-8 (with or without a byte-order mark), UTF-16 with one, or else
Windows-1252; the CSV delimiter (`,` `;` or tab) is read off the header row.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from invoicing import vcard
from invoicing.billing import InvalidTerms
from invoicing.directory import ContactInput, InvalidValue, clean_contact
from invoicing.errors import InvoicingError

#: Our fields -> the headers looked for when none is configured (compared as `_header_key` says).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": ("external_id", "id", "customer_id", "customer_number", "uid"),
    "name": ("name", "company", "company_name", "organisation", "organization", "account_name"),
    "email": ("email", "mail", "email_address"),
    "invoice_email": ("invoice_email", "billing_email"),
    "vat_id": ("vat_id", "vat", "vat_number", "vat_no"),
    "iban": ("iban",),
    "address": ("address", "street", "address1", "street1", "address_line_1"),
    "address2": ("address2", "street2", "address_line_2"),
    "address3": ("address3", "street3", "address_line_3"),
    "address4": ("address4", "street4", "address_line_4"),
    "postcode": ("postcode", "zip", "zip_code", "postal_code"),
    "city": ("city", "town"),
    "country": ("country", "country_code"),
    "language": ("language", "lang"),
    "currency": ("currency",),
    "payment_terms_days": ("payment_terms_days", "terms", "payment_terms", "terms_days"),
    "discount_terms": ("discount", "discount_terms"),
    "late_fee_terms": ("late_fee", "late_fee_terms"),
    "manager": ("manager", "manager_id", "account_manager"),
    "customer": ("customer", "is_customer"),
    "vendor": ("vendor", "is_vendor", "supplier"),
    # customer, vendor or both; read only when mapped, since CRMs fill their "Type" columns with
    # their own words ("Prospect", "Customer - Direct").
    "type": (),
}
FIELDS = tuple(DEFAULT_HEADERS)
_TRUE = {"1", "y", "yes", "true", "x", "j", "ja", "oui", "wahr"}
_FALSE = {"", "0", "n", "no", "false", "-", "nein", "non", "falsch"}
_KINDS = {"customer": (True, False), "vendor": (False, True), "supplier": (False, True), "both": (True, True)}
#: "30", "30 days", "net 30", "Netto 30 Tage".
_TERMS = re.compile(r"^(?:net|netto|n)?\s*(\d{1,4})\s*(?:d|days?|tage?|jours?|dage)?\.?$", re.I)


class ExportError(InvoicingError):
    """The file as a whole cannot be read: its encoding, its header, a configured column."""


@dataclass(frozen=True, slots=True)
class ExportRow:
    line: int
    contact: ContactInput
    #: The relationship manager as the export names them: a user id, e-mail or name.
    manager: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class Export:
    #: "csv" or "vcard".
    format: str
    rows: tuple[ExportRow | RowError, ...]
    #: (our field, the header it is read from), for a CSV file.
    columns: tuple[tuple[str, str], ...] = ()
    #: Headers of a CSV file that no field reads.
    ignored: tuple[str, ...] = ()


def read_export(data: bytes, filename: str = "", columns: Mapping[str, str] | None = None) -> Export:
    """Return the contacts of a CSV or vCard export; `columns` maps our fields to other headers."""
    text = decode(data)
    if filename.lower().endswith((".vcf", ".vcard")) or vcard.looks_like_vcard(text):
        return read_vcards(text)
    return read_csv(text, columns or {})


def decode(data: bytes) -> str:
    """Return the file's text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExportError("the file is neither UTF-8 nor Windows-1252 text")


def _header_key(header: str) -> str:
    """Return a header as compared: without case, spaces or punctuation ("E-Mail " -> "email")."""
    return re.sub(r"[\W_]+", "", header.casefold())


def sniff_delimiter(header_and_rest: str) -> str:
    """Return the delimiter that splits the header row into the most columns (`,` on a tie)."""
    counts = {d: len(next(csv.reader(io.StringIO(header_and_rest, newline=""), delimiter=d), []))
              for d in (",", ";", "\t")}  # fmt: skip
    return max(counts, key=lambda d: (counts[d], d == ","))


def map_columns(headers: list[str], configured: Mapping[str, str]) -> dict[str, int]:
    """Return our field -> column index; configured headers first, then the default names."""
    unknown = sorted(set(configured) - set(FIELDS))
    if unknown:
        raise ExportError(f"contacts_import.columns names unknown fields {', '.join(unknown)}; "
                          f"known: {', '.join(FIELDS)}")  # fmt: skip
    keys = [_header_key(h) for h in headers]
    found: dict[str, int] = {}
    for field, header in configured.items():
        if _header_key(header) not in keys:
            raise ExportError(f"column {header!r} (contacts_import.columns {field}) is not in the header: "
                              f"{', '.join(h for h in headers if h)}")  # fmt: skip
        found[field] = keys.index(_header_key(header))
    for field, names in DEFAULT_HEADERS.items():
        taken = set(found.values())
        if field not in found:
            wanted = {_header_key(name) for name in names}
            index = next((i for i, key in enumerate(keys) if key in wanted and i not in taken), None)
            if index is not None:
                found[field] = index
    if "name" not in found:
        raise ExportError(f"no name column (looked for {', '.join(DEFAULT_HEADERS['name'])}); name yours "
                          "in contacts_import.columns, e.g. name=Firma")  # fmt: skip
    return found


def read_csv(text: str, configured: Mapping[str, str]) -> Export:
    """Return the contacts of a CSV export; each row's line is where its record starts."""
    source = io.StringIO(text, newline="")
    # Excel writes "sep=;" above the header when it saves for another locale.
    excel = re.match(r"sep=([^\r\n])(?:\r\n|\r|\n)", text, re.I)
    delimiter = excel[1] if excel else sniff_delimiter(text)
    skipped = 1 if excel else 0
    if excel:
        source.readline()
    reader = csv.reader(source, delimiter=delimiter)
    headers = [h.strip() for h in next(reader, [])]
    if not any(headers):
        raise ExportError("the file is empty: a CSV export starts with a header row")
    columns = map_columns(headers, configured)
    rows: list[ExportRow | RowError] = []
    line = skipped + reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            fields = {f: record[i].strip() for f, i in columns.items() if i < len(record) and record[i].strip()}
            rows.append(contact_from_fields(line, fields))
        line = skipped + reader.line_num + 1
    used = set(columns.values())
    return Export(
        "csv", tuple(rows), tuple((f, headers[i]) for f, i in columns.items()),
        tuple(h for i, h in enumerate(headers) if i not in used and h),
    )  # fmt: skip


def read_vcards(text: str) -> Export:
    """Return the contacts of a vCard file: ORG (else FN) as name, UID as external id."""
    rows: list[ExportRow | RowError] = []
    cards = vcard.read_cards(text)
    if not cards:
        raise ExportError("no vCard in the file (BEGIN:VCARD ... END:VCARD)")
    for card in cards:
        if card.error:
            rows.append(RowError(card.line, card.error))
            continue
        rows.append(contact_from_fields(card.line, card_fields(card)))
    return Export("vcard", tuple(rows))


def card_fields(card: vcard.Card) -> dict[str, str]:
    """Return the fields a card gives (TEL, NOTE and the rest are not wanted)."""
    fields: dict[str, str] = {}
    org = card.best("ORG")
    full_name = card.best("FN")
    name = (org.components()[0] if org else "") or (full_name.text() if full_name else "")
    if name:
        fields["name"] = name
    for field, prop in (("email", card.best("EMAIL", "work", "internet")), ("external_id", card.best("UID"))):
        if prop is not None and prop.text():
            fields[field] = prop.text()
    address = card.best("ADR", "work")
    if address is not None:
        pobox, extended, street, city, region, postcode, country = (address.components() + [""] * 7)[:7]
        if not card.version.startswith("2"):
            # 3.0 and 4.0 list several street lines with unescaped commas; 2.1 has no such list.
            street = "\n".join((address.component_lists() + [[], [], []])[2])
        lines = [pobox, extended, *street.splitlines(), region]
        fields.update(address="\n".join(p for p in lines if p), city=city, postcode=postcode, country=country)
    return {k: v for k, v in fields.items() if v}


def contact_from_fields(line: int, fields: Mapping[str, str]) -> ExportRow | RowError:
    """Return the checked contact the fields of one record describe, or why it cannot be taken."""
    try:
        is_customer, is_vendor = _roles(fields)
        address = "\n".join(fields[f] for f in ("address", "address2", "address3", "address4") if f in fields)
        data = ContactInput(
            name=fields.get("name", ""), email=fields.get("email"), invoice_email=fields.get("invoice_email"),
            vat_id=fields.get("vat_id"), iban=fields.get("iban"), address=address or None,
            postcode=fields.get("postcode"), city=fields.get("city"), country=country_code(fields.get("country")),
            language=fields.get("language"), currency=fields.get("currency"),
            payment_terms_days=_terms_days(fields.get("payment_terms_days")),
            discount_terms=fields.get("discount_terms"), late_fee_terms=fields.get("late_fee_terms"),
            external_id=fields.get("external_id"), is_customer=is_customer, is_vendor=is_vendor,
        )  # fmt: skip
        return ExportRow(line, clean_contact(data), fields.get("manager"))
    except (InvalidValue, InvalidTerms) as e:
        return RowError(line, str(e))


def _terms_days(value: str | None) -> int | None:
    if value is None:
        return None
    match = _TERMS.match(value.strip())
    if match is None:
        raise InvalidValue("payment terms", value, 'unreadable; write the days, such as "30"')
    return int(match[1])


def _flag(field: str, value: str | None) -> bool | None:
    if value is None:
        return None
    if value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidValue(field, value, "write yes or no")


def _roles(fields: Mapping[str, str]) -> tuple[bool, bool]:
    """Return (customer, vendor): a customer unless a column says vendor only."""
    customer, vendor = _flag("customer", fields.get("customer")), _flag("vendor", fields.get("vendor"))
    if "type" in fields:
        kind = _KINDS.get(fields["type"].strip().lower())
        if kind is None:
            raise InvalidValue("type", fields["type"], "write customer, vendor or both")
        customer, vendor = customer or kind[0], vendor or kind[1]
    return bool(customer or not vendor), bool(vendor)


#: Country names CRMs write instead of codes, in English and the country's own language, for the
#: countries a European business invoices most; any other country needs its ISO code.
_COUNTRY_NAMES = {
    name.casefold(): code
    for code, names in (
        ("AT", "Austria|Österreich"), ("BE", "Belgium|België|Belgique|Belgien"), ("BG", "Bulgaria"),
        ("CH", "Switzerland|Schweiz|Suisse|Svizzera"), ("CY", "Cyprus"), ("CZ", "Czechia|Czech Republic"),
        ("DE", "Germany|Deutschland|Allemagne|Tyskland"), ("DK", "Denmark|Danmark|Dänemark"),
        ("EE", "Estonia"), ("ES", "Spain|España|Spanien"), ("FI", "Finland|Suomi"),
        ("FR", "France|Frankreich|Frankrig"), ("GB", "United Kingdom|UK|Great Britain|Großbritannien"),
        ("GR", "Greece"), ("HR", "Croatia"), ("HU", "Hungary"), ("IE", "Ireland"), ("IS", "Iceland"),
        ("IT", "Italy|Italia|Italien"), ("LI", "Liechtenstein"), ("LT", "Lithuania"),
        ("LU", "Luxembourg|Luxemburg"), ("LV", "Latvia"), ("MT", "Malta"),
        ("NL", "Netherlands|Nederland|The Netherlands|Niederlande"), ("NO", "Norway|Norge|Norwegen"),
        ("PL", "Poland|Polska|Polen"), ("PT", "Portugal"), ("RO", "Romania"), ("SE", "Sweden|Sverige|Schweden"),
        ("SI", "Slovenia"), ("SK", "Slovakia"), ("US", "United States|USA|United States of America"),
    )  # fmt: skip
    for name in names.split("|")
}


def country_code(value: str | None) -> str | None:
    """Return the ISO code for a country written by name ("Deutschland" -> "DE"), else the value."""
    if value is None:
        return None
    return _COUNTRY_NAMES.get(" ".join(value.split()).casefold(), value)
