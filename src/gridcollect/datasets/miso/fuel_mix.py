"""MISO fuel mix: the MW each fuel category generates in the current five-minute interval.

On the wire: ``RefId``, ``TotalMW`` and ``Fuel.Type``, one row per category with
``INTERVALEST`` (``2026-10-02 4:45:00 PM``), ``CATEGORY``, ``ACT`` (MW, a string) and
``FUEL_CATEGORY`` (a display label). The total is a series of its own, category ``Total``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..schema import NUMBER, TEXT, TIME, Field, Interval, Rows, Rule, Tidy, Wire, declare

FIVE_MINUTES = timedelta(minutes=5)
INTERVAL = Interval(
    "INTERVALEST", "start", FIVE_MINUTES,
    "MISO labels the five-minute dispatch interval by its start: the snapshot of RefId "
    "16:45 carries INTERVALEST 4:45 PM (gridstatus reads it the same way).",
)
TOTAL_INTERVAL = Interval(
    "RefId", "start", FIVE_MINUTES,
    "TotalMW sums the categories' ACT of the same interval, which RefId names.",
)
MW = Field("ACT", NUMBER, "mw", "MW", "ACT: generation of the category (imports: net MW in).")


def _label_agrees(values: Mapping[str, Any]) -> str | None:
    """FUEL_CATEGORY repeats the category and its MW: they must agree with CATEGORY/ACT."""
    label, category = values["FUEL_CATEGORY"], values["CATEGORY"]
    if label is None:
        return None
    if not label.startswith(category):
        return f"FUEL_CATEGORY {label!r} does not name CATEGORY {category!r}"
    return None


def rows_fields(*, label_required: bool) -> tuple[Field, ...]:
    """The fields of a fuel row (shared with the day-so-far endpoint ``FuelMix/Today``)."""
    return (
        Field("INTERVALEST", TIME),
        Field("CATEGORY", TEXT, "category", "", "CATEGORY: the fuel (Coal, Wind, ...), or Total."),
        MW,
        Field("FUEL_CATEGORY", TEXT, required=label_required),
    )


FUEL_ROWS = Rows(
    "Fuel.Type", rows_fields(label_required=False), INTERVAL,
    rules=(Rule("fuel label", _label_agrees),),
)
TOTAL_ROWS = Rows("", (Field("RefId", TIME), Field("TotalMW", NUMBER, "mw", "MW")),
                  TOTAL_INTERVAL, single=True, tags={"category": "Total"})
TABLE = Tidy(identity=("category", "interval_start"), plot_series="category",
             plot_values=("mw",))

DATASET = declare(
    dgroup="miso_fuel_mix",
    endpoint="FuelMix",
    cadence=FIVE_MINUTES,
    description="MISO fuel mix: MW by fuel category in the current five-minute interval, "
                "and the total.",
    as_of="RefId",
    wire=Wire(
        rows=(FUEL_ROWS, TOTAL_ROWS),
    ),
    tidy=TABLE,
)
__all__ = ["DATASET", "FUEL_ROWS", "INTERVAL", "TABLE", "rows_fields"]
