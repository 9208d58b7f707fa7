"""MISO ex-ante LMP at the hubs: the prices the real-time market expects for the next
five-minute interval, before it is dispatched.

On the wire: ``LMPData.RefId`` and ``LMPData.ExAnteLMP`` with ``HourAndMin`` (``16:50``)
and ``Hub`` rows of ``name``, ``LMP``, ``loss`` and ``congestion`` (strings, $/MWh).
"""

from __future__ import annotations

from ..schema import CLOCK, TEXT, Field, Interval, Rows, Tidy, Wire, declare
from .prices import FIVE_MINUTES, energy_rule, price_fields

INTERVAL = Interval(
    "HourAndMin", "start", FIVE_MINUTES,
    "An ex-ante price is computed for the interval about to be dispatched; MISO labels it "
    "with the same HourAndMin as its RefId (16:50), as the five-minute ex-post prices "
    "label the interval they price by its start.",
)

DATASET = declare(
    dgroup="miso_public_exante_lmp",
    endpoint="MarketPricing/GetExAnteLmp",
    cadence=FIVE_MINUTES,
    description="MISO ex-ante LMP at the hubs: LMP, loss and congestion ($/MWh) expected "
                "for the next five-minute interval.",
    as_of="LMPData.RefId",
    wire=Wire(
        rows=(
            Rows("LMPData.ExAnteLMP.Hub",
                 (Field("name", TEXT, "node", "", "name: the hub."),
                  *price_fields("LMP", "loss", "congestion")),
                 INTERVAL, context=(Field("HourAndMin", CLOCK),),
                 across=(energy_rule("LMP", "loss", "congestion"),)),
        ),
    ),
    tidy=Tidy(identity=("node", "interval_start"), plot_series="node", plot_values=("lmp",)),
)
