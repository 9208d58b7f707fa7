"""Tidy rows of the real-time total load: one per (series, interval), from either shape;
and what the validator shares with them: the arrays, the one-key row wrapper, the hour
field found by its meaning.

Row times carry no date, so they are placed on the operating day of ``RefId`` and read
on RefId's own clock: EST for the wire's ``Interval 16:45 EST``, the given offset for an
ISO RefId. Five-minute rows are labelled by the minute their interval starts. Hour labels
are hour-ending numbers (``"1"`` ... ``"24"``, MISO's convention) unless the column's name
says "beginning", or the label is a clock time under a name that does not say "ending"
(the documented ``{"Hour": "12:00"}``). The documented forecast covers the 24 hours after
RefId, so its clock labels wrap past midnight into the next day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

from ...model import Column, Row, Table, TableContext
from ...validation import (
    EST,
    InvalidValue,
    at,
    is_interval_ref,
    parse_clock,
    parse_est,
    parse_hour,
    parse_number,
)
from .tables import INTERVAL_COLUMNS, field, interval

# Array name -> (the field labelling a row, the MW field). The label of the hourly arrays
# is an hour whose key MISO renames, so it is looked up by meaning (see hour_key).
ARRAYS = {
    "ClearedMW": ("Hour", "Value"),
    "MediumTermLoadForecast": ("HourEnding", "LoadForecast"),
    "FiveMinTotalLoad": ("Time", "Value"),
}
# Keys such as Hour, HourEnding, Hour_Ending, HE, HR, HE_EST, MarketHourEnding, once
# lower-cased and stripped of everything but letters and digits. Not "...Hourly": that
# names a row wrapper, not an hour.
HOURISH = re.compile(
    r"hour(?!ly)\w*|\w*hour(?:ending|beginning)|(?:he|hr|hb)(?:est|ending|beginning)?", re.ASCII
)
SERIES = {
    "FiveMinTotalLoad": "load_5min",
    "ClearedMW": "cleared_mw_hourly",
    "MediumTermLoadForecast": "forecast_mtlf_hourly",
}
FIVE_MINUTES = timedelta(minutes=5)
HOUR = timedelta(hours=1)

COLUMNS = (
    *INTERVAL_COLUMNS,
    Column(
        "series", "text", "",
        "load_5min: actual five-minute load (FiveMinTotalLoad); cleared_mw_hourly: hourly "
        "cleared MW (ClearedMW); forecast_mtlf_hourly: hourly medium-term load forecast "
        "(MediumTermLoadForecast).",
    ),
    Column("mw", "number", "MW", "The series' value for the interval."),
)


def as_of(payload: Any) -> datetime:
    """The snapshot's as-of instant: its RefId, in UTC (either shape)."""
    return parse_est(_body(payload).get("RefId"))


def ref(payload: Any, ctx: TableContext) -> datetime:
    """The snapshot's as-of instant (the same reader that stamps its key)."""
    return as_of(payload)


def rows(payload: Any, ctx: TableContext) -> Iterator[Row]:
    """One row per value of the three arrays; a row that cannot be placed is noted."""
    body = _body(payload)
    as_of = _as_of(body.get("RefId"))
    for name, (label, value_key) in ARRAYS.items():
        for index, raw in enumerate(body.get(name) or ()):
            where = f"{name}[{index}]"
            row, _path = unwrapped(raw, where)
            if not isinstance(row, dict):
                ctx.skip(f"{where}: not an object")
                continue
            try:
                if name == "FiveMinTotalLoad":
                    start = _five_minute_start(as_of, field(row, label))
                    length = FIVE_MINUTES
                else:
                    key = hour_key(row, label, value_key)
                    if key is None:
                        raise InvalidValue(f"missing {label!r} (or another hour field)")
                    ahead = name == "MediumTermLoadForecast"
                    start = _hour_start(as_of, key, row[key], ahead=ahead)
                    length = HOUR
                mw = parse_number(field(row, value_key))
            except InvalidValue as exc:
                ctx.skip(f"{where}: {exc}")
                continue
            yield {**interval(start, start + length), "series": SERIES[name], "mw": mw}


def unwrapped(raw: Any, path: str) -> tuple[Any, str]:
    """The row inside a one-key wrapper such as ``{"Load": {...}}``, or the row itself."""
    if isinstance(raw, dict) and len(raw) == 1:
        [(key, inner)] = raw.items()
        if isinstance(inner, dict):
            return inner, at(path, key)
    return raw, path


def hour_key(row: dict[str, Any], label: str, value_key: str) -> str | None:
    """The row's hour field: ``label``, or another key that names an hour (MISO renames it)."""
    if label in row:
        return label
    for key in row:
        if isinstance(key, str) and key != value_key and HOURISH.fullmatch(squeezed(key)):
            return key
    return None


def squeezed(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _body(payload: Any) -> dict[str, Any]:
    body = payload.get("LoadInfo", payload) if isinstance(payload, dict) else None
    if not isinstance(body, dict):
        raise InvalidValue("not a total-load payload")
    return body


def _as_of(text: Any) -> datetime:
    """RefId as an aware time on its own clock (parse_est has checked every form)."""
    moment = parse_est(text)
    if is_interval_ref(text):
        return moment.astimezone(EST)
    given = datetime.fromisoformat(text.strip()).tzinfo
    return moment.astimezone(given or EST)


def _midnight(as_of: datetime) -> datetime:
    return datetime.combine(as_of.date(), time(), as_of.tzinfo)


def _five_minute_start(as_of: datetime, label: Any) -> datetime:
    clock = parse_clock(label)
    start = datetime.combine(as_of.date(), clock, as_of.tzinfo)
    # An actual load cannot lie in the future: a time after RefId is yesterday's.
    if start > as_of + FIVE_MINUTES:
        start -= timedelta(days=1)
    return start


def _hour_start(as_of: datetime, key: str, label: Any, *, ahead: bool) -> datetime:
    hour = parse_hour(label)
    is_clock = isinstance(label, str) and ":" in label
    beginning = _says_beginning(key)
    if beginning is None:
        beginning = is_clock
    if beginning:
        if hour > 23:
            raise InvalidValue(f"{key} {label!r} is not an hour beginning (0-23)")
        start = _midnight(as_of) + hour * HOUR
    else:
        if is_clock and hour == 0:
            hour = 24  # a clock's 00:00 ends the day's last hour
        if hour < 1:
            raise InvalidValue(f"{key} {label!r} is not an hour ending (1-24)")
        start = _midnight(as_of) + (hour - 1) * HOUR
    if ahead and is_clock:
        current_hour = as_of.replace(minute=0, second=0, microsecond=0)
        if start < current_hour:
            start += timedelta(days=1)
    return start


def _says_beginning(key: str) -> bool | None:
    """What the column name says: hour beginning (True), ending (False), or nothing."""
    name = squeezed(key)
    if "beginning" in name or name.startswith("hb"):
        return True
    if "ending" in name or name.startswith("he"):
        return False
    return None


TABLE = Table(
    columns=COLUMNS,
    identity=("series", "interval_start"),
    rows=rows,
    ref=ref,
    plot_series="series",
    plot_values=("mw",),
)
