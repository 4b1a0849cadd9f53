"""Total, net and tax amounts: labelled candidates, then the triple where net + tax = total.

An invoice prints many amounts (line prices, per-rate subtotals, payments); the arithmetic of the
three totals is the strongest check available, so it decides between close candidates.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from intake.fields.amounts import AmountMatch, find_amounts, strip_currency, strip_ocr_currency
from intake.fields.candidates import Candidate, LabelHit, value_places
from intake.fields.ids import find_ibans
from intake.fields.labels import NET_TOTAL, TAX_TOTAL, TOTAL
from intake.fields.layout import Cell, TextLine
from intake.fields.stores import is_ocr

CENT = Decimal("0.01")
#: Bonus for a triple whose amounts add up; larger than any difference in label scores.
CONSISTENT_BONUS = 1.5
#: A total that net + tax reach through a printed rounding adjustment is the amount charged.
ROUNDED_BONUS = CONSISTENT_BONUS + 0.1


@dataclass(frozen=True, slots=True)
class Totals:
    total: Candidate[Decimal] | None
    net: Candidate[Decimal] | None
    tax: Candidate[Decimal] | None
    #: True when net + tax = total was checked and holds; False when it fails; None if unchecked.
    consistent: bool | None


# Words of an item table's header row; amount labels there head line items, not totals.
_ITEM_HEADER = re.compile(
    r"\b(?:qty|quantity|menge|anzahl|description|beschreibung|bezeichnung|artikel\w*|product|item"
    r"|unit\s*price|einzelpreis|e-?preis|preis|price|designation|quantite|qte|prix|antal|beskrivelse"
    r"|pos\.?|einheit|unit)\b"
)
# Words that make a total label name the gross amount even beside a net or tax word.
# "Includes", a verb, states the tax a total holds ("Total includes 6% GST 1.61"), not a gross total.
_GROSS = re.compile(
    r"\b(?:brutto|incl(?!udes)|inkl|ttc|gross|einschl|zahlbetrag|zu\s*zahlen|payable|due)"
)
# "Including" after an amount's word and right before a tax's label (its rate between them) makes
# the amount the gross one ("Jahresbeitrag inklusive 19 % ...steuer"); at the start of the label it names
# the tax included ("inkl. moms 25 %").
_INCLUDING = re.compile(r"\w\W+(?:incl|inkl|including|inklusive|einschl|y\s*compris)\.?(?:\s*\d+(?:[.,]\d+)?\s?%)?\s*$")
_NET_WORDS = re.compile(r"\b(?:excl|exkl|ekskl|exclusief|ohne|uden|hors|before\s*tax)")
_PERCENT = re.compile(r"\d\s?%")


def is_item_header(line: TextLine) -> bool:
    """Return whether `line` is the header row of an item table (several labels, no amounts)."""
    if len(line.cells) < 3 or any(a.has_decimals for a in find_amounts(line.text)):
        return False
    return len(_ITEM_HEADER.findall(line.folded)) >= 2


#: The head of a table of the tax per rate ("GST Summary | Amount (RM) | Tax (RM)").
_TAX_SUMMARY = re.compile(r"^\W*(?:gst|vat|tax|sst|mwst|ust|tva|moms)\s*(?:summary|analysis|breakdown)\b", re.IGNORECASE)


def tax_summary_heads(lines: Sequence[TextLine]) -> set[int]:
    """Return the indexes of the lines that head a table of the tax per rate, whose amount labels
    head the columns of each rate's base and tax."""
    return {
        line.index for line in lines
        if len(line.cells) >= 2 and _TAX_SUMMARY.match(line.cells[0].text)
        and not any(a.has_decimals for a in find_amounts(line.text))
    }


def several_amounts(line: TextLine) -> bool:
    """Return whether the line prints two or more amounts with cents: an item's row, where amount
    and number words describe the item."""
    return sum(a.has_decimals for a in find_amounts(strip_currency(line.text))) >= 2


def _is_rate(text: str, amount: AmountMatch) -> bool:
    """Return whether the number is a percentage printed after its sign ("MwSt.-% 19,0")."""
    return text[: amount.start].rstrip().endswith("%")


# A rate's base: "USt. 19 % auf 500,00", "VAT 20% on 100.00", "TVA 20 % sur 100,00".
_BASE = re.compile(r"%\s*(?:auf|on|of|sur|de|af|von|van|from|over)\s*(?:[€$£]|eur|chf|gbp|usd|dkk)?\s*$", re.IGNORECASE)


def _is_base(text: str, amount: AmountMatch) -> bool:
    """Return whether the amount is the base a tax rate is worked out on, not the tax itself."""
    return _BASE.search(text[: amount.start]) is not None


# Words that say no tax is charged: after a tax's label, where its value would stand ("TVA | non
# applicable", "VAT: exempt", "USt. befreit"), and after the tax's name in a sentence anywhere
# (`_NO_TAX_CHARGED`).
_NO_TAX_WORDS = (
    r"(?:non\s+applicable|not\s+applicable|not\s+charged|exon[eé]r[eé]e?|exempt|steuerfrei|befreit"
    r"|nicht\s+(?:anwendbar|erhoben|ausgewiesen)|fritaget|(?:da\s+)?kleinunternehmer)\b"
)
_EXEMPT = re.compile(_NO_TAX_WORDS, re.IGNORECASE)


# Amounts that are no total, net or tax of the invoice, though their labels may name a tax rate or
# a total: an allowance or charge ("Allowance (Tax: 0.00%): Discount"), the lines' sum before them
# ("Line Total Amount"), at the label's start; a customer's savings, anywhere in it ("* Your Total
# Savings").
_NO_TOTAL = re.compile(
    r"\s*(?:allowance|discount|extra\s*charge|surcharge|rabatt|nachlass|zuschlag|remise|rabais|majoration"
    r"|lines?\s*total|total\s*of\s*lines|sum\s*of\s*(?:invoice\s*)?lines?)\b"
)
_SAVINGS = re.compile(r"\b(?:savings?|you\s*saved?)\b")


def cell_field(cell_hits: Sequence[LabelHit], text: str) -> str | None:
    """Return which amount labels name together in `text` ("Summe Netto (exkl. USt.)" -> net).

    `text` is the labels' cells joined by single spaces, with the hits' offsets counted in it.
    None for an allowance, a charge or the lines' sum, whatever rate or total word they name.
    """
    if _NO_TOTAL.match(text) or _SAVINGS.search(text):
        return None
    fields = {h.field for h in cell_hits}
    strong_total = any(h.field == TOTAL and h.label.weight >= 1 for h in cell_hits)
    # A gross word qualifies a total printed before it ("Total incl. GST"), not one after it
    # ("GST included in total").
    first_total = min((h.start for h in cell_hits if h.field == TOTAL), default=None)
    gross = first_total is not None and any(m.end() > first_total for m in _GROSS.finditer(text))
    if (NET_TOTAL in fields or _NET_WORDS.search(text)) and not gross:
        return NET_TOTAL
    if TOTAL in fields and (gross or (strong_total and TAX_TOTAL not in fields)):
        return TOTAL
    if TAX_TOTAL in fields:
        first_tax = min(h.start for h in cell_hits if h.field == TAX_TOTAL)
        if TOTAL not in fields and _INCLUDING.search(text[:first_tax]):
            return TOTAL  # "Prämie inklusive 19 % ...steuer 119,00": the amount with its tax
        return TAX_TOTAL
    return TOTAL if TOTAL in fields else None


def _label_groups(
    lines: Sequence[TextLine], hits: Sequence[LabelHit]
) -> list[tuple[list[LabelHit], list[Cell]]]:
    """Return amount labels grouped as they read together, with the cells of their words: by cell
    on a line of column headers (no amounts), else by the run of cells before each amount
    ("Total | Incl. | VAT 20% | 60.00")."""
    groups: dict[tuple[int, int], tuple[list[LabelHit], list[Cell]]] = {}
    for h in hits:
        if h.field not in ALL_AMOUNT_FIELDS:
            continue
        line = lines[h.cell.line]
        with_amount = [any(a.has_decimals for a in find_amounts(c.text)) for c in line.cells]
        position = line.cells.index(h.cell)
        if not any(with_amount):
            groups.setdefault((line.index, position), ([], [h.cell]))[0].append(h)
            continue
        segment = sum(with_amount[:position])
        if (line.index, segment) not in groups:
            run = [c for c, amount, n in zip(line.cells, with_amount, itertools.accumulate(with_amount))
                   if not amount and n == segment]
            groups[(line.index, segment)] = ([], run)
        groups[(line.index, segment)][0].append(h)
    return list(groups.values())


def _as_one_text(group: Sequence[LabelHit], cells: Sequence[Cell]) -> tuple[list[LabelHit], str]:
    """Return the group's hits with offsets into its cells' joined folded text, and that text."""
    offsets, text = {}, ""
    every = {id(c): c for c in [*cells, *(h.cell for h in group)]}
    for cell in sorted(every.values(), key=lambda c: c.x0):
        offsets[id(cell)] = len(text)
        text += cell.folded + " "
    shifted = [
        LabelHit(h.label, h.cell, h.start + offsets[id(h.cell)], h.end + offsets[id(h.cell)]) for h in group
    ]
    return shifted, text


def _amount_hits(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> list[tuple[str, LabelHit]]:
    """Return one (field, label) per group of labels that names a total, net or tax amount."""
    found = []
    for group, cells in _label_groups(lines, hits):
        if is_item_header(lines[group[0].cell.line]):
            continue
        field = cell_field(*_as_one_text(group, cells))
        if field is not None:
            found.append((field, ([h for h in group if h.field == field] or group)[-1]))
    return found


def amount_candidates(
    lines: Sequence[TextLine], hits: Sequence[LabelHit]
) -> tuple[list[Candidate[Decimal]], list[Candidate[Decimal]], list[Candidate[Decimal]]]:
    """Return the total, net and tax amounts printed where their labels put their values, scored."""
    amount_hits = _amount_hits(lines, hits)  # once for the three fields
    chosen = {id(h) for _, h in amount_hits}
    # Other amount labels of a chosen label's cell qualify it; they must not cut its value off.
    others = [h for h in hits if h.field not in ALL_AMOUNT_FIELDS or id(h) in chosen]
    total, net, tax = (_field_candidates(lines, amount_hits, others, chosen, field) for field in ALL_AMOUNT_FIELDS)
    if not tax and (stated := _no_tax_stated(lines)) is not None:
        # "Im Rechnungsbetrag ist gemäß § 19 UStG keine Umsatzsteuer enthalten": none is charged.
        tax = [Candidate(Decimal("0.00"), _STATED_NO_TAX, stated)]
    return total, net, tax


# A sentence saying that the invoice charges no VAT: a small business's exemption (§ 19 UStG,
# art. 293 B du CGI), the tax's name and `_NO_TAX_WORDS` ("VAT is not charged", "TVA exonérée"),
# or another plain statement, in the four languages.
_NO_TAX_CHARGED = re.compile(
    r"\bkeine\s+(?:umsatzsteuer|mehrwertsteuer|ust|mwst)\b(?![.-]?\s*-?(?:id|nr|nummer))"
    r"|§\s*19\s*(?:abs\.?\s*\d\s*)?ustg|\bkleinunternehmer|\b293\s*b\b"
    rf"|\b(?:vat|tva|moms|mwst|ust|umsatzsteuer)\.?\s+(?:is\s+)?{_NO_TAX_WORDS}"
    r"|\bno\s+vat\s+(?:is\s+)?(?:charged|applied)"
    r"|\bnot\s+(?:vat[\s-]?registered|registered\s+for\s+vat)|\bingen\s+moms\b|\bmomsfri|\bikke\s+momsregistreret",
    re.IGNORECASE,
)
#: What a tax of nought scores that a sentence states rather than a tax label's value.
_STATED_NO_TAX = 0.8


def _no_tax_stated(lines: Sequence[TextLine]) -> int | None:
    """Return the index of the line that states no VAT is charged, or None."""
    return next((line.index for line in lines if _NO_TAX_CHARGED.search(line.text)), None)


def _field_candidates(
    lines: Sequence[TextLine], amount_hits: Sequence[tuple[str, LabelHit]], others: Sequence[LabelHit],
    chosen: set[int], field: str,
) -> list[Candidate[Decimal]]:
    """Return amounts printed where labels of `field` put their value, scored."""
    found = []
    parts: list[Candidate[Decimal]] = []  # per-rate taxes or per-kind nets, one per label
    for hit_field, hit in amount_hits:
        if hit_field != field:
            continue
        depth = lines[hit.cell.line].index / max(len(lines), 1)
        below: list[Candidate[Decimal]] = []
        right: Candidate[Decimal] | None = None
        right_cents = right_closed = False
        for place in value_places(lines, hit, others):
            if field == TAX_TOTAL and place.kind == "inline" and _EXEMPT.match(place.text.lstrip(" ,;")):
                found.append(Candidate(Decimal("0.00"), hit.label.weight, hit.cell.line))
                break  # "TVA non applicable, art. 293 B du CGI": no tax is charged
            if place.kind == "right" and (right_closed or _starts_other_value(place.cell, others, chosen)):
                right_closed = True  # another label ("Excl. VAT | 10,00 | Subtotal | 12,10") starts its value
                continue
            text = _without_ibans(place.text)
            text = strip_ocr_currency(text) if is_ocr(lines[place.cell.line]) else strip_currency(text)
            amounts = find_amounts(text)
            if place.kind == "inline":
                amounts = [a for a in amounts if a.start < 25]
            amounts = [a for a in amounts if not _is_rate(place.text, a) and not _is_identifier(a)
                       and not _is_base(place.text, a)]
            if not amounts:
                continue
            last = amounts[-1]  # amounts columns are on the right
            decimals = 1.0 if last.has_decimals else 0.6
            score = hit.label.weight * place.factor * decimals + 0.1 * depth
            candidate = Candidate(last.value.quantize(CENT) + 0, score, hit.cell.line)
            lost = _lost_decimal_mark(lines[place.cell.line], text, last)
            if lost is not None:
                found.append(Candidate(lost, score * _LOST_MARK, hit.cell.line))
            if place.kind == "inline":
                found.append(candidate)
                break
            if place.kind == "right":
                if right is not None and right_cents and not last.has_decimals:
                    right_closed = True  # a whole number past an amount with cents: another column's
                    continue  # (a side column's postcode, "77773 Hamburg")
                right = candidate if right is None else Candidate(candidate.value, right.score, right.line)
                right_cents = last.has_decimals
                continue
            if right is not None:
                break
            below.append(candidate)
        if right is not None:
            found.append(right)
            if field == NET_TOTAL or (field == TAX_TOTAL and _PERCENT.search(lines[hit.cell.line].text)):
                parts.append(right)
        elif below and field == TAX_TOTAL and _PERCENT.search(hit.cell.text):
            parts.append(below[0])  # a rate's label over its tax, in a band of totals
        found += _sum_row_first(below)
        if field == TAX_TOTAL:
            found += _column_sum(below)
    if len(parts) >= 2:
        # Tax printed per rate only, stacked ("USt. 19 % auf 500,00 | USt. 7 % auf 20,00") or side
        # by side over a row of amounts ("Net | VAT 23% | VAT 8% | Total"), or net per kind
        # ("Positionen netto | Versandkosten netto"): their sum is the total of the field, if the
        # arithmetic agrees.
        total = sum((c.value for c in parts), Decimal(0))
        found.append(Candidate(total, 0.7, parts[-1].line))
    return found


#: An amount read with its decimal mark restored scores this share of the whole number's reading:
#: only adding up with a net and a tax (`choose_totals`) makes it win.
_LOST_MARK = 0.8


def _lost_decimal_mark(line: TextLine, text: str, amount: AmountMatch) -> Decimal | None:
    """Return the amount with the decimal mark OCR lost restored before its last two digits
    ("3233248" for 32332.48), for a bare run of 3 or more digits on an OCR line, else None."""
    printed = text[amount.start : amount.end]
    if amount.has_decimals or not is_ocr(line) or not re.fullmatch(r"\d{3,}", printed):
        return None
    return amount.value.quantize(CENT) / 100


def _without_ibans(text: str) -> str:
    """Return `text` with its IBANs blanked: their groups of digits are no amounts."""
    for m in find_ibans(text):
        text = text[: m.start] + " " * (m.end - m.start) + text[m.end :]
    return text


#: An ungrouped whole number this large is a registration or account number, not an amount.
_IDENTIFIER_FROM = Decimal(10) ** 8


def _is_identifier(amount: AmountMatch) -> bool:
    """Return whether a number printed after an amount label is an identifier ("TVA : ... SIRET :
    99999999800010"): nine or more digits without decimals."""
    return not amount.has_decimals and abs(amount.value) >= _IDENTIFIER_FROM


def _starts_other_value(cell: Cell, others: Sequence[LabelHit], chosen: set[int]) -> bool:
    """Return whether `cell` holds another total's label, or begins with a label of another kind
    ("Service tax #: X1 | Phone: 0123456789")."""
    return any(
        h.cell is cell and (id(h) in chosen or (h.start == 0 and h.field not in ALL_AMOUNT_FIELDS))
        for h in others
    )


def row_sum_candidates(
    lines: Sequence[TextLine], hits: Sequence[LabelHit]
) -> tuple[list[Candidate[Decimal]], list[Candidate[Decimal]], list[Candidate[Decimal]]]:
    """Return total, net and tax read from an item table's sum row ("Total | 1 | 100.00 | 20.00 |
    120.00"): its last amount is the total when two others add up to it, the larger being the net."""
    found: tuple[list[Candidate[Decimal]], ...] = ([], [], [])
    for hit in hits:
        if hit.field != TOTAL or hit.start != 0:
            continue
        line = lines[hit.cell.line]
        cells = [c for c in line.cells if c.x0 > hit.cell.x1]
        if hit.cell.text[hit.end :].strip(" :") or line.cells[0] is not hit.cell:
            continue
        values = [a.value.quantize(CENT) for c in cells for a in find_amounts(strip_currency(c.text))
                  if a.has_decimals and not _PERCENT.search(c.text)]
        if len(values) < 3:
            continue
        total = values[-1]
        for a, b in itertools.combinations(values[:-1], 2):
            if a + b == total and a > 0 and b > 0:
                found[0].append(Candidate(total, 0.5, line.index))
                found[1].append(Candidate(max(a, b), 0.5, line.index))
                found[2].append(Candidate(min(a, b), 0.5, line.index))
                break
    return found[0], found[1], found[2]


def _ends_in_sum_row(below: list[Candidate[Decimal]]) -> bool:
    """Return whether the last of three or more values under a column label adds up the others."""
    return len(below) >= 3 and sum((c.value for c in below[:-1]), Decimal(0)) == below[-1].value


def _column_sum(below: list[Candidate[Decimal]]) -> list[Candidate[Decimal]]:
    """Return the sum of a tax column that prints no sum row, as likely as its best value: a VAT
    summary table's row per rate ("Tax rate | Taxable amount | Tax amount"), whose rows each add
    up by themselves, so only the totals' arithmetic tells the whole tax from one rate's."""
    if len(below) < 2 or _ends_in_sum_row(below):
        return []
    return [Candidate(sum((c.value for c in below), Decimal(0)), max(c.score for c in below), below[-1].line)]


def _sum_row_first(below: list[Candidate[Decimal]]) -> list[Candidate[Decimal]]:
    """Return values under a column label, the last first when it adds up the ones above it."""
    if _ends_in_sum_row(below):
        last = below[-1]
        return [Candidate(last.value, below[0].score + 0.1, last.line), *below[:-1]]
    return below


def _top(candidates: Sequence[Candidate[Decimal]], k: int = 6) -> list[Candidate[Decimal] | None]:
    by_value: dict[Decimal, Candidate[Decimal]] = {}
    for c in candidates:
        if c.value not in by_value or by_value[c.value].score < c.score:
            by_value[c.value] = c
    ranked = sorted(by_value.values(), key=lambda c: -c.score)[:k]
    return [*ranked, None]


def _completing(
    totals: Sequence[Candidate[Decimal]], nets: Sequence[Candidate[Decimal]], taxes: Sequence[Candidate[Decimal]]
) -> list[list[Candidate[Decimal] | None]]:
    """Return each field's best few candidates (`_top`) and, after them, its lesser candidates
    whose amount makes net + tax = total with a net and a tax, a total and a tax, or a total and
    a net among the others' best few: a tax printed as a whole number ("Steuerbetrag in EUR 70")
    ranks below a table of per-rate amounts with cents, yet is the one the totals prove."""
    tops = [_top(c) for c in (totals, nets, taxes)]
    t, n, x = ([c.value for c in top if c is not None] for top in tops)
    wanted = (
        {a + b for a in n for b in x},
        {a - b for a in t for b in x},
        {a - b for a in t for b in n},
    )
    completed = []
    for top, candidates, values in zip(tops, (totals, nets, taxes), wanted):
        have = {c.value for c in top if c is not None}
        more = {c.value: c for c in sorted(candidates, key=lambda c: c.score) if c.value in values - have}
        completed.append([*top[:-1], *more.values(), None])
    return completed


def _score(c: Candidate[Decimal] | None) -> float:
    return 0.0 if c is None else c.score


def _adds_up(
    t: Candidate[Decimal], n: Candidate[Decimal], x: Candidate[Decimal], roundings: Sequence[Decimal]
) -> float:
    """Return the bonus earned when net + tax = total: exactly, or after a printed rounding
    adjustment (then the rounded figure is the amount charged); 0.0 when they do not add up."""
    if _taxed_nothing(n.value, x.value) or _opposite_signs(n.value, x.value):
        return 0.0
    if n.value + x.value == t.value or (n.value == t.value and x.value == 0):
        return CONSISTENT_BONUS
    # Cents of rounding make any two amounts "add up" when one is tiny: the tax must be under the net.
    if not 0 <= x.value < n.value:
        return 0.0
    return ROUNDED_BONUS if any(n.value + x.value + r == t.value for r in roundings) else 0.0


def adds_up(t: Candidate[Decimal], n: Candidate[Decimal], x: Candidate[Decimal], roundings: Sequence[Decimal]) -> bool:
    """Return whether net + tax = total, exactly or after one of the printed `roundings`, for a
    net and tax that can be a pair (see `_adds_up`): the extractor's verdict on its amounts."""
    return _adds_up(t, n, x, roundings) > 0


def choose_totals(
    totals: Sequence[Candidate[Decimal]],
    nets: Sequence[Candidate[Decimal]],
    taxes: Sequence[Candidate[Decimal]],
    roundings: Sequence[Decimal] = (),
) -> Totals:
    """Return the best total/net/tax triple, preferring one where net + tax = total, or where they
    add up to the total after one of the printed rounding adjustments `roundings`. Each field's
    best few candidates are tried, and any other that adds up with two of them (`_completing`)."""
    best: tuple[float, Totals] | None = None
    for t, n, x in itertools.product(*_completing(totals, nets, taxes)):
        consistent, bonus = None, 0.0
        if t is not None and n is not None and x is not None:
            bonus = _adds_up(t, n, x, roundings)
            consistent = bonus > 0
        score = _score(t) + _score(n) + _score(x) + bonus
        # Neither the net nor the tax can be more than the total, but by a rounding down that
        # they add up through (a net of 7.72 without tax, "Rounding -0.02", a total of 7.70).
        rounded_down = bonus == ROUNDED_BONUS
        if t is not None and not rounded_down and any(p is not None and abs(p.value) > abs(t.value) for p in (n, x)):
            score -= 1.0
        # Nor is leaving every total out better than a net or tax that is more than the total.
        if t is None and totals:
            score -= 1.0
        if best is None or score > best[0]:
            best = (score, Totals(t, n, x, consistent))
    assert best is not None
    return best[1]


def fallback_total(lines: Sequence[TextLine]) -> Candidate[Decimal] | None:
    """Return the largest two-decimal amount in the document, as a weak guess at the total."""
    found = [
        Candidate(a.value.quantize(CENT), 0.2, line.index)
        for line in lines
        for a in find_amounts(strip_currency(line.text))
        if a.has_decimals and a.value > 0
    ]
    return max(found, key=lambda c: c.value, default=None)


def printed_amounts(lines: Sequence[TextLine]) -> set[Decimal]:
    """Return every two-decimal amount printed in the document."""
    return {
        a.value.quantize(CENT) for line in lines for a in find_amounts(strip_currency(line.text)) if a.has_decimals
    }


def derived_candidates(
    printed: set[Decimal],
    totals: Sequence[Candidate[Decimal]],
    nets: Sequence[Candidate[Decimal]],
    taxes: Sequence[Candidate[Decimal]],
    roundings: Sequence[Decimal] = (),
    rates: frozenset[Decimal] = frozenset(),
) -> tuple[list[Candidate[Decimal]], list[Candidate[Decimal]], list[Candidate[Decimal]]]:
    """Return total, net and tax candidates for a field no label found, from the other two: the
    amount they add up to, when it is printed ("Due payable: 120.00" beside net and VAT totals),
    or, for a net or a tax, when the tax is the net at one of the printed `rates` (which mends a
    net or a tax OCR misread: "18, 284.52" read as 284.52). A total may be the rounded one: net
    and tax are then worked out from it less its rounding. `printed` is every amount the
    document prints (`printed_amounts`) and any other amount the page proves."""
    extra: tuple[list[Candidate[Decimal]], ...] = ([], [], [])
    shifts = (Decimal(0), *roundings)
    pairs = (
        (0, nets, taxes, lambda n, x, r: n + x + r),
        (1, totals, taxes, lambda t, x, r: t - r - x),
        (2, totals, nets, lambda t, n, r: t - r - n),
    )
    extra[0].extend(_under_misread_mark(totals, nets, taxes, printed))
    for slot, first, second, combine in pairs:
        # A labelled total stands (the amount payable may differ from net + tax: prepayments,
        # adjustments); a labelled net or tax that adds up to no total may be mislabelled.
        labelled = bool((totals, nets, taxes)[slot])
        if labelled and (slot == 0 or _adds_up_any(totals, nets, taxes, shifts)):
            continue
        for a, b in itertools.product(_top(first)[:-1], _top(second)[:-1]):
            assert a is not None and b is not None
            if labelled and b.value == 0:
                continue  # a total less a zero is that total again: no evidence against the label
            for shift in shifts:
                value = combine(a.value, b.value, shift)
                rated = (slot == 1 and _at_a_rate(value, b.value, rates)) or (slot == 2 and _at_a_rate(b.value, value, rates))
                if slot == 2 and _opposite_signs(b.value, value):
                    continue  # the total less a net above it: a discount, not a tax
                if value != 0 and (value in printed or rated or _unsigned_in_credit(value, a.value, b.value, printed)):
                    extra[slot].append(Candidate(value, 0.5 * min(a.score, b.score), max(a.line, b.line)))
                    break
    return extra[0], extra[1], extra[2]


def _under_misread_mark(
    totals: Sequence[Candidate[Decimal]], nets: Sequence[Candidate[Decimal]], taxes: Sequence[Candidate[Decimal]],
    printed: set[Decimal],
) -> list[Candidate[Decimal]]:
    """Return net + tax where a labelled total reads as that sum with one or two digits before it:
    a currency's mark OCR read as digits and glued to the amount ("zł 7,727.71" read "217,727.71"),
    whose groups of three still look right. Not where the difference is printed too (a charge of
    10,000.00 beside net and tax). The sum is taken at the total's score, a little less."""
    found = []
    for t, n, x in itertools.product(_top(totals)[:-1], _top(nets)[:-1], _top(taxes)[:-1]):
        assert t is not None and n is not None and x is not None
        value = n.value + x.value
        if value <= 0 or t.value <= value or _taxed_nothing(n.value, x.value) or _opposite_signs(n.value, x.value):
            continue
        if t.value - value in printed:
            continue
        read, summed = f"{t.value:.2f}", f"{value:.2f}"
        if read.endswith(summed) and len(read) - len(summed) <= 2:
            found.append(Candidate(value, 0.9 * t.score, t.line))
    return found


#: A tax rate as printed beside a tax's label ("VAT 23%", "USt. 19,0 %").
_RATE = re.compile(r"(?<![\d.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")


def printed_rates(lines: Sequence[TextLine], hits: Sequence[LabelHit]) -> frozenset[Decimal]:
    """Return the tax rates printed on the lines of tax labels, as fractions (0.23 for "23%")."""
    return frozenset(
        Decimal(m.group(1).replace(",", ".")) / 100
        for hit in hits if hit.field == TAX_TOTAL
        for m in _RATE.finditer(lines[hit.cell.line].text)
    ) - {Decimal(0)}


def per_rate_sum(lines: Sequence[TextLine]) -> Decimal | None:
    """Return the sum of the amounts on the lines that print a rate and one amount with cents
    beside it ("inkl. 17% MwSt. | 280,65", "inkl. 3% MwSt. | 18,89"), two such lines or more: the
    taxes per rate, whatever their label says (OCR may have misread it, "MwSı."). An item's row,
    of several amounts, is none of them."""
    found = []
    for line in lines:
        rates = list(_RATE.finditer(line.text))
        if len(rates) != 1:
            continue
        amounts = [a for a in find_amounts(line.text) if a.has_decimals and not rates[0].start() <= a.start < rates[0].end()]
        if len(amounts) == 1:
            found.append(amounts[0].value)
    return sum(found, Decimal(0)) if len(found) >= 2 else None


def without_lost_marks(
    totals: Sequence[Candidate[Decimal]], nets: Sequence[Candidate[Decimal]], taxes: Sequence[Candidate[Decimal]],
    rates: frozenset[Decimal],
) -> tuple[list[Candidate[Decimal]], list[Candidate[Decimal]]]:
    """Return the totals and nets without the readings of a total whose decimal mark OCR lost
    ("12399" for 123.99, `_lost_decimal_mark`), where a printed tax is the restored total's tax at
    a printed rate and not the whole number's ("VAT 8.1% INCL 9.29"): that whole number, and the
    net it less the tax would give, are no amounts of the page."""
    lost: set[Decimal] = set()
    for restored in totals:
        whole = restored.value * 100
        if not restored.value or not any(t.value == whole and t.line == restored.line for t in totals):
            continue
        for tax in taxes:  # each total less the tax is its net, at a rate or not
            if _at_a_rate(restored.value - tax.value, tax.value, rates) and not _at_a_rate(whole - tax.value, tax.value, rates):
                lost |= {whole, whole - tax.value}
    if not lost:
        return list(totals), list(nets)
    return [c for c in totals if c.value not in lost], [c for c in nets if c.value not in lost]


def _at_a_rate(net: Decimal, tax: Decimal, rates: frozenset[Decimal]) -> bool:
    """Return whether `tax` is `net` at one of `rates`, to the cent."""
    return net > 0 and any(abs(net * rate - tax) <= CENT for rate in rates)


# A tax the page says is included in the amounts before it ("VAT 20% incl.", "inkl. MwSt.",
# "dont TVA", "heraf moms"): a subtotal equal to the total is then gross, not net.
_TAX_INCLUDED = re.compile(
    r"\b(?:incl|inkl|including|inklusive|included|enthalten\w*|dont|inclus\w*|heraf|herav|varav"
    r"|indeholdt|inkluderet)\b"
)


def gross_subtotal_nets(
    lines: Sequence[TextLine],
    totals: Sequence[Candidate[Decimal]],
    nets: Sequence[Candidate[Decimal]],
    taxes: Sequence[Candidate[Decimal]],
) -> list[Candidate[Decimal]]:
    """Return the net of a labelled net that equals a total while a tax is printed as included
    in it ("SUBTOTAL 127.26 | VAT 20% INCL 21.21 | TOTAL 127.26"): the total less that tax, scored
    as the label's own reading was."""
    included = [x for x in taxes if 0 < x.value and _TAX_INCLUDED.search(lines[x.line].folded)]
    return [
        Candidate(n.value - x.value, n.score, n.line)
        for n in nets
        for x in included
        if x.value < n.value and any(t.value == n.value for t in totals)
    ]


def _unsigned_in_credit(value: Decimal, a: Decimal, b: Decimal, printed: set[Decimal]) -> bool:
    """Return whether `value`, worked out from two negative amounts (a credit note's), is printed
    without its sign ("Total HT -218,48 | Taxes 14,99 | Total TTC -233,47")."""
    return a < 0 and b < 0 and value < 0 and -value in printed


def _adds_up_any(
    totals: Sequence[Candidate[Decimal]],
    nets: Sequence[Candidate[Decimal]],
    taxes: Sequence[Candidate[Decimal]],
    shifts: Sequence[Decimal],
) -> bool:
    """Return whether some labelled total, net and tax add up (then nothing need be derived)."""
    return any(
        n.value + x.value + r == t.value and not _taxed_nothing(n.value, x.value)
        for t, n, x in itertools.product(totals, nets, taxes)
        for r in shifts
    )


def _taxed_nothing(net: Decimal, tax: Decimal) -> bool:
    """Return whether the pair is a tax on a net of nothing: a zero read as the net (a rounding
    or change line) makes any tax "add up" to itself as the total."""
    return net == 0 and tax != 0


def _opposite_signs(net: Decimal, tax: Decimal) -> bool:
    """Return whether the tax has the other sign than the net: a discount or a deduction
    ("Discount 3% -77.85" under the items' sum) makes its "net" less it add up, but a tax is
    charged on the net, so it has the net's sign (both negative on a credit note)."""
    return net * tax < 0


ALL_AMOUNT_FIELDS = (TOTAL, NET_TOTAL, TAX_TOTAL)
