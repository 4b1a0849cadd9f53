"""vCard files (2.1, 3.0, 4.0) read into cards of properties, each card with the line it starts on.

Pure: text in, `Card`s out. Folded lines are unfolded, quoted-printable values (vCard 2.1, as
Outlook writes them) decoded in the charset they name, and bare 2.1 parameters (`ADR;WORK:`)
read as types. Values stay escaped until `Property.text` or `Property.components` reads them.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass

#: Lines end in CRLF by the standard, in LF or CR in practice.
_LINE_END = re.compile(r"\r\n|\r|\n")
_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}


@dataclass(frozen=True, slots=True)
class Property:
    #: Upper case, without its group ("item1.EMAIL" -> "EMAIL").
    name: str
    #: Upper-case parameter names -> their values; bare 2.1 parameters are under "TYPE".
    params: tuple[tuple[str, tuple[str, ...]], ...]
    #: The value, quoted-printable decoded, still escaped.
    value: str

    def param(self, name: str) -> tuple[str, ...]:
        """Return the values of the parameter `name` (upper case), or () when it is absent."""
        return next((values for key, values in self.params if key == name), ())

    def types(self) -> set[str]:
        """Return the property's types in lower case ("work", "pref", "internet")."""
        return {t.lower() for value in self.param("TYPE") for t in value.split(",")}

    def is_preferred(self) -> bool:
        return "pref" in self.types() or bool(self.param("PREF"))

    def text(self) -> str:
        """Return the value unescaped ("a\\, b" -> "a, b")."""
        return unescape(self.value).strip()

    def components(self) -> list[str]:
        """Return the `;`-separated parts of a structured value (ADR, N, ORG), unescaped."""
        return [unescape(part).strip() for part in _split_unescaped(self.value, ";")]

    def component_lists(self) -> list[list[str]]:
        """Return each part of a structured value as its `,`-separated values (3.0 and 4.0), unescaped."""
        return [[unescape(v).strip() for v in _split_unescaped(part, ",")] for part in _split_unescaped(self.value, ";")]


@dataclass(frozen=True, slots=True)
class Card:
    #: The line of BEGIN:VCARD in the file (the first line is 1).
    line: int
    properties: tuple[Property, ...]
    #: Why the card cannot be trusted (no END:VCARD), or None.
    error: str | None = None

    def all(self, name: str) -> list[Property]:
        return [p for p in self.properties if p.name == name]

    def best(self, name: str, *prefer: str) -> Property | None:
        """Return the preferred `name` property: marked pref, else of a type in `prefer`, else the first."""
        found = self.all(name)
        for wanted in (lambda p: p.is_preferred(), lambda p: bool(p.types() & set(prefer))):
            chosen = next((p for p in found if wanted(p)), None)
            if chosen is not None:
                return chosen
        return found[0] if found else None

    @property
    def version(self) -> str:
        found = self.all("VERSION")
        return found[0].value.strip() if found else "3.0"


def unescape(value: str) -> str:
    """Return `value` with the vCard escapes (`\\n`, `\\,`, `\\;`, `\\\\`) resolved."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), value)


def _split_unescaped(value: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def looks_like_vcard(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n")[:11].upper() == "BEGIN:VCARD"


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Return (first line number, content line) with folded and soft-broken lines joined."""
    joined: list[tuple[int, str]] = []
    for number, raw in enumerate(_LINE_END.split(text), start=1):
        if joined and raw[:1] in (" ", "\t"):
            joined[-1] = (joined[-1][0], joined[-1][1] + raw[1:])
        elif joined and _soft_break(joined[-1][1]):
            joined[-1] = (joined[-1][0], joined[-1][1][:-1] + raw)
        elif raw.strip():
            joined.append((number, raw))
    return joined


def _soft_break(line: str) -> bool:
    """Say whether a quoted-printable value goes on to the next line (it ends with "=")."""
    head, colon, value = line.partition(":")
    return bool(colon) and "QUOTED-PRINTABLE" in head.upper() and value.endswith("=")


def parse_property(line: str) -> Property | None:
    """Return the property a content line holds, or None when it has no "name:value" shape."""
    head, value = _split_head(line)
    if head is None:
        return None
    name, *raw_params = _split_quoted(head, ";")
    params: list[tuple[str, tuple[str, ...]]] = []
    for raw in raw_params:
        key, eq, values = raw.partition("=")
        if not eq:
            key, values = "TYPE", key
        params.append((key.strip().upper(), tuple(v.strip().strip('"') for v in _split_quoted(values, ","))))
    prop = Property(name.rpartition(".")[2].strip().upper(), tuple(params), value)
    if any(v.upper() == "QUOTED-PRINTABLE" for v in prop.param("ENCODING")):
        prop = Property(prop.name, prop.params, _decode_quoted_printable(value, prop.param("CHARSET")))
    return prop


def _split_head(line: str) -> tuple[str | None, str]:
    """Split at the first colon outside double quotes (a parameter value may hold one)."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:i], line[i + 1 :]
    return None, line


def _split_quoted(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], [], False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _decode_quoted_printable(value: str, charset: tuple[str, ...]) -> str:
    raw = quopri.decodestring(value.encode("latin-1", errors="replace"))
    for encoding in (*charset[:1], "utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")


def read_cards(text: str) -> list[Card]:
    """Return the cards in a vCard file, in order; a card missing its END:VCARD carries an error."""
    cards: list[Card] = []
    start: int | None = None
    properties: list[Property] = []
    for number, line in _logical_lines(text):
        prop = parse_property(line)
        if prop is None:
            continue
        if prop.name == "BEGIN" and prop.value.strip().upper() == "VCARD":
            if start is not None:
                cards.append(Card(start, tuple(properties), "no END:VCARD before the next card"))
            start, properties = number, []
        elif prop.name == "END" and prop.value.strip().upper() == "VCARD" and start is not None:
            cards.append(Card(start, tuple(properties)))
            start = None
        elif start is not None:
            properties.append(prop)
    if start is not None:
        cards.append(Card(start, tuple(properties), "no END:VCARD at the end of the file"))
    return cards
