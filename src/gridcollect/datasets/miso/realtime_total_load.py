"""MISO real-time total load: hourly cleared MW, the load forecast and five-minute load.

The *documented* shape has ``RefId`` and three arrays of flat rows. The *wire* shape,
what MISO really sends, wraps everything in ``LoadInfo``, wraps each row in a one-key
object (``{"Load": {...}}``), sends numbers as strings and names the hour column
differently from release to release.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from ...model import Snapshot, Verdict, Window
from ...validation import (
    Checker,
    InvalidValue,
    all_clocks,
    all_plain_mw,
    at,
    describe,
    parse_hour,
    to_utc,
    unrecognised,
    utc_iso,
)
from ..schema import CLOCK, declare, unwrap_at
from .realtime_total_load_tables import ARRAYS, TABLE, as_of, hour_key, unwrapped
from .tables import snapshot_times

_CLOCK_LABELLED = "FiveMinTotalLoad"
_BLOCK_ROWS = 1024
_EXPECTED = (
    "an object with RefId, ClearedMW, MediumTermLoadForecast and FiveMinTotalLoad "
    "(documented), or the same inside LoadInfo (wire)"
)


def validate(payload: Any) -> Verdict:
    """Check a total-load payload of either shape."""
    if isinstance(payload, dict) and "LoadInfo" in payload:
        check = Checker("wire")
        body = check.obj(payload["LoadInfo"], "LoadInfo")
        if body is not None:
            _check_body(check, body, "LoadInfo", strict=True)
        return check.verdict()
    if isinstance(payload, dict) and any(name in payload for name in ("RefId", *ARRAYS)):
        check = Checker("documented")
        _check_body(check, payload, "", strict=False)
        return check.verdict()
    return unrecognised(payload, _EXPECTED)


def _check_body(check: Checker, body: dict[str, Any], path: str, *, strict: bool) -> None:
    """``strict``: the wire's time formats are known, so unparseable times are failures."""
    check.require(body, ("RefId", *ARRAYS), path)
    if "RefId" in body:
        ref = check.text(body["RefId"], at(path, "RefId"))
        if ref is not None:
            check.time(ref, at(path, "RefId"), failure=strict)
    for name, (label, value_key) in ARRAYS.items():
        rows = check.array(body[name], at(path, name)) if name in body else None
        if rows is not None and _nothing_to_report(rows, label, value_key, name):
            continue
        renamed: set[str] = set()
        for index, raw in enumerate(rows or ()):
            row_path = at(at(path, name), index)
            row, row_path = unwrapped(raw, row_path)
            if check.obj(row, row_path) is None:
                continue
            if name == _CLOCK_LABELLED:
                if check.require(row, (label,), row_path):
                    check.parsed(CLOCK.parse, row[label], at(row_path, label), CLOCK.rule,
                                 failure=strict)
            else:
                used = _check_hour(check, row, row_path, label, value_key)
                if used is not None and used != label:
                    renamed.add(used)
            if check.require(row, (value_key,), row_path):
                # The specification asks only for numbers: a negative load is odd, not invalid.
                check.number(row[value_key], at(row_path, value_key), non_negative=True,
                             negative_fails=False)
        if renamed:
            check.warn(at(path, name), f"hour column named {sorted(renamed)}, expected {label!r}")


def _nothing_to_report(
    rows: Iterable[Any], label: str, value_key: str, name: str
) -> bool:
    """Whether the row-by-row checks below would surely find nothing to say: the usual
    case, checked a column at a time without building a path for every value. ``False``
    proves nothing (the rows are then checked one by one, with their paths)."""
    # Blocks of rows keep the columns small when a very large array is parsed lazily.
    iterator = iter(rows)
    while block := list(itertools.islice(iterator, _BLOCK_ROWS)):
        labels, values = [], []
        for raw in block:
            row = raw
            if type(raw) is dict and len(raw) == 1:
                [inner] = raw.values()
                if type(inner) is dict:
                    row = inner
            if type(row) is not dict or label not in row or value_key not in row:
                return False
            labels.append(row[label])
            values.append(row[value_key])
        if not all_plain_mw(values):
            return False
        if not (all_clocks(labels) if name == _CLOCK_LABELLED
                else all(_is_hour(value) for value in labels)):
            return False
    return True


def _is_hour(value: Any) -> bool:
    try:
        parse_hour(value)
    except InvalidValue:
        return False
    return True


def _check_hour(
    check: Checker, row: dict[str, Any], path: str, label: str, value_key: str
) -> str | None:
    """Check the row's hour, under whatever name it has; return that name."""
    key = hour_key(row, label, value_key)
    if key is None:
        check.fail(path, f"missing required field {label!r} (or another hour field)")
        return None
    value = row[key]
    if value is None or (isinstance(value, str) and not value.strip()):
        check.fail(at(path, key), f"hour must be present, got {describe(value)}")
    else:
        # The hour's format is not ours to enforce; a new one should be seen, not lost.
        check.parsed(parse_hour, value, at(path, key), "unrecognised hour", failure=False)
    return key


def envelope(snapshot: Snapshot) -> dict[str, Any]:
    """The stored object: the response under ``data`` plus collection metadata."""
    as_of = to_utc(snapshot.key_time)
    return {
        "data": snapshot.payload,
        "collection_metadata": {
            "collected_at": utc_iso(snapshot.collected_at),
            "source_url": snapshot.source_url,
            "data_type": "realtime_total_load",
            "source": "miso",
            "date": as_of.strftime("%Y-%m-%d"),
            "timestamp": as_of.strftime("%Y%m%d_%H%M%S"),
            **snapshot_times(snapshot),
        },
    }


# Hand-written validator and table (docs/datasets.md says why): renamed hour columns
# found by meaning, any one-key row wrapper, the column-at-a-time fast path, and hours
# placed on RefId's operating day and own clock.
DATASET = declare(
    dgroup="miso_realtime_total_load",
    endpoint="RealTimeTotalLoad",
    cadence=timedelta(minutes=5),
    description="MISO real-time total load: hourly cleared MW, load forecast, five-minute load.",
    as_of=as_of,
    retention=timedelta(days=365),
    key=("miso_realtime_total_load/{t:%Y}/{t:%m}/{t:%d}/"
         "realtime_total_load_{t:%Y%m%d_%H%M%S}.json.gz"),
    envelope=envelope,
    unwrap=unwrap_at("data", "total-load"),
    window=Window(
        "--start-date",
        "--end-date",
        "UTC, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS; one snapshot per 5 minutes in the window",
    ),
    validator=validate,
    table=TABLE,
)
