"""miso_net_actual_interchange: the recorded GetNai answer (a single TieFlow object),
validated rule by rule and tabulated; a list of ties reads the same way."""

from __future__ import annotations

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_net_actual_interchange"
RECORDED = wire("Interchange/GetNai")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("Date",), DELETE, "missing required field 'Date'"),
    (("Date",), "16:30", "Date: must be a time"),
    (("Actual",), DELETE, "missing required field 'Actual'"),
    (("Actual", "HourandMin"), DELETE, "Actual: missing required field 'HourandMin'"),
    (("Actual", "HourandMin"), "half past four", "Actual.HourandMin: must be a time of day"),
    (("Actual", "TieFlow"), DELETE, "Actual: missing required field 'TieFlow'"),
    (("Actual", "TieFlow"), "MISO", "Actual.TieFlow: must be a list"),
    (("Actual", "TieFlow", "Value"), "-180,7x", "Actual.TieFlow.Value: must be numeric"),
    (("Actual", "TieFlow", "Value"), None, "Actual.TieFlow.Value: must have a value"),
    (("Actual", "TieFlow", "Name"), DELETE, "Actual.TieFlow: missing required field 'Name'"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_table_holds_the_tie_on_the_interval_ending_at_hourandmin() -> None:
    """HourandMin 16:30 EST ends the interval 21:25-21:30 UTC; Value as recorded."""
    rows = rows_of(NAME, RECORDED)
    assert [(row["tie"], row["mw"], row["interval_start"], row["interval_end"])
            for row in rows] == [("MISO", -180.77, utc(21, 25), utc(21, 30))]


def test_a_list_of_ties_is_read_too() -> None:
    """TieFlow as a list of objects gives one row per tie; its rows are checked by index."""
    tie = RECORDED["Actual"]["TieFlow"]
    listed = changed(RECORDED, ("Actual", "TieFlow"), [tie, {**tie, "Name": "PJM"}])
    assert verdict_of(NAME, listed).ok
    assert [row["tie"] for row in rows_of(NAME, listed)] == ["MISO", "PJM"]
    broken = changed(listed, ("Actual", "TieFlow", 1, "Value"), "x")
    assert "Actual.TieFlow[1].Value: must be numeric" in verdict_of(NAME, broken).reason
