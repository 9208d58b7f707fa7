"""miso_wind_solar: the recorded GetCombined answer, validated rule by rule and tabulated
long (fuel, kind, hour); future hours' null actuals are absent, not errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE
from .rolling import ref, store_and_export

NAME = "miso_wind_solar"
RECORDED = wire("WindSolar/GetCombined")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), 16, "RefId: must be a time"),
    (("instance",), DELETE, "missing required field 'instance'"),
    (("instance",), None, "instance: must be a list"),
    (("instance", 2), [], "instance[2]: must be an object"),
    (("instance", 2, "ForecastWindValue"), "windy", "instance[2].ForecastWindValue: must be "
                                                    "numeric"),
    (("instance", 2, "ForecastSolarValue"), None, "instance[2].ForecastSolarValue: must have "
                                                  "a value"),
    (("instance", 2, "ForecastDateTimeEST"), DELETE,
     "instance[2]: missing required field 'ForecastDateTimeEST'"),
    (("instance", 2, "ActualDateTimeEST"), "2 AM", "instance[2].ActualDateTimeEST: must be a "
                                                   "time"),
    (("instance", 2, "ForecastHourEndingEST"), "HE 25",
     "instance[2].ForecastHourEndingEST: must be an hour ending"),
    (("instance", 2, "ForecastHourEndingEST"), "4",
     "instance[2]: hour ending: ForecastHourEndingEST 4 does not end the hour starting 02:00"),
    (("instance", 2, "ActualHourEndingEST"), "2",
     "instance[2]: hour ending: ActualHourEndingEST 2 does not end the hour starting 02:00"),
    (("instance", 30, "ActualWindValue"), "12.5",
     "instance[30].ActualDateTimeEST: must have a value"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_an_hour_with_its_time_but_no_actual_value_is_an_absent_value() -> None:
    """A past hour whose actual value is null exports a row with mw null, not an error."""
    variant = changed(RECORDED, ("instance", 3, "ActualSolarValue"), None)
    assert verdict_of(NAME, variant).ok
    rows = [r for r in rows_of(NAME, variant) if (r["fuel"], r["kind"]) == ("solar", "actual")]
    assert rows[3]["mw"] is None and rows[3]["interval_start"] == utc(8)


def test_table_holds_forecasts_and_actuals_per_hour_starting_at_datetime() -> None:
    """ForecastDateTimeEST 3:00 PM (hour ending 16) is 20:00-21:00 UTC; 48 forecast hours
    and 16 actual ones per fuel, values as recorded; no row for a future hour's actual."""
    rows = rows_of(NAME, RECORDED)
    counts = {(f, k): sum(1 for r in rows if (r["fuel"], r["kind"]) == (f, k))
              for f in ("wind", "solar") for k in ("forecast", "actual")}
    assert counts == {("wind", "forecast"): 48, ("wind", "actual"): 16,
                      ("solar", "forecast"): 48, ("solar", "actual"): 16}
    hour = {(r["fuel"], r["kind"]): r for r in rows if r["interval_start"] == utc(20)}
    recorded = RECORDED["instance"][15]
    assert recorded["ForecastHourEndingEST"] == "16"
    assert {key: row["mw"] for key, row in hour.items()} == {
        ("wind", "forecast"): float(recorded["ForecastWindValue"]),
        ("solar", "forecast"): float(recorded["ForecastSolarValue"]),
        ("wind", "actual"): float(recorded["ActualWindValue"]),
        ("solar", "actual"): float(recorded["ActualSolarValue"])}
    assert {row["interval_end"] for row in hour.values()} == {utc(20) + timedelta(hours=1)}


def _an_hour_later() -> dict[str, object]:
    """The next hourly publication: the 16:00 hour's actuals filled in, a forecast revised."""
    payload = changed(RECORDED, ("RefId",), ref(datetime(2026, 10, 2, 17, 0)))
    row = payload["instance"][16]
    row.update({"ActualDateTimeEST": row["ForecastDateTimeEST"], "ActualHourEndingEST": "17",
                "ActualWindValue": "5100.00", "ActualSolarValue": "9000.00"})
    payload["instance"][20]["ForecastWindValue"] = "9999.00"
    return payload


def test_overlapping_publications_export_one_row_per_fuel_kind_and_hour(
        tmp_path: Path) -> None:
    """Three publications: latest-wins keeps one row per (fuel, kind, hour), the newest
    actuals and forecasts; --all-revisions keeps every publication's rows."""
    second = _an_hour_later()
    third = changed(second, ("RefId",), "02-Oct-2026 - Interval 18:00 EST")
    third["instance"][20]["ForecastWindValue"] = "8888.00"
    exports = store_and_export(tmp_path, NAME, [RECORDED, second, third],
                               "2026-10-02", "2026-10-04")
    latest, found = exports.latest, exports.found
    assert len(found) == len(set(found)) == 96 + 34
    by_key = {(r["fuel"], r["kind"], r["interval_start"]): r["mw"] for r in latest}
    assert by_key[("wind", "actual", utc(21))] == 5100.0
    assert by_key[("wind", "forecast", utc(1, day=3))] == 8888.0
    every = exports.every
    assert len(every) == 128 + 130 + 130
