"""How a wire value is read: the field kinds of a declaration (numbers as MISO sends them,
its EST times, clock and hour-ending labels, text, flags) and what counts as no value."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...validation import InvalidValue, describe, parse_clock, parse_est, parse_hour, parse_number

ABSENT = ("", "None")
"""Strings MISO sends for "no value" (besides ``null``)."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"expected text, got {describe(value)}")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1"):
        return value in (1, "1")
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidValue(f"{describe(value)} is not a flag (0/1, true/false)")


def _hour(value: Any) -> int:
    hour = parse_hour(value)
    if hour == 0:
        raise InvalidValue(f"{describe(value)} is not an hour ending (1-24)")
    return hour


@dataclass(frozen=True, slots=True)
class Kind:
    """How a wire value is read: ``parse`` raises ``InvalidValue``; ``rule`` names the
    failure; ``column`` is the column kind it exports as (``None``: labels only);
    ``absent``: the strings that mean no value (besides ``null``), e.g. only ``""`` for a
    name that may really be ``"None"``."""

    name: str
    parse: Callable[[Any], Any]
    rule: str
    column: str | None
    absent: tuple[str, ...] = ABSENT


NUMBER = Kind("number", parse_number, "must be numeric", "number")
"""A finite number; also a string, with thousands separators (``"25,287"``)."""
@functools.lru_cache(maxsize=1024)
def _time(value: str) -> datetime:
    return parse_est(value)


def _cached_time(value: Any) -> datetime:
    # Thousands of rows repeat one label: read each distinct one once.
    return _time(value) if isinstance(value, str) else parse_est(value)


TIME = Kind("time", _cached_time, "must be a time", "time")
"""A MISO instant on the EST clock, in any of its formats (see ``parse_est``)."""
CLOCK = Kind("clock", parse_clock, "must be a time of day", None)
"""``HH:MM`` on the EST clock; the day is the as-of instant's (nearest such day)."""
HOUR = Kind("hour", _hour, "must be an hour ending", None)
"""``17`` or ``HE 17``: the hour ending 17:00 EST of the as-of instant's day."""
TEXT = Kind("text", _text, "must be text", "text")
FLAG = Kind("flag", _flag, "must be a flag", "flag")
KINDS = (NUMBER, TIME, CLOCK, HOUR, TEXT, FLAG)


def _amount(value: Any) -> float:
    if isinstance(value, str) and value.strip().startswith("$"):
        return parse_number(value.strip()[1:])
    return parse_number(value)


AMOUNT = Kind("amount", _amount, "must be numeric", "number")
"""A :data:`NUMBER` that may carry a leading ``$`` (``"$36.32"``, MISO's ``Snapshot``)."""


def is_absent(value: Any, absent: tuple[str, ...] = ABSENT) -> bool:
    """``null``, ``""``, ``"None"`` (and blank strings): no value; ``absent`` replaces
    the strings."""
    return value is None or (isinstance(value, str) and value.strip() in absent)


def read(kind: Kind, value: Any) -> Any:
    """``value`` read as ``kind`` (``None`` when absent); ``InvalidValue`` when unreadable."""
    return None if is_absent(value, kind.absent) else kind.parse(value)
