"""Numbers as MISO sends them: JSON numbers, or strings that may carry thousands separators."""

from __future__ import annotations

import math
import re
from typing import Any

from .values import InvalidValue, describe

# Plain decimal syntax with optional, correctly grouped thousands separators. Stricter than
# float(), which would also take "nan", "inf", "1_000" and non-ASCII digits.
_NUMERIC = re.compile(
    r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?",
    re.ASCII,
)


def parse_number(value: Any) -> float:
    """A finite float from an int, a float or a numeric string such as ``" 1,234.5 "``.

    Raises :class:`InvalidValue` for booleans, NaN, infinities, empty strings and
    anything else, with a message naming the value.
    """
    if isinstance(value, bool):
        raise InvalidValue(f"{describe(value)} is a boolean, not a number")
    if isinstance(value, int):
        try:
            number = float(value)
        except OverflowError:
            raise InvalidValue(f"{describe(value)} is out of range") from None
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvalidValue(f"{describe(value)} is empty, not a number")
        if not _NUMERIC.fullmatch(text):
            raise InvalidValue(f"{describe(value)} is not a number")
        number = float(text.replace(",", ""))
    else:
        raise InvalidValue(f"expected a number, got {describe(value)}")
    if not math.isfinite(number):
        raise InvalidValue(f"{describe(value)} is not a finite number")
    return number


# The common case of a MW value, written so that a match is sure to parse as a finite,
# non-negative number (at most 300 digits: float() of a longer one can be infinite).
_PLAIN_MW = re.compile(
    r"\s*\+?(?:[0-9]{1,3}(?:,[0-9]{3}){1,99}|[0-9]{1,300})(?:\.[0-9]{0,300})?\s*"
)
_MAX_INT = 10**300


def all_plain_mw(values: list[Any]) -> bool:
    """Whether :func:`parse_number` surely takes every value as a non-negative number.

    A quick check for whole columns: ``False`` proves nothing, so the caller then
    checks value by value; ``True`` is never wrong.
    """
    if all(type(value) is str for value in values):
        return all(map(_PLAIN_MW.fullmatch, values))
    return all(_plain_mw(value) for value in values)


def _plain_mw(value: Any) -> bool:
    if type(value) is str:
        return _PLAIN_MW.fullmatch(value) is not None
    if type(value) is int:
        return 0 <= value <= _MAX_INT
    return type(value) is float and 0 <= value < math.inf


def format_number(number: float) -> str:
    """``80000`` rather than ``80000.0``; other values as Python prints them."""
    if math.isfinite(number) and number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)
