"""MISO consolidated LMP table: for every pricing node, the latest five-minute real-time
price (with its ancillary-service prices), the last hourly integrated real-time price,
and the day-ahead ex-ante and ex-post prices of the current hour.

On the wire: ``LMPData.RefId`` and four blocks, each ``HourAndMin`` and ``PricingNode``
rows (317 nodes): ``FiveMinLMP`` (``16:50``; ``LMP``, ``MLC``, ``MCC`` and seven
``*MCP`` columns) and ``HourlyIntegratedLMP``, ``DayAheadExAnteLMP``,
``DayAheadExPostLMP`` (``HE 16``; ``LMP``, ``MCC``, ``MLC``: read by name).
"""

from __future__ import annotations

from ...model import Column
from ..schema import CLOCK, HOUR, NUMBER, TEXT, Field, Interval, Rows, Tidy, Wire, declare
from .prices import FIVE_MINUTES, ONE_HOUR, energy_rule, is_hub, price_fields

FIVE_MINUTE = Interval(
    "HourAndMin", "start", FIVE_MINUTES,
    "The five-minute prices equal GetRealTimeFiveMinExPost's for the same nodes under the "
    "same label, which gridstatus reads as the interval's start.",
)
HOUR_ENDING = Interval(
    "HourAndMin", "end", ONE_HOUR,
    "'HE 16' is MISO's hour ending 16:00 EST, i.e. 15:00-16:00; the integrated hour is "
    "the last complete one (HE 16 at RefId 16:50), the day-ahead hour the current one.",
)
ASM = {"REGMCP": "Regulation", "REGMILEAGEMCP": "Regulation mileage", "SPINMCP": "Spinning",
       "SUPPMCP": "Supplemental", "STRMCP": "Short-term reserve", "RCUPMCP": "Ramp up",
       "RCDOWNMCP": "Ramp down"}
NODE = (Field("name", TEXT, "node", "", "name: the pricing node."),
        Field("region", TEXT, "region", "", "region: North, Midwest or South."))
MARKET = Column("market", "text", "", "rt_5min, rt_hourly_integrated, da_exante or da_expost.")


def block(path: str, market: str, interval: Interval, *extra: Field) -> Rows:
    """One market's block of pricing nodes."""
    kind = CLOCK if interval is FIVE_MINUTE else HOUR
    return Rows(f"LMPData.{path}.PricingNode", (*NODE, *price_fields(), *extra), interval,
                context=(Field("HourAndMin", kind),), tags={"market": market},
                across=(energy_rule(),))


DATASET = declare(
    dgroup="miso_lmp_consolidated",
    endpoint="MarketPricing/GetLmpConsolidatedTable",
    cadence=FIVE_MINUTES,
    description="MISO consolidated LMP: per pricing node, the five-minute real-time, hourly "
                "integrated and day-ahead ex-ante and ex-post prices ($/MWh).",
    as_of="LMPData.RefId",
    wire=Wire(
        rows=(
            block("FiveMinLMP", "rt_5min", FIVE_MINUTE,
                  *(Field(name, NUMBER, name.lower(), "$/MW",
                          f"{name}: {label} clearing price (five-minute block only).")
                    for name, label in ASM.items())),
            block("HourlyIntegratedLMP", "rt_hourly_integrated", HOUR_ENDING),
            block("DayAheadExAnteLMP", "da_exante", HOUR_ENDING),
            block("DayAheadExPostLMP", "da_expost", HOUR_ENDING),
        ),
    ),
    tidy=Tidy(identity=("market", "node", "interval_start"), plot_series="node",
              plot_values=("lmp",), columns=(MARKET,),
              plot_filter=lambda row: row.get("market") == "rt_5min" and is_hub(row)),
)
