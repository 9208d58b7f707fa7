"""miso_regional_directional_transfer: the recorded rolling day, validated rule by rule,
tabulated as five-minute instants, merged across overlapping snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .catalogue import assert_rejected, rows_of, utc, wire
from .examples import DELETE
from .rolling import ref, shifted, store_and_export, twelve_hour

NAME = "miso_regional_directional_transfer"
RECORDED = wire("RegionalDirectionalTransfer")
FIVE = timedelta(minutes=5)


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "now", "RefId: must be a time"),
    (("Interval",), DELETE, "missing required field 'Interval'"),
    (("Interval",), {}, "Interval: must be a list"),
    (("Interval", 7), "2163", "Interval[7]: must be an object"),
    (("Interval", 7, "RAW_MW"), "big", "Interval[7].RAW_MW: must be numeric"),
    (("Interval", 7, "UDSFLOW_MW"), DELETE, "Interval[7]: missing required field "
                                            "'UDSFLOW_MW'"),
    (("Interval", 7, "SOUTH_NORTH_LIMIT"), "", "Interval[7].SOUTH_NORTH_LIMIT: must have a "
                                               "value"),
    (("Interval", 7, "instantEST"), "5:10 PM", "Interval[7].instantEST: must be a time"),
    (("Interval", 7, "NORTH_SOUTH_LIMIT"), "3000",
     "Interval[7]: limit signs: NORTH_SOUTH_LIMIT 3000 must be <= 0 <= SOUTH_NORTH_LIMIT 2500"),
    (("Interval", 7, "instantEST"), "2026-10-01 05:11:00 PM",
     "Interval[7]: five-minute grid: instantEST 22:11:00 UTC is not on a five-minute mark"),
    (("Interval", -1, "instantEST"), "2026-10-02 04:40:00 PM",
     "Interval[288]: five-minute grid: instantEST 2026-10-02 21:40 UTC is after RefId"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_table_holds_every_instant_of_the_day_as_recorded() -> None:
    """289 instants from 16:35 EST the day before to the RefId, values as sent."""
    rows = rows_of(NAME, RECORDED)
    assert len(rows) == 289
    assert [(r["raw_mw"], r["uds_flow_mw"], r["north_south_limit_mw"],
             r["south_north_limit_mw"]) for r in rows] == [
        tuple(float(i[k]) for k in ("RAW_MW", "UDSFLOW_MW", "NORTH_SOUTH_LIMIT",
                                    "SOUTH_NORTH_LIMIT")) for i in RECORDED["Interval"]]
    assert (rows[0]["interval_start"], rows[-1]["interval_end"]) == (
        utc(21, 35, day=1), utc(21, 35))


def later(payload: dict[str, Any], steps: int) -> dict[str, Any]:
    """The window ``steps`` five-minute marks later, new flows 100 * n MW."""
    def advance(row: dict[str, str], n: int) -> dict[str, str]:
        stamp = datetime.strptime(row["instantEST"], "%Y-%m-%d %I:%M:%S %p") + n * FIVE
        return {**row, "instantEST": twelve_hour(stamp, pad=True), "RAW_MW": str(100 * n)}

    ref_time = datetime.strptime(payload["RefId"], "%d-%b-%Y - Interval %H:%M EST")
    return {"RefId": ref(ref_time + steps * FIVE),
            "Interval": shifted(payload["Interval"], steps, advance)}


def test_overlapping_snapshots_export_one_row_per_instant(tmp_path: Path) -> None:
    """Three windows one cadence apart: one row per instant, none lost between polls."""
    exports = store_and_export(tmp_path, NAME, [RECORDED, later(RECORDED, 1), later(RECORDED, 2)],
                               "2026-10-01", "2026-10-02")
    latest, found = exports.latest, exports.found
    assert len(found) == len(set(found)) == 291
    starts = [r["interval_start"] for r in latest]
    assert all(b - a == FIVE for a, b in zip(starts, starts[1:], strict=False))
    assert latest[-1]["raw_mw"] == 200.0 and latest[-1]["interval_start"] == utc(21, 45)
    every = exports.every
    assert len(every) == 3 * 289
