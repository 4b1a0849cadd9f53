"""Frozen values as JSON and back: what an issued invoice said is kept exactly as it was issued.

Works for the domain's frozen dataclasses (`document.InvoiceDocument` and everything in it):
Decimals and dates become strings, enums their values, tuples lists; reading follows the type
hints, so a field added later with a default still reads old snapshots.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(value: Any) -> Any:
    """Return `value` (a dataclass, or what one holds) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def from_json(kind: type[T], data: Any) -> T:
    """Return the `kind` value that `to_json` wrote as `data`."""
    return _read(kind, data)  # type: ignore[no-any-return]


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _read(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if data is None else _read(options[0], data)
    if data is None:
        return None
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_read(item, v) for v in data)
    if origin is list:
        return [_read(typing.get_args(kind)[0], v) for v in data]
    if origin is dict:
        return dict(data)
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        known = {f.name for f in dataclasses.fields(kind)}
        return kind(**{name: _read(hints[name], value) for name, value in data.items() if name in known})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind is Decimal:
        return Decimal(str(data))
    if kind is dt.date:
        return dt.date.fromisoformat(data)
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(data)
    return data
