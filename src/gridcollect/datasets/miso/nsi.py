"""MISO net scheduled interchange (NSI) now: MW scheduled with each neighbouring balancing
authority, and MISO's own net, at one instant.

On the wire: ``RefId`` (``02-Oct-2026 - Interval 16:48 EST``), ``MktDay`` (``null``) and
``instance``, one wide row: ``timestamp`` (``2026-10-02 16:48:00``, EST) and one column
per neighbour (``AECI`` ... ``TVA``) plus ``MISO``, MW as strings; negative is an import.
The table is long: one row per neighbour (and ``MISO``) per instant.
"""

from __future__ import annotations

from datetime import timedelta

from ...model import Column
from ..schema import NUMBER, TIME, Field, Interval, Rows, Rule, Tidy, Wire, declare, not_after

NEIGHBOURS = ("AECI", "LGEE", "MHEB", "ONT", "PJM", "SOCO", "SPA", "SWPP", "TVA")
"""The neighbouring balancing authorities MISO schedules interchange with."""
NET = "MISO"
"""MISO's own net scheduled interchange: a column of its own on the wire, which is not
the sum of the neighbours' (the recordings differ by about 90 MW)."""
NEIGHBOUR_DOC = ("The neighbouring balancing authority (AECI, LGEE, MHEB, ONT, PJM, SOCO, "
                 "SPA, SWPP, TVA), or MISO for MISO's own net.")
INSTANT = Interval(
    "timestamp", "instant", timedelta(0),
    "GetNsi gives the schedule at one minute (timestamp 16:48:00, the RefId's minute), "
    "not an average over an interval.",
)


def interchange_rows(interval: Interval, rules: tuple[Rule, ...]) -> tuple[Rows, ...]:
    """One block per neighbour (and MISO) over the wide ``instance`` rows: each gives the
    row ``neighbour``, ``mw`` on ``interval``. Shared with the five-minute endpoint."""
    return tuple(
        Rows("instance",
             (Field("timestamp", TIME),
              Field(name, NUMBER, "mw", "MW",
                    "Scheduled interchange with the neighbour (MISO: MISO's net); "
                    "negative is an import into MISO, positive an export.")),
             interval, context=(Field("RefId", TIME),), tags={"neighbour": name},
             rules=rules)
        for name in (*NEIGHBOURS, NET))


# The schedule is not later than the snapshot's own minute (in the recording they are
# the same minute, 16:48).
AFTER_REF = not_after("timestamp", message="timestamp {value:%H:%M} UTC is after RefId's "
                                           "{ref:%H:%M}")
TABLE = Tidy(identity=("neighbour", "interval_start"), plot_series="neighbour",
             plot_values=("mw",), columns=(Column("neighbour", "text", "", NEIGHBOUR_DOC),))

DATASET = declare(
    dgroup="miso_nsi",
    endpoint="Interchange/GetNsi",
    cadence=timedelta(minutes=1),
    description="MISO net scheduled interchange now: MW with each neighbour and MISO's "
                "net, at the minute MISO names.",
    as_of="RefId",
    wire=Wire(rows=interchange_rows(INSTANT, (Rule("after RefId", AFTER_REF),))),
    tidy=TABLE,
)
__all__ = ["DATASET", "NEIGHBOURS", "NET", "NEIGHBOUR_DOC", "interchange_rows"]
