"""MISO's headline figures ("Snapshot"): forecast peak demand, current demand, marginal
energy cost and scheduled interchange, each at its own time.

On the wire: a list of four objects ``{"t": title, "v": value, "d": time, "id": "0"}``;
values are formatted strings (``"83,808"``, ``"$36.32"``, ``"-656"``), times in the
``10/02/2026 4:45:00 PM EST`` form, and one title holds ``\\u002B`` (``+``). There is no
``RefId``: the snapshot's as-of instant is the latest of the figures' own times.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..schema import (
    AMOUNT,
    TEXT,
    TIME,
    Field,
    Interval,
    Rows,
    Rule,
    Tidy,
    Wire,
    as_of_latest,
    declare,
)

_UNIT = re.compile(r"\(([^()]+)\)\s*$")


def _names_unit(values: Mapping[str, Any]) -> str | None:
    """Each title ends with its unit in parentheses: ``(MW)``, ``($/MWh)``."""
    if not _UNIT.search(values["t"]):
        return f"title {values['t']!r} names no unit in parentheses"
    return None


DATASET = declare(
    dgroup="miso_snapshot",
    endpoint="Snapshot",
    cadence=timedelta(minutes=5),
    description="MISO's headline figures: forecast peak demand, current demand, marginal "
                "energy cost and scheduled interchange, each at its own time.",
    as_of=as_of_latest("", "d"),
    wire=Wire(rows=(Rows(
        "",
        (Field("t", TEXT, "figure", "", "t: the figure's title, its unit in parentheses "
                                       "(Current Demand (MW)); \\u002B decoded to +."),
         Field("v", AMOUNT, "value", "", "v: the figure, in the unit its title names "
                                         "(MW or $/MWh), thousands separators and $ read."),
         Field("d", TIME),
         Field("id", TEXT, required=False)),
        Interval("d", "instant", timedelta(0),
                 "each figure carries its own time (d): current demand and cost at the "
                 "five-minute mark, scheduled interchange at its minute, the forecast "
                 "peak at the start of the day it is for; none is an interval."),
        rules=(Rule("unit in title", _names_unit),),
    ),)),
    tidy=Tidy(identity=("figure", "interval_start"), plot_series="figure",
              plot_values=("value",)),
)
__all__ = ["DATASET"]
