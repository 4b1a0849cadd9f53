"""The one Jinja2 mechanism for every text the product writes: invoice HTML, mails, reminders.

Templates are looked up by name in the user's folder first (the `INVOICEBOT_TEMPLATES_DIR`
setting), then in the packaged `templates/`, so a user overrides any template by putting a file
of the same name in their folder. Undefined variables are errors (`StrictUndefined`): a template
that names a value the caller does not give fails loudly instead of printing nothing. HTML and
XML are autoescaped, because every value comes from customers and users; `.txt` is not.

Numbers, amounts, dates and percentages are formatted by babel for the language in the
template's context (`language`: en, de, fr or da), or the one passed to the filter.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as babel_percent

import templates

LANGUAGES = ("en", "de", "fr", "da")
#: The babel locale of each language. English is written for European customers: day-first dates.
LOCALES = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "da": "da_DK"}
PACKAGED = Path(templates.__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def locale_of(language: str) -> str:
    """Return the babel locale of `language` (one of `LANGUAGES`); raise ValueError otherwise."""
    try:
        return LOCALES[language]
    except KeyError:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}") from None


def format_money(value: Decimal, currency: str, language: str) -> str:
    """Return the amount with its currency as the language writes it ("1.190,00 €", "€1,190.00")."""
    return format_currency(value, currency, locale=locale_of(language))


def format_amount(value: Decimal, language: str) -> str:
    """Return the amount with two decimals and the language's grouping, without currency."""
    return format_decimal(value, format="#,##0.00", locale=locale_of(language))


def format_number(value: Decimal, language: str) -> str:
    """Return a quantity with the decimals it has ("1,5" in de)."""
    return format_decimal(value, locale=locale_of(language), decimal_quantization=False)


def format_price(value: Decimal, language: str) -> str:
    """Return a unit price: two decimals, more only where the price has them (up to four)."""
    return format_decimal(value, format="#,##0.00##", locale=locale_of(language))


def format_percent(value: Decimal, language: str) -> str:
    """Return a rate given in percent (19 -> "19 %" in de, "19%" in en), keeping its decimals."""
    return babel_percent(Decimal(value) / 100, locale=locale_of(language), decimal_quantization=False)


def format_day(value: dt.date, language: str, style: str = "medium") -> str:
    """Return the date as the language writes it: "medium" (05.01.2025, 5 Jan 2025) or "short"."""
    return format_date(value, style, locale=locale_of(language))


def fill(text: str, **values: str) -> str:
    """Return a text with its {placeholders} replaced by `values`; unknown ones stay as written.

    A plain substitution, not `str.format`: a label written by a user cannot reach into the
    values' attributes.
    """
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def _filter(function: Callable[..., str]) -> Callable[..., str]:
    """Return `function` as a filter that takes the language from the template's `language`."""

    @jinja2.pass_context
    def apply(context: jinja2.runtime.Context, value: Any, *args: Any, language: str | None = None) -> str:
        return function(value, *args, language=language or context["language"])

    return apply


def _day_filter(context: jinja2.runtime.Context, value: dt.date, style: str = "medium",
                language: str | None = None) -> str:  # fmt: skip
    return format_day(value, language or context["language"], style)


FILTERS = {
    "money": _filter(format_money), "amount": _filter(format_amount), "number": _filter(format_number),
    "price": _filter(format_price), "percent": _filter(format_percent),
    "date": jinja2.pass_context(_day_filter), "fill": fill,
}  # fmt: skip


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """Return the environment over `templates_dir` in front of the packaged templates.

    Built once per folder and kept: parsing and compiling templates costs more than rendering.
    """
    return _environment(None if templates_dir is None else Path(templates_dir).resolve())


@functools.lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def localized(env: jinja2.Environment, stem: str, language: str, suffix: str) -> jinja2.Template:
    """Return `<stem>.<language><suffix>` ("mail/reminder.de.txt"), or the English one without it."""
    return env.select_template([f"{stem}.{language}{suffix}", f"{stem}.en{suffix}"])


def render(name: str, context: dict[str, Any], templates_dir: Path | None = None) -> str:
    """Return the template `name` rendered with `context`."""
    return environment(templates_dir).get_template(name).render(context)


def source(name: str, templates_dir: Path | None = None) -> tuple[str, Path]:
    """Return the text of a template file (a stylesheet, a table of labels) and where it was found."""
    env = environment(templates_dir)
    text, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    return text, Path(filename) if filename else PACKAGED / name


def folders(templates_dir: Path | None = None) -> tuple[Path, ...]:
    """Return the folders templates are looked up in, the user's first."""
    return (PACKAGED,) if templates_dir is None else (Path(templates_dir).resolve(), PACKAGED)
