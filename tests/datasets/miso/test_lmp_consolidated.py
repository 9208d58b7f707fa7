"""miso_lmp_consolidated: four markets of 317 nodes, read by name, rule by rule."""

from __future__ import annotations

from collections import Counter

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_lmp_consolidated"
RECORDED = wire("MarketPricing/GetLmpConsolidatedTable")
BLOCKS = {"FiveMinLMP": "rt_5min", "HourlyIntegratedLMP": "rt_hourly_integrated",
          "DayAheadExAnteLMP": "da_exante", "DayAheadExPostLMP": "da_expost"}


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("LMPData", "RefId"), "16:50", "LMPData.RefId: must be a time"),
    (("LMPData", "DayAheadExPostLMP"), DELETE,
     "LMPData: missing required field 'DayAheadExPostLMP'"),
    (("LMPData", "HourlyIntegratedLMP", "HourAndMin"), "HE 25",
     "LMPData.HourlyIntegratedLMP.HourAndMin: must be an hour ending"),
    (("LMPData", "FiveMinLMP", "HourAndMin"), "16h50",
     "LMPData.FiveMinLMP.HourAndMin: must be a time of day"),
    (("LMPData", "FiveMinLMP", "PricingNode", 4, "SPINMCP"), "-",
     "LMPData.FiveMinLMP.PricingNode[4].SPINMCP: must be numeric"),
    (("LMPData", "DayAheadExAnteLMP", "PricingNode", 9, "MLC"), DELETE,
     "LMPData.DayAheadExAnteLMP.PricingNode[9]: missing required field 'MLC'"),
    (("LMPData", "FiveMinLMP", "PricingNode", 0, "region"), "",
     "LMPData.FiveMinLMP.PricingNode[0].region: must have a value"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_energy_component_rule_warns_per_block() -> None:
    """A day-ahead node off by a dollar is named with its block and index."""
    payload = changed(RECORDED, ("LMPData", "DayAheadExAnteLMP", "PricingNode", 7, "LMP"),
                      "99.99")
    verdict = verdict_of(NAME, payload)
    assert verdict.ok
    [warning] = verdict.warnings
    assert warning.startswith("LMPData.DayAheadExAnteLMP.PricingNode[7]: energy component:")


def test_one_row_per_node_and_market_with_the_stated_intervals() -> None:
    """317 x 4 rows; five-minute 16:50 starts its interval; HE 16/17 end theirs."""
    rows = rows_of(NAME, RECORDED)
    assert Counter(r["market"] for r in rows) == {market: 317 for market in BLOCKS.values()}
    intervals = {r["market"]: (r["interval_start"], r["interval_end"]) for r in rows}
    assert intervals == {
        "rt_5min": (utc(21, 50), utc(21, 55)),
        "rt_hourly_integrated": (utc(20), utc(21)),
        "da_exante": (utc(21), utc(22)),
        "da_expost": (utc(21), utc(22)),
    }


def test_values_are_read_by_name_not_position() -> None:
    """The hourly blocks order LMP, MCC, MLC: each lands in its own column."""
    rows = {(r["market"], r["node"]): r for r in rows_of(NAME, RECORDED)}
    for block, market in BLOCKS.items():
        for node in RECORDED["LMPData"][block]["PricingNode"]:
            row = rows[(market, node["name"])]
            assert (row["lmp"], row["mlc"], row["mcc"], row["region"]) == (
                float(node["LMP"]), float(node["MLC"]), float(node["MCC"]), node["region"])
            assert row["regmcp"] == (float(node["REGMCP"]) if "REGMCP" in node else None)
