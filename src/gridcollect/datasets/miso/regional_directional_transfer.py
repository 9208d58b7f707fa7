"""MISO regional directional transfer (RDT): the flow between MISO North/Central and MISO
South and its limits, every five minutes over a rolling day.

On the wire: ``RefId`` (``02-Oct-2026 - Interval 16:35 EST``) and ``Interval``, rows of
``instantEST`` (``2026-10-01 04:35:00 PM``), ``NORTH_SOUTH_LIMIT`` (``-3000``, MW, the
limit southward, negative), ``SOUTH_NORTH_LIMIT`` (``2500``), ``RAW_MW`` and
``UDSFLOW_MW``, strings, oldest first, the last at the RefId.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ...model import Column
from ..schema import (
    NUMBER,
    TIME,
    Field,
    Interval,
    Rows,
    Rule,
    Tidy,
    Wire,
    declare,
    first_of,
    not_after,
    on_grid,
)

FIVE_MINUTES = timedelta(minutes=5)


def _limit_signs(values: Mapping[str, Any]) -> str | None:
    """Flow is positive northward: the southward limit is <= 0 <= the northward one."""
    south, north = values["NORTH_SOUTH_LIMIT"], values["SOUTH_NORTH_LIMIT"]
    if south > 0 or north < 0:
        return f"NORTH_SOUTH_LIMIT {south:g} must be <= 0 <= SOUTH_NORTH_LIMIT {north:g}"
    return None


def _mw(name: str, column: str, doc: str) -> Field:
    return Field(name, NUMBER, column, "MW", f"{name}: {doc}")


DATASET = declare(
    dgroup="miso_regional_directional_transfer",
    endpoint="RegionalDirectionalTransfer",
    cadence=FIVE_MINUTES,
    description="MISO regional directional transfer: North/Central-South flow (raw and UDS) "
                "and both limits, every five minutes over the last day.",
    as_of="RefId",
    wire=Wire(rows=(Rows(
        "Interval",
        (Field("instantEST", TIME),
         _mw("RAW_MW", "raw_mw", "the measured transfer; positive is northward."),
         _mw("UDSFLOW_MW", "uds_flow_mw", "the transfer the dispatch (UDS) solved for."),
         _mw("NORTH_SOUTH_LIMIT", "north_south_limit_mw",
             "the limit of southward transfer (negative)."),
         _mw("SOUTH_NORTH_LIMIT", "south_north_limit_mw", "the limit of northward transfer.")),
        Interval("instantEST", "instant", timedelta(0),
                 "each row is the state at its five-minute mark (the last one is the "
                 "RefId's); MISO shows them as points, not averages."),
        context=(Field("RefId", TIME),), tags={"transfer": "North-South"},
        rules=(Rule("limit signs", _limit_signs), Rule("five-minute grid", first_of(
            # Instants are on the five-minute marks, none after the RefId.
            on_grid("instantEST", FIVE_MINUTES, "five-minute"),
            not_after("instantEST", "%Y-%m-%d %H:%M")))),
    ),)),
    tidy=Tidy(identity=("transfer", "interval_start"), plot_series="transfer",
              plot_values=("raw_mw", "uds_flow_mw", "north_south_limit_mw",
                           "south_north_limit_mw"),
              columns=(Column("transfer", "text", "", "The transfer: North-South "
                                                      "(MISO North/Central and MISO South)."),)),
)
__all__ = ["DATASET"]
