"""MISO ancillary-service market clearing prices by reserve zone: the latest five-minute
real-time prices and the current hour's day-ahead prices, nine products each.

On the wire: ``MCPData.RefId``, ``MktDay`` and two blocks of ``Zone`` rows (``number``
and nine ``*MCP``/``*Mcp`` prices, strings): ``RealTimeMCP`` (``HourAndMin`` ``16:45``)
and ``DayAheadMCP`` (``HourEnding`` ``17``).
"""

from __future__ import annotations

from ...model import Column
from ..schema import (
            CLOCK,
            HOUR,
            NUMBER,
            TEXT,
            Field,
            Interval,
            Melt,
            Rows,
            Tidy,
            Wire,
            declare,
)
from .prices import FIVE_MINUTES, ONE_HOUR

PRODUCTS = {"GenRegMCP": "gen_reg", "GenSpinMCP": "gen_spin", "GenSuppMCP": "gen_supp",
            "StrMcp": "str", "DemandRegMcp": "demand_reg", "DemandSpinMcp": "demand_spin",
            "DemandSuppMcp": "demand_supp", "RcpUpMcp": "ramp_up", "RcpDownMcp": "ramp_down"}
MELT = Melt(
    Column("product", "text", "", "gen_reg, gen_spin, gen_supp, str, demand_reg, demand_spin, "
                                  "demand_supp, ramp_up or ramp_down (MISO's field name)."),
    Column("mcp", "number", "$/MW", "The product's market clearing price in the zone."),
    PRODUCTS,
)
FIELDS = (Field("number", TEXT, "zone", "", "number: the reserve zone (1-8)."),
          *(Field(name, NUMBER) for name in PRODUCTS))
REAL_TIME = Interval(
    "HourAndMin", "start", FIVE_MINUTES,
    "Labelled like the five-minute LMPs (HourAndMin as RefId, 16:45), which price the "
    "interval starting then.",
)
DAY_AHEAD = Interval("HourEnding", "end", ONE_HOUR,
                     "HourEnding 17 is the hour ending 17:00 EST: 16:00-17:00.")

DATASET = declare(
    dgroup="miso_public_asm_mcp",
    endpoint="MarketPricing/GetAncillaryServicesMcp",
    cadence=FIVE_MINUTES,
    description="MISO ancillary-service clearing prices ($/MW) by reserve zone and product, "
                "real-time five-minute and day-ahead hourly.",
    as_of="MCPData.RefId",
    wire=Wire(
        fields=(Field("MCPData.MktDay", TEXT),),
        rows=(
            Rows("MCPData.RealTimeMCP.Zone", FIELDS, REAL_TIME, melt=MELT,
                 context=(Field("HourAndMin", CLOCK),), tags={"market": "rt_5min"}),
            Rows("MCPData.DayAheadMCP.Zone", FIELDS, DAY_AHEAD, melt=MELT,
                 context=(Field("HourEnding", HOUR),), tags={"market": "da_hourly"}),
        ),
    ),
    tidy=Tidy(identity=("market", "zone", "product", "interval_start"), plot_series="product",
              plot_values=("mcp",),
              columns=(Column("market", "text", "", "rt_5min or da_hourly."),),
              plot_filter=lambda row: row.get("market") == "rt_5min" and row.get("zone") == "1"),
)
