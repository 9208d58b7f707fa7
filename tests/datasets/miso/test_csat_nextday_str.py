"""miso_csat_nextday_str: the recorded next-day reserve requirement, validated rule by
rule, tabulated per region and peak hour, keyed by its creation date."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from gridcollect import datasets, keys

from .catalogue import assert_rejected, rows_of, utc, verdict_of, wire
from .examples import DELETE
from .rolling import store_and_export

NAME = "miso_csat_nextday_str"
RECORDED = wire("CsatNextDayShortTermReserveRequirement")
CREATED = utc(12, 6) + timedelta(seconds=10)  # 07:06:10 EST


@pytest.mark.parametrize(("path", "value", "reason"), [
    ((0,), "South", "[0]: must be an object"),
    ((0, "strReq"), "some", "[0].strReq: must be numeric"),
    ((0, "strOverwrite"), None, "[0].strOverwrite: must have a value"),
    ((0, "region"), DELETE, "[0]: missing required field 'region'"),
    ((0, "region"), 3, "[0].region: must be text"),
    ((0, "forecastPeakHourEst"), "13:00", "[0].forecastPeakHourEst: must be a time"),
    ((0, "forecastCreatedTime"), "", "[0].forecastCreatedTime: must have a value"),
    ((0, "forecastPeakHourEst"), "2026-10-02T13:00:00",
     "[0]: next day: forecastPeakHourEst 2026-10-02 is not the day after forecastCreatedTime "
     "2026-10-02"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_an_object_is_not_the_list_of_regions() -> None:
    """The answer must be the list of regions."""
    assert verdict_of(NAME, {"rows": RECORDED}).shape == "unrecognised"


def test_table_holds_each_region_at_its_peak_hour_start() -> None:
    """T13:00:00 EST is the hour 18:00-19:00 UTC; values and creation time as recorded."""
    rows = rows_of(NAME, RECORDED)
    assert [(r["region"], r["interval_start"], r["interval_end"], r["requirement_mw"],
             r["overwrite_mw"], r["forecast_created"]) for r in rows] == [
        ("South", utc(18, day=3), utc(19, day=3), 0.0, 0.0, CREATED),
        ("North/Central", utc(23, day=3), utc(0, day=4), 0.0, 0.0, CREATED),
        ("Systemwide", utc(23, day=3), utc(0, day=4), 0.0, 0.0, CREATED)]


def test_key_is_the_creation_date() -> None:
    """forecastCreatedTime's date keys the publication: csat_nextday_str_20261002."""
    dataset = datasets.get(NAME)
    assert dataset.as_of is not None
    assert keys.render(dataset.key_template, dataset.as_of(RECORDED), {}) == (
        "miso_csat_nextday_str/year=2026/month=10/day=02/csat_nextday_str_20261002.json.gz")


def _made(day: int, requirement: int) -> list[dict[str, object]]:
    """The publication made on 2026-10-``day`` at 07:05:30 EST, every requirement set."""
    peak = day + 1
    return [{**row, "forecastCreatedTime": f"2026-10-{day:02d}T07:05:30",
             "forecastPeakHourEst": f"2026-10-{peak:02d}{row['forecastPeakHourEst'][10:]}",
             "strReq": requirement} for row in RECORDED]  # type: ignore[index]


def test_overlapping_publications_export_one_row_per_region_and_hour(tmp_path: Path) -> None:
    """The day's publication, its revision, and the next day's: one row per (region, peak
    hour), the revision winning; --all-revisions keeps all nine."""
    revised = _made(2, 250)
    revised[0]["forecastCreatedTime"] = "2026-10-02T09:00:00"
    exports = store_and_export(tmp_path, NAME, [RECORDED, revised, _made(3, 400)],
                               "2026-10-03", "2026-10-05")
    latest, found = exports.latest, exports.found
    assert len(found) == len(set(found)) == 6
    assert {r["requirement_mw"] for r in latest if r["interval_start"].day == 3} == {250.0}
    assert {r["requirement_mw"] for r in latest if r["interval_start"] >= utc(5, day=4)} == {400.0}
    assert len(exports.every) == 9
