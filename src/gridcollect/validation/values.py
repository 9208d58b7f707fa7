"""The error every parser raises, and short descriptions of arbitrary JSON values."""

from __future__ import annotations

from typing import Any

from ..largejson import LazyArray

_MAX_TEXT = 40
_MAX_KEYS = 5


class InvalidValue(ValueError):
    """A value a rule cannot accept; the message names the value and why."""


def describe(value: Any) -> str:
    """A short, safe rendering of any JSON value for messages (never huge, never recursive)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # str() of a huge int is slow and may hit Python's digit limit.
        bits = value.bit_length()
        return str(value) if bits <= 64 else f"an integer of {bits} bits"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if len(value) > _MAX_TEXT:
            return repr(value[:_MAX_TEXT]) + "..."
        return repr(value)
    if isinstance(value, list | LazyArray):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        if not value:
            return "an empty object"
        names = ", ".join(describe(key) for key in list(value)[:_MAX_KEYS])
        more = ", ..." if len(value) > _MAX_KEYS else ""
        return f"an object with keys {names}{more}"
    return f"a {type(value).__name__}"
