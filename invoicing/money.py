"""Money rules in one place: rounding and the quantum of amounts. Pure."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def quantize(value: Decimal, places: int = 2) -> Decimal:
    """Return `value` rounded half-up (commercial rounding) to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def quantize_or_none(value: Decimal | None, places: int = 2) -> Decimal | None:
    return None if value is None else quantize(value, places)


def parse_amount(text: str) -> Decimal:
    """Return the amount in a plain decimal string such as "1234.50" or "-8.79" (no grouping)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as e:
        raise ValueError(f"not an amount: {text!r}") from e
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    return value
