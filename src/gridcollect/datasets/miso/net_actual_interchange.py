"""MISO net actual interchange (NAI): the metered MW flowing over MISO's ties, now.

On the wire: ``Date`` (``02-Oct-2026 - Interval 16:30 EST``) and ``Actual`` with
``HourandMin`` (``16:30``) and ``TieFlow``: a single object ``{"Name": "MISO", "Value":
"-180.77"}`` in the recording, not a list; a list of such objects is read the same way.
"""

from __future__ import annotations

from datetime import timedelta

from ..schema import CLOCK, NUMBER, TEXT, Field, Interval, Rows, Tidy, Wire, declare

FIVE_MINUTES = timedelta(minutes=5)
INTERVAL = Interval(
    "HourandMin", "end", FIVE_MINUTES,
    "gridstatus (MISO.get_interchange_5_min) puts MISO's net actual interchange on the "
    "same five-minute Interval End as the five-minute NSI; we read HourandMin (on a "
    "five-minute mark, 16:30) the same way, so a row lines up with the NSI row of the "
    "same label.",
)


TIE_ROWS = Rows(
    "Actual.TieFlow",
    (Field("Name", TEXT, "tie", "", "Name: the tie or tie group (MISO: MISO's net over all "
                                    "ties)."),
     Field("Value", NUMBER, "mw", "MW", "Value: net actual interchange; negative is an import "
                                        "into MISO.")),
    INTERVAL, context=(Field("HourandMin", CLOCK),),
    one_or_many=True,
)
DATASET = declare(
    dgroup="miso_net_actual_interchange",
    command="nai",
    endpoint="Interchange/GetNai",
    cadence=FIVE_MINUTES,
    description="MISO net actual interchange: metered MW over MISO's ties, per tie, in the "
                "latest five-minute interval.",
    as_of="Date",
    wire=Wire(rows=(TIE_ROWS,)),
    tidy=Tidy(identity=("tie", "interval_start"), plot_series="tie", plot_values=("mw",)),
)
__all__ = ["DATASET", "INTERVAL"]
