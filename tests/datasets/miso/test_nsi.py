"""miso_nsi: the recorded GetNsi answer, validated rule by rule and tabulated."""

from __future__ import annotations

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_nsi"
RECORDED = wire("Interchange/GetNsi")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "16:48", "RefId: must be a time"),
    (("instance",), DELETE, "missing required field 'instance'"),
    (("instance",), {}, "instance: must be a list"),
    (("instance", 0), "AECI", "instance[0]: must be an object"),
    (("instance", 0, "PJM"), "lots", "instance[0].PJM: must be numeric"),
    (("instance", 0, "MISO"), "", "instance[0].MISO: must have a value"),
    (("instance", 0, "TVA"), DELETE, "instance[0]: missing required field 'TVA'"),
    (("instance", 0, "timestamp"), "16:48", "instance[0].timestamp: must be a time"),
    (("instance", 0, "timestamp"), "2026-10-02 16:53:00",
     "instance[0]: after RefId: timestamp 21:53 UTC is after RefId's 21:48"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_market_day_is_not_needed() -> None:
    """MktDay is null on the wire and is not read."""
    assert verdict_of(NAME, changed(RECORDED, ("MktDay",), DELETE)).ok


def test_table_holds_each_neighbour_and_miso_at_the_instant() -> None:
    """One row per neighbour and MISO's net at 16:48 EST (21:48 UTC), values as recorded."""
    rows = rows_of(NAME, RECORDED)
    recorded = RECORDED["instance"][0]
    assert {row["neighbour"]: row["mw"] for row in rows} == {
        name: float(value) for name, value in recorded.items() if name != "timestamp"}
    assert {(row["interval_start"], row["interval_end"]) for row in rows} == {
        (utc(21, 48), utc(21, 48))}
    neighbours = sum(row["mw"] for row in rows if row["neighbour"] != "MISO")
    assert neighbours != recorded["MISO"]  # MISO's net is its own figure, not the sum
