"""MISO fuel mix of the day so far: every five-minute interval since EST midnight, MW by
fuel category (about 1,600 rows, 180 KB).

On the wire: as ``FuelMix`` (``RefId``, ``Fuel.Type`` rows of ``INTERVALEST``,
``CATEGORY``, ``ACT``, ``FUEL_CATEGORY``), but its ``TotalMW`` is ``"0"``: no total here.
"""

from __future__ import annotations

from ..schema import NUMBER, Field, Wire, declare
from .fuel_mix import FIVE_MINUTES, FUEL_ROWS, TABLE

DATASET = declare(
    dgroup="miso_fuel_mix_today",
    endpoint="FuelMix/Today",
    cadence=FIVE_MINUTES,
    description="MISO fuel mix of the day so far: MW by fuel category for every five-minute "
                "interval since midnight EST.",
    as_of="RefId",
    wire=Wire(fields=(Field("TotalMW", NUMBER, required=False),),
              rows=(FUEL_ROWS,)),
    tidy=TABLE,
)
