"""Tidy rows of CSAT supply and demand: one per (region, interval), from either shape.

The wire shape is a list of points, 15 minutes apart near the snapshot's time and wider
apart later (30 minutes, then hourly); each point's interval runs to the next point. The
documented shape carries one point per snapshot: each measure at its own ``timestamp``
(the snapshot's when it has none), lasting one 15-minute cadence.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ...model import Column, Row, Table, TableContext
from ...validation import InvalidValue, parse_est
from .tables import INTERVAL_COLUMNS, interval, optional_number

CADENCE = timedelta(minutes=15)
TOTAL = "MISO_TOTAL"

# Column -> (wire field, documented measure).
MEASURES = {
    "actual_demand_mw": ("demand", "actualDemand"),
    "committed_capacity_mw": ("committedCapacity", "committedCapacity"),
    "forecast_demand_mw": ("demandForecast", "demandForecast"),
    "forecast_committed_capacity_mw": ("committedCapacityForecast", "committedCapacityForecast"),
    "available_capacity_mw": ("availableCapacity", "availableCapacity"),
}
_DOCS = {
    "actual_demand_mw": "Actual demand (wire: past points only).",
    "committed_capacity_mw": "Committed capacity (wire: past points only).",
    "forecast_demand_mw": "Forecast demand (wire: points from the snapshot's time on).",
    "forecast_committed_capacity_mw": "Forecast committed capacity (wire: future points).",
    "available_capacity_mw": (
        "Available capacity. Wire: forecast capacity that could be made available, on "
        "future points; documented: committed capacity minus actual demand."
    ),
}

COLUMNS = (
    *INTERVAL_COLUMNS,
    Column("region", "text", "", "MISO_TOTAL, or the region collected (CENTRAL, SOUTH, NORTH)."),
    *(Column(name, "number", "MW", _DOCS[name]) for name in MEASURES),
)


def as_of(payload: Any) -> datetime:
    """Documented: ``timestamp``. Wire: the first point that is a forecast, not an actual
    (MISO's own "now"), in UTC."""
    if isinstance(payload, dict):
        return parse_est(payload.get("timestamp"))
    for row in payload:
        if isinstance(row, dict) and row.get("demand") is None and _has_forecast(row):
            return parse_est(row.get("timeEst"))
    raise InvalidValue("no point is a forecast (demand null, a forecast present): "
                       "the snapshot does not say which instant is now")


def ref(payload: Any, ctx: TableContext) -> datetime:
    """The snapshot's as-of instant; for an object stored before as-of instants were
    required and holding no forecast point, when it was collected."""
    try:
        return as_of(payload)
    except InvalidValue:
        stored = ctx.stored if isinstance(ctx.stored, dict) else {}
        return parse_est(stored.get("collection_timestamp"))


def rows(payload: Any, ctx: TableContext) -> Iterator[Row]:
    """Rows of either shape; our own no-data placeholder has none."""
    if isinstance(payload, list):
        yield from _wire_rows(payload, _region(payload, ctx), ctx)
    elif isinstance(payload, dict) and "data" in payload:
        yield from _documented_rows(payload, _region(payload, ctx), ctx)


def _region(payload: Any, ctx: TableContext) -> str:
    if isinstance(payload, dict) and isinstance(payload.get("region"), str):
        return str(payload["region"])
    stored = ctx.stored if isinstance(ctx.stored, dict) else {}
    metadata = stored.get("metadata")
    region = metadata.get("region") if isinstance(metadata, dict) else None
    return region if isinstance(region, str) else TOTAL


def _has_forecast(row: dict[str, Any]) -> bool:
    return row.get("demandForecast") is not None or row.get("availableCapacity") is not None


def _wire_rows(points: list[Any], region: str, ctx: TableContext) -> Iterator[Row]:
    placed: list[tuple[datetime, dict[str, Any]]] = []
    for index, row in enumerate(points):
        try:
            if not isinstance(row, dict):
                raise InvalidValue("not an object")
            placed.append((parse_est(row.get("timeEst")), row))
        except InvalidValue as exc:
            ctx.skip(f"[{index}]: {exc}")
    placed.sort(key=lambda item: item[0])
    for index, (start, row) in enumerate(placed):
        end = _end_of(placed, index)
        values = {
            name: optional_number(row.get(wire), f"{row.get('timeEst')}: {wire}", ctx)
            for name, (wire, _documented) in MEASURES.items()
        }
        yield {**interval(start, end), "region": region, **values}


def _end_of(placed: list[tuple[datetime, Any]], index: int) -> datetime:
    """The next point's time; the last point lasts as long as the gap before it."""
    start = placed[index][0]
    later = [when for when, _row in placed[index + 1:] if when > start]
    if later:
        return later[0]
    earlier = [when for when, _row in placed[:index] if when < start]
    return start + (start - earlier[-1] if earlier else CADENCE)


def _documented_rows(payload: dict[str, Any], region: str, ctx: TableContext) -> Iterator[Row]:
    data = payload["data"] if isinstance(payload["data"], dict) else {}
    default = parse_est(payload.get("timestamp"))
    by_time: dict[datetime, dict[str, float | None]] = {}
    for name, (_wire, documented) in MEASURES.items():
        measure = data.get(documented)
        if not isinstance(measure, dict):
            continue
        value = optional_number(measure.get("value"), f"data.{documented}.value", ctx)
        if value is None:
            continue
        try:
            when = parse_est(measure["timestamp"]) if "timestamp" in measure else default
        except InvalidValue as exc:
            ctx.skip(f"data.{documented}.timestamp: {exc}")
            continue
        by_time.setdefault(when, {})[name] = value
    for start in sorted(by_time):
        values = {name: by_time[start].get(name) for name in MEASURES}
        yield {**interval(start, start + CADENCE), "region": region, **values}


TABLE = Table(
    columns=COLUMNS,
    identity=("region", "interval_start"),
    rows=rows,
    ref=ref,
    plot_series="region",
    plot_values=tuple(MEASURES),
)
