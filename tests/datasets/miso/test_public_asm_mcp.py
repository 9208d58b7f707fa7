"""miso_public_asm_mcp: eight zones x nine products x two markets, rule by rule."""

from __future__ import annotations

from collections import Counter

import pytest

from gridcollect.datasets.miso.public_asm_mcp import PRODUCTS

from .catalogue import assert_rejected, rows_of, utc, wire
from .examples import DELETE

NAME = "miso_public_asm_mcp"
RECORDED = wire("MarketPricing/GetAncillaryServicesMcp")
RT = ("MCPData", "RealTimeMCP")
DA = ("MCPData", "DayAheadMCP")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("MCPData", "MktDay"), DELETE, "MCPData: missing required field 'MCPData.MktDay'"),
    ((*DA, "HourEnding"), "17:30", "MCPData.DayAheadMCP.HourEnding: must be an hour ending"),
    ((*RT, "HourAndMin"), DELETE, "MCPData.RealTimeMCP: missing required field 'HourAndMin'"),
    ((*RT, "Zone", 2, "StrMcp"), "free", "MCPData.RealTimeMCP.Zone[2].StrMcp: must be numeric"),
    ((*DA, "Zone", 0, "number"), DELETE,
     "MCPData.DayAheadMCP.Zone[0]: missing required field 'number'"),
    ((*DA, "Zone"), None, "MCPData.DayAheadMCP.Zone: must be a list"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_one_row_per_zone_product_and_market() -> None:
    """144 rows; real time starts 16:45 (five minutes), day ahead is hour ending 17."""
    rows = rows_of(NAME, RECORDED)
    assert len(rows) == 144
    assert Counter((r["market"], r["zone"]) for r in rows) == {
        (market, str(zone)): 9 for market in ("rt_5min", "da_hourly") for zone in range(1, 9)}
    intervals = {r["market"]: (r["interval_start"], r["interval_end"]) for r in rows}
    assert intervals == {"rt_5min": (utc(21, 45), utc(21, 50)), "da_hourly": (utc(21), utc(22))}


def test_prices_equal_the_recording() -> None:
    """Each product's price as recorded, under its product name."""
    rows = {(r["market"], r["zone"], r["product"]): r["mcp"] for r in rows_of(NAME, RECORDED)}
    for block, market in (("RealTimeMCP", "rt_5min"), ("DayAheadMCP", "da_hourly")):
        for zone in RECORDED["MCPData"][block]["Zone"]:
            for field, product in PRODUCTS.items():
                assert rows[(market, zone["number"], product)] == float(zone[field])
