"""miso_public_exante_lmp: the recorded hub prices, rule by rule, and their table."""

from __future__ import annotations

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_public_exante_lmp"
RECORDED = wire("MarketPricing/GetExAnteLmp")
HUB = ("LMPData", "ExAnteLMP", "Hub")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("LMPData", "RefId"), DELETE, "LMPData: missing required field 'LMPData.RefId'"),
    (("LMPData", "ExAnteLMP"), DELETE, "LMPData: missing required field 'ExAnteLMP'"),
    (("LMPData", "ExAnteLMP", "HourAndMin"), "4:50 PM",
     "LMPData.ExAnteLMP.HourAndMin: must be a time of day"),
    ((*HUB, 0, "LMP"), "n/a", "LMPData.ExAnteLMP.Hub[0].LMP: must be numeric"),
    ((*HUB, 0, "loss"), DELETE, "LMPData.ExAnteLMP.Hub[0]: missing required field 'loss'"),
    ((*HUB, 2, "name"), None, "LMPData.ExAnteLMP.Hub[2].name: must have a value"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_a_hub_with_another_energy_component_is_a_warning() -> None:
    """LMP - loss - congestion is system-wide: a hub off by a dollar is named, not refused."""
    verdict = verdict_of(NAME, changed(RECORDED, (*HUB, 3, "LMP"), "37.45"))
    assert verdict.ok
    assert verdict.warnings == ("LMPData.ExAnteLMP.Hub[3]: energy component: "
                                "LMP - loss - congestion = 33.74, the block's others 32.74",)


def test_table_values_and_interval() -> None:
    """Each hub's LMP, loss and congestion; HourAndMin 16:50 starts 21:50-21:55 UTC."""
    rows = rows_of(NAME, RECORDED)
    assert [(r["node"], r["lmp"], r["mlc"], r["mcc"]) for r in rows] == [
        (h["name"], float(h["LMP"]), float(h["loss"]), float(h["congestion"]))
        for h in RECORDED["LMPData"]["ExAnteLMP"]["Hub"]]
    assert {(r["interval_start"], r["interval_end"]) for r in rows} == {(utc(21, 50),
                                                                         utc(21, 55))}
