"""MISO net scheduled interchange by five-minute interval: a rolling window of about
46 hours, per neighbour and MISO's own net.

On the wire: as ``Interchange/GetNsi`` (``RefId``, ``MktDay``, wide ``instance`` rows of
``timestamp`` and one MW string per neighbour and ``MISO``), one row per five minutes,
oldest first. Every snapshot repeats most of the previous one's intervals: the export's
latest-wins rule keeps one row per (neighbour, interval).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from ..schema import Interval, Rule, Wire, declare, not_after, on_grid
from .nsi import TABLE, interchange_rows

FIVE_MINUTES = timedelta(minutes=5)
INTERVAL = Interval(
    "timestamp", "end", FIVE_MINUTES,
    "gridstatus (MISO.get_interchange_5_min, which reads this endpoint) takes timestamp as "
    "the Interval End of five minutes; the last row (16:45) is the interval that ended "
    "before the RefId's minute (16:48).",
)


DATASET = declare(
    dgroup="miso_nsi_five_minute",
    endpoint="Interchange/GetNsi/FiveMinute",
    cadence=FIVE_MINUTES,
    description="MISO net scheduled interchange by five-minute interval (rolling ~46 "
                "hours): MW with each neighbour and MISO's net.",
    as_of="RefId",
    wire=Wire(rows=interchange_rows(INTERVAL, (
                  Rule("five-minute grid", on_grid("timestamp", FIVE_MINUTES, "five-minute")),
                  Rule("after RefId", not_after("timestamp", "%Y-%m-%d %H:%M"))))),
    tidy=replace(TABLE, span=timedelta(days=2)),
)
__all__ = ["DATASET", "INTERVAL"]
