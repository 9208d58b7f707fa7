"""MISO times: Eastern Standard Time all year (UTC-5, no daylight saving)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

from .values import InvalidValue, describe

EST = timezone(timedelta(hours=-5), "EST")

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# The RefId form, e.g. "02-Oct-2026 - Interval 16:45 EST".
_INTERVAL = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\s*-\s*Interval\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*EST",
    re.ASCII | re.IGNORECASE,
)
# "2026-10-02 4:45:00 PM" (fuel mix) and "10/02/2026 4:45:00 PM EST" (Snapshot).
_DASHED_12H = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)",
    re.ASCII | re.IGNORECASE,
)
_SLASHED_12H = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)(?:\s*EST)?",
    re.ASCII | re.IGNORECASE,
)
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)
_HOUR = re.compile(r"(?:HE|Hour)?\s*(\d{1,2})(?::00(?::00)?)?", re.ASCII | re.IGNORECASE)


def is_interval_ref(text: Any) -> bool:
    """Whether ``text`` is in MISO's ``DD-Mon-YYYY - Interval HH:MM EST`` form."""
    return isinstance(text, str) and _INTERVAL.fullmatch(text.strip()) is not None


def parse_est(text: Any) -> datetime:
    """An aware UTC datetime from a MISO time.

    Accepts ISO 8601 without an offset (read as EST), ISO 8601 with an offset or ``Z``,
    the RefId form ``02-Oct-2026 - Interval 16:45 EST``, and MISO's 12-hour forms
    ``2026-10-02 4:45:00 PM`` and ``10/02/2026 4:45:00 PM EST`` (read as EST).
    """
    if not isinstance(text, str):
        raise InvalidValue(f"expected a time string, got {describe(text)}")
    stripped = text.strip()
    try:
        match = _INTERVAL.fullmatch(stripped)
        if match:
            day, month, year, hour, minute, second = match.groups()
            if month.lower() not in _MONTHS:
                raise ValueError(month)
            moment = datetime(
                int(year), _MONTHS[month.lower()], int(day),
                int(hour), int(minute), int(second or 0), tzinfo=EST,
            )
        elif twelve := _twelve_hour(stripped):
            moment = twelve
        else:
            moment = datetime.fromisoformat(stripped)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=EST)
        # Out-of-range offsets near year 1 or 9999 overflow here.
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidValue(
            f"{describe(text)} is not a MISO time "
            "(ISO 8601, or 'DD-Mon-YYYY - Interval HH:MM EST')"
        ) from None


def _twelve_hour(text: str) -> datetime | None:
    """A 12-hour MISO time on the EST clock, or None when ``text`` is in neither form;
    raises ``ValueError`` for a form with impossible fields (13 PM, February 30)."""
    if match := _DASHED_12H.fullmatch(text):
        year, month, day, hour, minute, second, half = match.groups()
    elif match := _SLASHED_12H.fullmatch(text):
        month, day, year, hour, minute, second, half = match.groups()
    else:
        return None
    clock = int(hour)
    if not 1 <= clock <= 12:
        raise ValueError(hour)
    clock = clock % 12 + (12 if half.upper() == "PM" else 0)
    return datetime(int(year), int(month), int(day), clock, int(minute), int(second or 0),
                    tzinfo=EST)


def parse_clock(text: Any) -> time:
    """A time of day from ``HH:MM`` or ``HH:MM:SS`` (the five-minute load rows)."""
    match = _CLOCK.fullmatch(text.strip()) if isinstance(text, str) else None
    try:
        if match:
            hour, minute, second = match.groups()
            return time(int(hour), int(minute), int(second or 0))
    except ValueError:
        pass
    raise InvalidValue(f"{describe(text)} is not a time of day (HH:MM or HH:MM:SS)")


# A time of day that parse_clock surely takes: hours 0-23, minutes and seconds 0-59.
_VALID_CLOCK = re.compile(r"\s*(?:[01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?\s*")


def all_clocks(values: list[Any]) -> bool:
    """Whether :func:`parse_clock` surely takes every value (``False`` proves nothing)."""
    return all(type(value) is str for value in values) and all(
        map(_VALID_CLOCK.fullmatch, values)
    )


def parse_hour(value: Any) -> int:
    """An hour 0-24 from ``7``, ``"7"``, ``"07:00"``, ``"HE 7"`` and the like."""
    hour: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        hour = value
    elif isinstance(value, str) and (match := _HOUR.fullmatch(value.strip())):
        hour = int(match.group(1))
    if hour is None or not 0 <= hour <= 24:
        raise InvalidValue(f"{describe(value)} is not an hour (0-24 or HH:00)")
    return hour


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix, e.g. ``2025-12-05T10:00:00Z``."""
    return to_utc(moment).isoformat().replace("+00:00", "Z")
