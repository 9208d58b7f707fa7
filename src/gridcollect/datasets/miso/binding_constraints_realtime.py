"""MISO real-time binding constraints: the transmission constraints binding in the
current five-minute interval and their shadow prices.

On the wire: ``RefId`` and ``Constraint`` rows of strings: ``Name``, ``Period``
(``2026-10-02T16:45:00``), ``Price``, ``OVERRIDE``, ``CURVETYPE``, ``BP1``/``PC1``/
``BP2``/``PC2`` (``""`` when unused). When nothing binds MISO sends a placeholder row
named ``None``, which gives no table row.
"""

from __future__ import annotations

from ..schema import Rows, Tidy, Wire, declare
from .constraints import CURVE_RULE, FIVE_MINUTES, PERIOD, constraint_fields

DATASET = declare(
    dgroup="miso_binding_constraints_realtime",
    endpoint="BindingConstraints/RealTime",
    cadence=FIVE_MINUTES,
    description="MISO real-time binding constraints: shadow prices of the transmission "
                "constraints binding in the current five-minute interval.",
    as_of="RefId",
    wire=Wire(
        rows=(Rows("Constraint", constraint_fields(), PERIOD, placeholder={"Name": ("None",)},
                   rules=(CURVE_RULE,)),),
    ),
    tidy=Tidy(identity=("name", "interval_start"), plot_series="name",
              plot_values=("shadow_price",)),
)
