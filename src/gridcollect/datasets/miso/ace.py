"""MISO area control error (ACE): a rolling two hours of 30-second instants, in MW.

On the wire: ``MktDay`` (``10-02-2026``), ``RefId`` with seconds (``02-Oct-2026 -
Interval 16:33:00 EST``) and ``ACE``, rows of ``instantEST`` (``2026-10-02 4:33:00 PM``)
and ``value`` (MW, a string), oldest first; the last row is the RefId's instant. Keys
carry the seconds: ``ace_YYYYMMDD_HHMMSS``.
"""

from __future__ import annotations

from datetime import timedelta

from ...model import Column
from ..schema import (
    NUMBER,
    STAMP_SECOND,
    TEXT,
    TIME,
    Field,
    Interval,
    Rows,
    Rule,
    Tidy,
    Wire,
    declare,
    not_after,
    on_grid,
)

HALF_MINUTE = timedelta(seconds=30)
INSTANT = Interval(
    "instantEST", "instant", timedelta(0),
    "ACE is an instantaneous value (NERC: the instantaneous difference between actual and "
    "scheduled net interchange, with frequency bias), sampled every 30 seconds; MISO "
    "labels each sample with its own time.",
)


DATASET = declare(
    dgroup="miso_ace",
    endpoint="Ace",
    cadence=timedelta(minutes=5),
    description="MISO area control error: the last two hours of 30-second values (MW).",
    as_of="RefId",
    stamp=STAMP_SECOND,
    wire=Wire(
        fields=(Field("MktDay", TEXT, required=False),),
        rows=(Rows("ACE",
                   (Field("instantEST", TIME),
                    Field("value", NUMBER, "ace_mw", "MW",
                          "value: area control error; positive is over-generation "
                          "(MISO exporting more than scheduled).")),
                   INSTANT, context=(Field("RefId", TIME),), tags={"area": "MISO"},
                   rules=(Rule("30-second grid", on_grid("instantEST", HALF_MINUTE, "30-second")),
                          Rule("after RefId", not_after("instantEST")))),),
    ),
    tidy=Tidy(identity=("area", "interval_start"), plot_series="area", plot_values=("ace_mw",),
              columns=(Column("area", "text", "", "The balancing area: MISO."),)),
)
__all__ = ["DATASET", "INSTANT"]
