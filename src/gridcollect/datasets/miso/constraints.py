"""Pieces shared by the binding-constraint datasets (real-time and sub-regional): the
fields of a constraint row, the curve rule, and what a row's ``Period`` means."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ..schema import FLAG, NUMBER, TEXT, TIME, Field, Interval, Rule

FIVE_MINUTES = timedelta(minutes=5)
PERIOD = Interval(
    "Period", "end", FIVE_MINUTES,
    "gridstatus's maintainers concluded that Period is the interval's end (pull request "
    "803); MISO says nothing otherwise. The recording's Period equals its RefId.",
)
CURVE_POINTS = ("BP1", "PC1", "BP2", "PC2")


def constraint_fields(*extra: str) -> tuple[Field, ...]:
    """Name, Period, Price and the optional demand-curve fields (``""`` when unused);
    ``extra`` names further optional breakpoints (``BP3``, ``PC3``, ...)."""
    points = (*CURVE_POINTS, *extra)
    return (
        Field("Name", TEXT, "name", "", "Name: the constraint."),
        Field("Period", TIME),
        Field("Price", NUMBER, "shadow_price", "$/MWh", "Price: the constraint's shadow price."),
        Field("OVERRIDE", FLAG, "override", "", "OVERRIDE; null when MISO sends none.",
              required=False),
        Field("CURVETYPE", TEXT, "curve_type", "", "CURVETYPE (MW, PERCENT); null if none.",
              required=False),
        *(Field(name, NUMBER, name.lower(), "curve_type" if name.startswith("BP") else "$",
                f"{name}: {'breakpoint' if name.startswith('BP') else 'price at breakpoint'} "
                f"{name[2:]} of the curve; null if none.", required=False) for name in points),
    )


def _curve_complete(values: Mapping[str, Any]) -> str | None:
    """A demand curve (CURVETYPE given) has at least its first breakpoint and price."""
    if values.get("CURVETYPE") is None:
        return None
    missing = [name for name in ("BP1", "PC1") if values.get(name) is None]
    if missing:
        return f"CURVETYPE {values['CURVETYPE']!r} without {' and '.join(missing)}"
    return None


CURVE_RULE = Rule("demand curve", _curve_complete)
