"""miso_binding_constraints_realtime: the recorded answer, rule by rule, and its table
(Period is the interval's end)."""

from __future__ import annotations

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_binding_constraints_realtime"
RECORDED = wire("BindingConstraints/RealTime")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), "now", "RefId: must be a time"),
    (("Constraint",), DELETE, "missing required field 'Constraint'"),
    (("Constraint", 0), [], "Constraint[0]: must be an object"),
    (("Constraint", 0, "Name"), DELETE, "Constraint[0]: missing required field 'Name'"),
    (("Constraint", 0, "Period"), "16:45", "Constraint[0].Period: must be a time"),
    (("Constraint", 0, "Price"), "", "Constraint[0].Price: must have a value"),
    (("Constraint", 0, "Price"), "-85,3", "Constraint[0].Price: must be numeric"),
    (("Constraint", 1, "OVERRIDE"), "yes", "Constraint[1].OVERRIDE: must be a flag"),
    (("Constraint", 1, "BP1"), "x", "Constraint[1].BP1: must be numeric"),
    (("Constraint", 1, "PC1"), "", "Constraint[1]: demand curve: CURVETYPE 'MW' without PC1"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_nothing_binding_placeholder_is_valid_and_gives_no_rows() -> None:
    """MISO's placeholder row (Name "None", Price "None") means nothing to report."""
    placeholder = {"Name": "None", "Period": "2026-10-02T16:45:00", "Price": "None",
                   "OVERRIDE": "None", "CURVETYPE": "None", "BP1": "0", "PC1": "0",
                   "BP2": "0", "PC2": "0"}
    payload = changed(RECORDED, ("Constraint",), [placeholder])
    assert verdict_of(NAME, payload).ok
    assert rows_of(NAME, payload) == []


def test_period_is_the_end_of_a_five_minute_interval() -> None:
    """Period 16:45 EST ends the interval 21:40-21:45 UTC (gridstatus PR 803)."""
    rows = rows_of(NAME, RECORDED)
    assert {(row["interval_start"], row["interval_end"]) for row in rows} == {
        (utc(21, 40), utc(21, 45))}


def test_table_values_equal_the_recording() -> None:
    """Names, prices and curve fields as recorded; "" is null."""
    rows = rows_of(NAME, RECORDED)
    assert [(r["name"], r["shadow_price"]) for r in rows] == [
        (c["Name"], float(c["Price"])) for c in RECORDED["Constraint"]]
    barton = next(r for r in rows if r["name"] == "NIP13X01_BARTONLK_B_NO_2_XFMR")
    assert (barton["override"], barton["curve_type"], barton["bp1"], barton["pc1"],
            barton["bp2"], barton["pc2"]) == (True, "PERCENT", 100.0, 1000.0, 102.0, 2000.0)
    first = rows[0]
    assert (first["override"], first["curve_type"], first["bp1"]) == (None, None, None)
