"""Shared checks the dataset validators are built from.

Numbers (:func:`parse_number`), MISO times (:func:`parse_est` and friends) and the
:class:`Checker` that collects failures and warnings with the path of each offending value.
"""

from .checker import MAX_MESSAGES, UNRECOGNISED, Checker, at, never_raises, unrecognised
from .numbers import all_plain_mw, format_number, parse_number
from .times import (
    EST,
    all_clocks,
    is_interval_ref,
    parse_clock,
    parse_est,
    parse_hour,
    to_utc,
    utc_iso,
)
from .values import InvalidValue, describe

__all__ = [
    "EST",
    "MAX_MESSAGES",
    "UNRECOGNISED",
    "Checker",
    "InvalidValue",
    "all_clocks",
    "all_plain_mw",
    "at",
    "describe",
    "format_number",
    "is_interval_ref",
    "never_raises",
    "parse_clock",
    "parse_est",
    "parse_hour",
    "parse_number",
    "to_utc",
    "unrecognised",
    "utc_iso",
]
