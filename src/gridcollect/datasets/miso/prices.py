"""Pieces shared by the MISO price datasets: price fields, the energy-component rule,
and which nodes a plot draws."""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from ...model import Row
from ..schema import NUMBER, Across, Field

FIVE_MINUTES = timedelta(minutes=5)
ONE_HOUR = timedelta(hours=1)
# Three prices rounded to cents: their difference may be off by up to 1.5 cents.
ROUNDING = 0.015


def price_fields(lmp: str = "LMP", mlc: str = "MLC", mcc: str = "MCC") -> tuple[Field, ...]:
    """LMP and its loss and congestion components, read by name (blocks order them
    differently), as columns ``lmp``, ``mlc``, ``mcc`` in $/MWh."""
    return (
        Field(lmp, NUMBER, "lmp", "$/MWh", f"{lmp}: locational marginal price."),
        Field(mlc, NUMBER, "mlc", "$/MWh", f"{mlc}: its marginal loss component."),
        Field(mcc, NUMBER, "mcc", "$/MWh", f"{mcc}: its marginal congestion component."),
    )


def _energy_agrees(lmp: str, mlc: str, mcc: str) -> Any:
    def check(rows: Sequence[tuple[int, Mapping[str, Any]]]) -> Iterator[tuple[int, str]]:
        energy = [(index, v[lmp] - v[mlc] - v[mcc]) for index, v in rows]
        if not energy:
            return
        usual = statistics.median(value for _index, value in energy)
        for index, value in energy:
            if abs(value - usual) > ROUNDING:
                yield index, (f"{lmp} - {mlc} - {mcc} = {value:.2f}, the block's others "
                              f"{usual:.2f}")
    return check


def energy_rule(lmp: str = "LMP", mlc: str = "MLC", mcc: str = "MCC") -> Across:
    """A warning for a node whose energy component (LMP minus its loss and congestion
    components) differs from the block's: MISO's is one system-wide price per interval."""
    return Across("energy component", _energy_agrees(lmp, mlc, mcc), failure=False)


def is_hub(row: Row) -> bool:
    """Trading hubs only (``*.HUB``): a readable plot of thousands of nodes."""
    node = row.get("node")
    return isinstance(node, str) and node.endswith(".HUB")
