"""miso_fuel_mix_today: the recorded FuelMix/Today answer, rule by rule and tabulated."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_fuel_mix_today"
RECORDED = wire("FuelMix/Today")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("TotalMW",), "x", "TotalMW: must be numeric"),
    (("Fuel", "Type"), "none", "Fuel.Type: must be a list"),
    (("Fuel", "Type", 1500, "ACT"), "1,2", "Fuel.Type[1500].ACT: must be numeric"),
    (("Fuel", "Type", 7, "INTERVALEST"), "2026-10-02 25:00:00 PM",
     "Fuel.Type[7].INTERVALEST: must be a time"),
    (("Fuel", "Type", 3, "CATEGORY"), "", "Fuel.Type[3].CATEGORY: must have a value"),
    (("Fuel", "Type", 3, "FUEL_CATEGORY"), "Coal  (1 MW)", "Fuel.Type[3]: fuel label"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_total_mw_is_optional_here() -> None:
    """TotalMW is "0" on this endpoint and carries nothing: it may be absent."""
    assert verdict_of(NAME, changed(RECORDED, ("TotalMW",), DELETE)).ok


def test_table_has_every_interval_of_the_day_so_far_and_no_total() -> None:
    """202 intervals x 8 categories from midnight EST; values equal ACT; no Total series."""
    rows = rows_of(NAME, RECORDED)
    assert len(rows) == len(RECORDED["Fuel"]["Type"]) == 1616
    assert "Total" not in {row["category"] for row in rows}
    starts = sorted({row["interval_start"] for row in rows})
    assert (starts[0], starts[-1], len(starts)) == (utc(5), utc(21, 45), 202)
    assert all(row["interval_end"] - row["interval_start"] == timedelta(minutes=5)
               for row in rows)
    assert [row["mw"] for row in rows] == [float(r["ACT"]) for r in RECORDED["Fuel"]["Type"]]


def test_last_interval_equals_the_fuel_mix_snapshot() -> None:
    """The day's last interval carries the FuelMix recording's values on the same interval."""
    today = {(r["category"], r["interval_start"]): r["mw"] for r in rows_of(NAME, RECORDED)}
    now = rows_of("miso_fuel_mix", wire("FuelMix"))
    assert all(today[(r["category"], r["interval_start"])] == r["mw"]
               for r in now if r["category"] != "Total")
