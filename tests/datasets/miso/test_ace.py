"""miso_ace: the recorded two-hour window of 30-second ACE, validated rule by rule,
tabulated as instants, keyed with seconds, and merged across overlapping snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridcollect import datasets, keys

from .catalogue import assert_rejected, rows_of, utc, wire
from .examples import DELETE
from .rolling import ref, shifted, store_and_export, twelve_hour

NAME = "miso_ace"
RECORDED = wire("Ace")
HALF_MINUTE = timedelta(seconds=30)


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "16:33:00", "RefId: must be a time"),
    (("ACE",), DELETE, "missing required field 'ACE'"),
    (("ACE",), {"value": 1}, "ACE: must be a list"),
    (("ACE", 5), 371.55, "ACE[5]: must be an object"),
    (("ACE", 5, "value"), "high", "ACE[5].value: must be numeric"),
    (("ACE", 5, "value"), "None", "ACE[5].value: must have a value"),
    (("ACE", 5, "instantEST"), DELETE, "ACE[5]: missing required field 'instantEST'"),
    (("ACE", 5, "instantEST"), "2:36 PM", "ACE[5].instantEST: must be a time"),
    (("ACE", 5, "instantEST"), "2026-10-02 2:36:10 PM",
     "ACE[5]: 30-second grid: instantEST 19:36:10 UTC is not on a 30-second mark"),
    (("ACE", -1, "instantEST"), "2026-10-02 4:33:30 PM",
     "ACE[239]: after RefId: instantEST 21:33:30 UTC is after RefId"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_table_holds_every_instant_as_recorded() -> None:
    """240 instants from 14:33:30 to 16:33:00 EST, each its own instant, values as sent."""
    rows = rows_of(NAME, RECORDED)
    assert [row["ace_mw"] for row in rows] == [float(r["value"]) for r in RECORDED["ACE"]]
    assert all(row["interval_start"] == row["interval_end"] for row in rows)
    assert (rows[0]["interval_start"], rows[-1]["interval_start"]) == (
        utc(19, 33) + HALF_MINUTE, utc(21, 33))


def test_key_carries_the_seconds_of_refid() -> None:
    """RefId 16:33:00 EST keys the snapshot ace_20261002_213300 (UTC, with seconds)."""
    dataset = datasets.get(NAME)
    assert dataset.as_of is not None
    key = keys.render(dataset.key_template, dataset.as_of(RECORDED), {})
    assert key == "miso_ace/year=2026/month=10/day=02/ace_20261002_213300.json.gz"


def later(payload: dict[str, Any], minutes: int) -> dict[str, Any]:
    """The window ``minutes`` later (two samples a minute), new values 1000 + n."""
    def advance(row: dict[str, str], n: int) -> dict[str, str]:
        stamp = datetime.strptime(row["instantEST"], "%Y-%m-%d %I:%M:%S %p") + n * HALF_MINUTE
        return {"instantEST": twelve_hour(stamp), "value": str(1000 + n)}

    rows = shifted(payload["ACE"], 2 * minutes, advance)
    ref_time = datetime.strptime(payload["RefId"], "%d-%b-%Y - Interval %H:%M:%S EST")
    return {**payload, "ACE": rows,
            "RefId": ref(ref_time + timedelta(minutes=minutes), seconds=True)}


def test_overlapping_snapshots_export_one_row_per_instant(tmp_path: Path) -> None:
    """Three windows five minutes apart: one row per instant, from the latest snapshot
    that holds it; --all-revisions keeps all 720."""
    exports = store_and_export(tmp_path, NAME, [RECORDED, later(RECORDED, 5), later(RECORDED, 10)],
                               "2026-10-02", "2026-10-02")
    latest, found = exports.latest, exports.found
    assert len(found) == len(set(found)) == 240 + 20
    assert latest[-1]["interval_start"] == utc(21, 43)
    assert latest[-1]["snapshot_ref"] == utc(21, 43)
    assert latest[0]["snapshot_ref"] == utc(21, 33)  # only the first holds 14:33:30
    assert len(exports.every) == 720
