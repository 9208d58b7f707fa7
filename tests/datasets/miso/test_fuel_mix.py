"""miso_fuel_mix: the recorded FuelMix answer, validated rule by rule and tabulated."""

from __future__ import annotations

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_fuel_mix"
RECORDED = wire("FuelMix")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "16:45", "RefId: must be a time"),
    (("TotalMW",), "lots", "TotalMW: must be numeric: 'lots' is not a number"),
    (("TotalMW",), DELETE, "missing required field 'TotalMW'"),
    (("Fuel",), DELETE, "missing required field 'Fuel'"),
    (("Fuel", "Type"), {}, "Fuel.Type: must be a list"),
    (("Fuel", "Type", 2), "Nuclear", "Fuel.Type[2]: must be an object"),
    (("Fuel", "Type", 0, "ACT"), "many", "Fuel.Type[0].ACT: must be numeric"),
    (("Fuel", "Type", 0, "ACT"), "", "Fuel.Type[0].ACT: must have a value"),
    (("Fuel", "Type", 0, "CATEGORY"), DELETE, "Fuel.Type[0]: missing required field 'CATEGORY'"),
    (("Fuel", "Type", 0, "INTERVALEST"), "4:45 PM", "Fuel.Type[0].INTERVALEST: must be a time"),
    (("Fuel", "Type", 0, "FUEL_CATEGORY"), "Gas  (25,287 MW)",
     "Fuel.Type[0]: fuel label: FUEL_CATEGORY 'Gas  (25,287 MW)' does not name CATEGORY 'Coal'"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_fuel_label_is_optional() -> None:
    """FUEL_CATEGORY is only a display label: without it the answer is still valid."""
    assert verdict_of(NAME, changed(RECORDED, ("Fuel", "Type", 0, "FUEL_CATEGORY"), DELETE)).ok


def test_table_holds_each_category_and_the_total_at_interval_start() -> None:
    """INTERVALEST 4:45 PM is 21:45-21:50 UTC; values equal the recorded ACT and TotalMW."""
    rows = rows_of(NAME, RECORDED)
    expected = {row["CATEGORY"]: float(row["ACT"]) for row in RECORDED["Fuel"]["Type"]}
    expected["Total"] = 82084.0
    assert {row["category"]: row["mw"] for row in rows} == expected
    assert {(row["interval_start"], row["interval_end"]) for row in rows} == {
        (utc(21, 45), utc(21, 50))}
    assert sum(v for k, v in expected.items() if k != "Total") == expected["Total"]
