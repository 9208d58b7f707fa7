"""Compact JSON bytes of decoded payloads: the standard library's output, made fast.

The digest is defined by the standard library's encoder (compact separators, UTF-8, keys
sorted): that definition must not change under a deployment that runs for months, or
every snapshot would be stored again once. orjson writes the same bytes ten times faster
except for some floats (``1e-05`` is ``0.00001`` there, ``2.5e-07`` is ``2.5e-7``, and
older releases wrote ``1e16`` for ``1e+16``), integers beyond 64 bits and strings that
are not valid UTF-8. So orjson writes first, and any output in which a number could be
formatted differently is written again by the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

# An exponent: "e" then a sign or digit. A float's has a digit right before it; inside a
# string it is only a false alarm, which costs the slower encoder, never a different byte.
_EXPONENT = re.compile(rb"e[-+0-9]")
_DIGITS = frozenset(b"0123456789")

_STDLIB = {
    sort_keys: json.JSONEncoder(
        ensure_ascii=False, allow_nan=False, sort_keys=sort_keys, separators=(",", ":")
    ).encode
    for sort_keys in (False, True)
}


def standard_encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """The standard library's encoder that defines these bytes (as text), built once."""
    return _STDLIB[sort_keys]


def dumps(value: Any, *, sort_keys: bool) -> bytes:
    """``json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`` as UTF-8, byte for byte.

    Raises :class:`ValueError` for what has no JSON form (NaN, a lone surrogate).
    """
    try:
        out = orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except TypeError:
        out = None  # a big integer or a lone surrogate: the standard library decides
    if out is None or b"null" in out or b"0.0000" in out or _has_exponent(out):
        return _STDLIB[sort_keys](value).encode("utf-8")
    return out


def _has_exponent(out: bytes) -> bool:
    """Whether ``out`` may hold a float in exponent form (how orjson writes small floats
    otherwise is ``0.0000...``, checked by the caller)."""
    return any(out[found.start() - 1] in _DIGITS for found in _EXPONENT.finditer(out, 1))


__all__ = ["dumps", "standard_encoder"]
