"""MISO five-minute ex-post LMP at every commercial pricing node, for the latest interval.

On the wire: ``headers`` (``INTERVAL``, ``CPNODE``, ``LMP``, ``MLC``, ``MCC``) and ``data``,
one array per node (2,628 in the recording), read by header name, never by position.
The payload has no ``RefId``: its as-of instant is its latest ``INTERVAL``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...validation import InvalidValue, parse_est
from ..schema import TEXT, TIME, Field, Interval, Rows, Tidy, Wire, declare, lookup
from .prices import FIVE_MINUTES, energy_rule, is_hub, price_fields

INTERVAL = Interval(
    "INTERVAL", "start", FIVE_MINUTES,
    "gridstatus reads INTERVAL as the interval's start; the consolidated table's "
    "FiveMinLMP block carries the same prices under the same label (16:50), so both "
    "tables place them on 16:50-16:55 EST.",
)


def as_of(payload: Any) -> datetime:
    """The snapshot's as-of instant: its latest INTERVAL, in UTC."""
    try:
        header, rows = lookup(payload, "headers"), lookup(payload, "data")
        column = header.index("INTERVAL")
        labels = {row[column] for row in rows if isinstance(row, list) and len(row) > column}
    except (KeyError, ValueError, AttributeError, TypeError):
        raise InvalidValue("no INTERVAL column in headers and data") from None
    if not labels:
        raise InvalidValue("no rows, hence no INTERVAL")
    return max(parse_est(label) for label in labels)


DATASET = declare(
    dgroup="miso_lmp_five_min_expost",
    endpoint="MarketPricing/GetRealTimeFiveMinExPost/Current",
    cadence=FIVE_MINUTES,
    description="MISO five-minute ex-post LMP at every pricing node: LMP, loss and "
                "congestion ($/MWh) of the latest interval.",
    as_of=as_of,
    wire=Wire(
        rows=(
            Rows("data",
                 (Field("INTERVAL", TIME), Field("CPNODE", TEXT, "node", "", "CPNODE: the node."),
                  *price_fields()),
                 INTERVAL, header="headers", across=(energy_rule(),)),
        ),
    ),
    tidy=Tidy(identity=("node", "interval_start"), plot_series="node", plot_values=("lmp",),
              plot_filter=is_hub),
)
