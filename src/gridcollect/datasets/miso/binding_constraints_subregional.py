"""MISO sub-regional binding constraints: sub-regional power-balance constraints binding
now, with their shadow prices.

On the wire: ``RefId`` and ``Constraint`` rows shaped like the real-time constraints'
plus ``REASON`` and curve points 3 and 4. The recording is MISO's "nothing binding"
placeholder: one row named ``"None"``, its numbers ``"0"``, which gives no table row.
"""

from __future__ import annotations

from ..schema import TEXT, Field, Rows, Tidy, Wire, declare
from .constraints import CURVE_RULE, FIVE_MINUTES, PERIOD, constraint_fields

REASON = Field("REASON", TEXT, "reason", "", "REASON: why the constraint binds; null if none.",
               required=False)

DATASET = declare(
    dgroup="miso_binding_constraints_subregional",
    endpoint="BindingConstraints/SubRegional",
    cadence=FIVE_MINUTES,
    description="MISO sub-regional binding constraints: shadow prices of the sub-regional "
                "constraints binding now.",
    as_of="RefId",
    wire=Wire(
        rows=(Rows("Constraint", (*constraint_fields("BP3", "PC3", "BP4", "PC4"), REASON),
                   PERIOD, placeholder={"Name": ("None",)}, rules=(CURVE_RULE,)),),
    ),
    tidy=Tidy(identity=("name", "interval_start"), plot_series="name",
              plot_values=("shadow_price",)),
)
