"""miso_nsi_five_minute: the recorded rolling window, validated rule by rule, tabulated as
gridstatus parses it, and merged across overlapping snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .catalogue import assert_rejected, rows_of, utc, wire
from .examples import DELETE
from .rolling import ref, shifted, store_and_export

NAME = "miso_nsi_five_minute"
RECORDED = wire("Interchange/GetNsi/FiveMinute")
FIVE = timedelta(minutes=5)


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "yesterday", "RefId: must be a time"),
    (("instance",), DELETE, "missing required field 'instance'"),
    (("instance",), "rows", "instance: must be a list"),
    (("instance", 3), None, "instance[3]: must be an object"),
    (("instance", 3, "ONT"), "n/a", "instance[3].ONT: must be numeric"),
    (("instance", 3, "MISO"), DELETE, "instance[3]: missing required field 'MISO'"),
    (("instance", 3, "timestamp"), "", "instance[3].timestamp: must have a value"),
    (("instance", 3, "timestamp"), "2026-09-30 19:22:00",
     "instance[3]: five-minute grid: timestamp 00:22:00 UTC is not on a five-minute mark"),
    (("instance", -1, "timestamp"), "2026-10-02 16:50:00",
     "instance[548]: after RefId: timestamp 2026-10-02 21:50 UTC is after RefId"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_table_matches_gridstatus_parse_of_the_same_bytes() -> None:
    """timestamp is the Interval End (gridstatus get_interchange_5_min): the last row,
    16:45 EST, is 21:40-21:45 UTC; MISO's net and each neighbour as recorded."""
    rows = rows_of(NAME, RECORDED)
    instance = RECORDED["instance"]
    assert len(rows) == 10 * len(instance) == 5490
    last = {row["neighbour"]: row for row in rows if row["interval_end"] == utc(21, 45)}
    assert {name: row["mw"] for name, row in last.items()} == {
        name: float(value) for name, value in instance[-1].items() if name != "timestamp"}
    assert {row["interval_start"] for row in last.values()} == {utc(21, 40)}
    first = min(row["interval_start"] for row in rows)
    assert first == utc(0, 0, day=1)  # 2026-09-30 19:05 EST ends the first interval


def _later(payload: dict[str, Any], hours: int, revised: dict[str, float]) -> dict[str, Any]:
    """The window ``hours`` later, PJM's MW of the intervals in ``revised`` (by timestamp)
    revised."""
    def advance(row: dict[str, str], n: int) -> dict[str, str]:
        stamp = datetime.fromisoformat(row["timestamp"]) + n * FIVE
        return {**row, "timestamp": f"{stamp:%Y-%m-%d %H:%M:%S}"}

    rows = [dict(row) for row in shifted(payload["instance"], 12 * hours, advance)]
    for row in rows:
        if row["timestamp"] in revised:
            row["PJM"] = str(revised[row["timestamp"]])
    ref_time = datetime.strptime(payload["RefId"], "%d-%b-%Y - Interval %H:%M EST")
    return {**payload, "instance": rows, "RefId": ref(ref_time + timedelta(hours=hours))}


def test_overlapping_snapshots_export_one_row_per_neighbour_and_interval(
        tmp_path: Path) -> None:
    """Three overlapping windows: latest-wins gives each (neighbour, interval) once, from
    the latest snapshot holding it; --all-revisions keeps every snapshot's rows."""
    second = _later(RECORDED, 1, {"2026-10-02 16:40:00": 1111.0, "2026-10-02 16:45:00": 1111.0})
    third = _later(RECORDED, 2, {"2026-10-02 16:40:00": 2222.0})
    exports = store_and_export(tmp_path, NAME, [RECORDED, second, third],
                               "2026-09-30", "2026-10-03")
    latest, found = exports.latest, exports.found
    assert len(found) == len(set(found)) == 10 * (549 + 24)
    by_key = {(row["neighbour"], row["interval_end"]): row for row in latest}
    assert by_key[("PJM", utc(21, 40))]["mw"] == 2222.0
    assert by_key[("PJM", utc(21, 45))]["mw"] == 2119.0  # the third's, not the second's
    assert by_key[("PJM", utc(21, 45))]["snapshot_ref"] == utc(23, 48)
    assert by_key[("PJM", utc(0, 5, day=1))]["snapshot_ref"] == utc(21, 48)  # only the first
    every = exports.every
    assert len(every) == 3 * 10 * 549
