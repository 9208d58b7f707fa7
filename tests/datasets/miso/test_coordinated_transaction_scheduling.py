"""miso_coordinated_transaction_scheduling: the recorded day of CTS cases, validated rule
by rule, tabulated per (case, quarter hour), merged across the day's growing snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, wire
from .examples import DELETE
from .rolling import store_and_export

NAME = "miso_coordinated_transaction_scheduling"
RECORDED = wire("CoordinatedTransactionScheduling")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "late", "RefId: must be a time"),
    (("Interval",), DELETE, "missing required field 'Interval'"),
    (("Interval",), {}, "Interval: must be a list"),
    (("Interval", 4), "29.16", "Interval[4]: must be an object"),
    (("Interval", 4, "PJMFORECASTEDLMP"), "cheap", "Interval[4].PJMFORECASTEDLMP: must be "
                                                   "numeric"),
    (("Interval", 4, "PJMFORECASTEDLMP"), "", "Interval[4].PJMFORECASTEDLMP: must have a "
                                              "value"),
    (("Interval", 4, "CASEAPPROVALDATE"), DELETE, "Interval[4]: missing required field "
                                                  "'CASEAPPROVALDATE'"),
    (("Interval", 4, "SOLUTIONTIME"), "12:30 AM", "Interval[4].SOLUTIONTIME: must be a time"),
    (("Interval", 4, "SOLUTIONTIME"), "2026-10-03 12:31:00 AM",
     "Interval[4]: quarter hours: SOLUTIONTIME 05:31:00 UTC is not a quarter hour"),
    (("Interval", 4, "SOLUTIONTIME"), "2026-10-02 11:15:00 PM",
     "Interval[4]: quarter hours: SOLUTIONTIME 04:15 UTC ended before the case was approved "
     "(04:35:21 UTC)"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_table_holds_each_case_and_quarter_hour_as_recorded() -> None:
    """SOLUTIONTIME 11:30 PM EST starts 04:30-04:45 UTC (next UTC day); prices as sent."""
    rows = rows_of(NAME, RECORDED)
    assert [r["pjm_forecast_lmp"] for r in rows] == [
        float(i["PJMFORECASTEDLMP"]) for i in RECORDED["Interval"]]
    first = rows[0]
    assert (first["case_approved"], first["interval_start"], first["interval_end"]) == (
        utc(4, 35, day=3).replace(second=21), utc(4, 30, day=3), utc(4, 45, day=3))
    assert len({(r["case_approved"], r["interval_start"]) for r in rows}) == 950


def _earlier(cases: int) -> dict[str, Any]:
    """The same day's snapshot when only the oldest ``cases`` cases were approved."""
    rows = RECORDED["Interval"][-10 * cases:]
    return {"RefId": "02-Oct-2026 - Interval 20:00 EST", "Interval": rows}


def test_growing_snapshots_export_one_row_per_case_and_quarter_hour(tmp_path: Path) -> None:
    """Three snapshots of one day, each holding the earlier ones' cases: one row each."""
    later = changed(RECORDED, ("Interval", -1, "PJMFORECASTEDLMP"), "99.99")
    exports = store_and_export(tmp_path, NAME, [_earlier(40), RECORDED, later],
                               "2026-10-02", "2026-10-03")
    latest, found = exports.latest, exports.found
    assert len(found) == len(set(found)) == 950
    assert max(r["pjm_forecast_lmp"] for r in latest) == 99.99
    assert len(exports.every) == 400 + 950 + 950
