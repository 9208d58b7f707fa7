"""MISO real-time revenue sufficiency guarantee (RSG) commitments: resources committed
in real time, by commitment reason, per market interval.

On the wire: ``RefId`` (``02-Oct-2026 - Interval 23:45 EST``), ``MktDay`` and
``Commitment``, rows of ``MKT_INT_END_EST`` (``2026-10-02 11:45:00 PM``),
``COMMIT_REASON``, ``TOTAL_ECON_MAX`` (MW) and ``NUM_RESOURCES``. With nothing committed
MISO sends one placeholder row (``COMMIT_REASON`` and ``NUM_RESOURCES`` ``"None"``,
``TOTAL_ECON_MAX`` ``"0.00"``), which gives no table row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..schema import NUMBER, TEXT, TIME, Field, Interval, Rows, Rule, Tidy, Wire, declare

FIVE_MINUTES = timedelta(minutes=5)


def _counted(values: Mapping[str, Any]) -> str | None:
    """A commitment commits at least one resource, a whole number of them."""
    count = values["NUM_RESOURCES"]
    if count < 1 or count != int(count):
        return f"NUM_RESOURCES {count:g} is not a positive whole number"
    return None


DATASET = declare(
    dgroup="miso_rsg_commitments",
    endpoint="RealTimeRSGCommitments",
    cadence=FIVE_MINUTES,
    description="MISO real-time RSG commitments: resources and economic maximum MW "
                "committed, by commitment reason and market interval.",
    as_of="RefId",
    wire=Wire(rows=(Rows(
        "Commitment",
        (Field("MKT_INT_END_EST", TIME),
         Field("COMMIT_REASON", TEXT, "reason", "", "COMMIT_REASON: why the resources were "
                                                    "committed."),
         Field("TOTAL_ECON_MAX", NUMBER, "total_econ_max_mw", "MW",
               "TOTAL_ECON_MAX: the committed resources' economic maximum, summed."),
         Field("NUM_RESOURCES", NUMBER, "resources", "", "NUM_RESOURCES: how many resources.")),
        Interval("MKT_INT_END_EST", "end", FIVE_MINUTES,
                 "MKT_INT_END_EST names the end of a real-time market interval (five "
                 "minutes); the snapshot of RefId 23:45 carries 11:45 PM."),
        placeholder={"COMMIT_REASON": ("None",), "NUM_RESOURCES": ("None",)},
        rules=(Rule("resource count", _counted),),
    ),)),
    tidy=Tidy(identity=("reason", "interval_start"), plot_series="reason",
              plot_values=("total_econ_max_mw",)),
)
__all__ = ["DATASET"]
