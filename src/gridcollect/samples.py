"""MISO-shaped sample responses, generated for any instant, in both shapes.

``documented`` follows the examples in the endpoint specs; ``wire`` follows what
MISO really sends (string numbers, one-key row wrappers, naive EST times). Values
come from one deterministic model of a day's load per (operating day, seed): past
values never change between snapshots of a day, new intervals appear as time moves
on, as with MISO. Content therefore depends on ``at`` only through the publication
interval it falls in (5 minutes; 15 for CSAT), and two instants in one interval give
the same snapshot, as MISO would.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any, Literal

from . import sample_catalogue as catalogue

Shape = Literal["documented", "wire"]
SHAPES: tuple[Shape, ...] = ("documented", "wire")
ENDPOINTS = ("CsatSupplyDemand", "RealTimeTotalLoad", "BindingConstraints/Reserve")
"""Endpoints sampled in both shapes."""
WIRE_ENDPOINTS = tuple(catalogue.BUILDERS)
"""Endpoints MISO documents in no other shape than the wire's: sampled as ``wire`` only."""

EST = timezone(timedelta(hours=-5), "EST")  # MISO's clock all year: no daylight saving
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not %b: that follows the locale


def sample(endpoint: str, shape: Shape, at: datetime, seed: int = 0) -> Any:
    """The JSON value ``endpoint`` would answer at ``at`` (naive means UTC), in ``shape``."""
    name = endpoint.strip("/")
    if name not in _BUILDERS and name not in catalogue.BUILDERS:
        known = ", ".join((*ENDPOINTS, *WIRE_ENDPOINTS))
        raise ValueError(f"unknown endpoint {endpoint!r}; known: {known}")
    if shape not in shapes_of(name):
        raise ValueError(f"unknown shape {shape!r} for {name}; known: "
                         f"{', '.join(shapes_of(name))}")
    now = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(EST)
    if name in catalogue.BUILDERS:
        return catalogue.BUILDERS[name](now, seed)
    return _BUILDERS[name](shape == "wire", now, seed)


def shapes_of(endpoint: str) -> tuple[Shape, ...]:
    """The shapes ``endpoint`` is sampled in: both, or only ``wire``."""
    return ("wire",) if endpoint.strip("/") in catalogue.BUILDERS else SHAPES


# -- the model of one operating day ------------------------------------------------


@dataclass(frozen=True)
class _Day:
    """Load, forecast and committed capacity for one EST operating day and seed."""

    level: float
    walk: tuple[float, ...]  # slow wander of actual load, one step per 5 minutes
    forecast_bias: float
    forecast_phase: float
    margin_base: float
    margin_phase: float

    def load(self, minute: int) -> int:
        return round(_curve(minute) + self.level + self.walk[minute // 5])

    def forecast(self, minute: int) -> int:
        wobble = 600 * math.sin(2 * math.pi * 3 * minute / 1440 + self.forecast_phase)
        return round(_curve(minute) + self.level + self.forecast_bias + wobble)

    def margin(self, minute: int) -> int:
        """Committed capacity above load; always well above zero."""
        return round(self.margin_base + 2500 * math.sin(2 * math.pi * minute / 1440
                                                       + self.margin_phase))

    def cleared(self, hour_ending: int) -> int:
        return self.forecast(hour_ending * 60 - 30) - 800


@lru_cache(maxsize=64)
def _day(day: date, seed: int) -> _Day:
    # A str seed is hashed with SHA-512 by random, so it is stable across processes.
    rng = random.Random(f"miso-day|{day.isoformat()}|{seed}")
    steps = (rng.gauss(0, 90) for _ in range(288))
    return _Day(
        level=rng.uniform(-5000, 5000),
        walk=tuple(itertools.accumulate(steps)),
        forecast_bias=rng.uniform(-1200, 1200),
        forecast_phase=rng.uniform(0, 2 * math.pi),
        margin_base=rng.uniform(9000, 13000),
        margin_phase=rng.uniform(0, 2 * math.pi),
    )


def _curve(minute: int) -> float:
    """A typical MISO day: about 67.5 GW before dawn, about 84.5 GW late afternoon."""
    return 76000 - 8500 * math.cos(2 * math.pi * (minute / 60 - 4.5) / 24)


# -- shared formatting ------------------------------------------------------------------


def _floor(now: datetime, minutes: int) -> datetime:
    """The start of the ``minutes``-long interval of the EST day that holds ``now``."""
    since_midnight = _minute(now)
    return datetime.combine(now.date(), time(tzinfo=EST)) + timedelta(
        minutes=since_midnight - since_midnight % minutes
    )


def _minute(t: datetime) -> int:
    return t.hour * 60 + t.minute


def _hhmm(minute: int, *, seconds: bool = False) -> str:
    text = f"{minute // 60 % 24:02d}:{minute % 60:02d}"
    return f"{text}:00" if seconds else text


def _naive(t: datetime) -> str:
    """Wire timestamps: EST wall-clock time without an offset."""
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _wire_ref(t: datetime) -> str:
    """Wire ``RefId``: ``02-Oct-2026 - Interval 16:45 EST``."""
    return f"{t.day:02d}-{_MONTHS[t.month - 1]}-{t.year} - Interval {_hhmm(_minute(t))} EST"


def _ref(t: datetime, wire: bool) -> str:
    return _wire_ref(t) if wire else t.isoformat()


def _number(value: float | int | None, wire: bool) -> Any:
    """Wire numbers are strings and absent ones empty; documented ones stay numbers."""
    if not wire:
        return value
    return "" if value is None else str(value)


def _rows(wrapper: str, rows: list[dict[str, Any]], wire: bool) -> list[Any]:
    """Wire rows sit inside a one-key wrapper object; documented rows do not."""
    return [{wrapper: row} for row in rows] if wire else rows


# -- RealTimeTotalLoad ------------------------------------------------------------------


def _realtime_total_load(wire: bool, now: datetime, seed: int) -> Any:
    t = _floor(now, 5)
    day, tomorrow = _day(t.date(), seed), _day(t.date() + timedelta(days=1), seed)
    m_now = _minute(t)

    def num(value: int) -> Any:
        return _number(value, wire)

    if wire:
        # Wire: the whole operating day, hours numbered 1..24.
        cleared = [{"Hour": str(h), "Value": num(day.cleared(h))} for h in range(1, 25)]
        forecast = [{"HourEnding": str(h), "LoadForecast": num(day.forecast(h * 60 - 30))}
                    for h in range(1, 25)]
    else:
        # Documented: cleared hours of the day, and a forecast for the next 24 hours.
        cleared = [{"Hour": _hhmm(h * 60), "Value": day.cleared(h + 1)} for h in range(24)]
        forecast = []
        for ahead in range(1, 25):
            ending = m_now // 60 * 60 + ahead * 60
            model = day if ending <= 1440 else tomorrow
            forecast.append({"HourEnding": _hhmm(ending),
                             "LoadForecast": model.forecast((ending - 30) % 1440)})
    loads = [{"Time": _hhmm(m, seconds=not wire), "Value": num(day.load(m))}
             for m in range(0, m_now + 1, 5)]
    body = {
        "RefId": _ref(t, wire),
        "ClearedMW": _rows("ClearedMWHourly", cleared, wire),
        "MediumTermLoadForecast": _rows("Forecast", forecast, wire),
        "FiveMinTotalLoad": _rows("Load", loads, wire),
    }
    return {"LoadInfo": body} if wire else body


# -- CsatSupplyDemand -------------------------------------------------------------------


def _csat_supply_demand(wire: bool, now: datetime, seed: int) -> Any:
    t = _floor(now, 15)
    day = _day(t.date(), seed)
    return _csat_wire(t, day) if wire else _csat_documented(t, day, seed)


def _csat_times(t: datetime) -> list[datetime]:
    """The rows of the operating day: every 15 minutes until 1 h 45 after ``t``,
    then every 30 minutes until 3 h 15 after, then hourly (MISO's own spacing)."""
    midnight = datetime.combine(t.date(), time(tzinfo=EST))
    times, current = [], midnight
    while current.date() == t.date():
        times.append(current)
        ahead = (current - t) / timedelta(minutes=1)
        step = 15 if ahead < 105 else 30 if ahead < 195 else 60
        current = _floor(current + timedelta(minutes=step), step)
    return times


def _csat_wire(t: datetime, day: _Day) -> list[dict[str, Any]]:
    rows = []
    for number, row_time in enumerate(_csat_times(t), start=1):
        m = _minute(row_time)
        past = row_time < t
        demand, forecast = day.load(m), day.forecast(m)
        committed_forecast = forecast + day.margin(m)
        # Uncommitted but available units widen the reserve the further out we look.
        horizon = (row_time - t) / timedelta(minutes=1)
        available = committed_forecast + 2000 + round(14000 * min(1.0, horizon / 375))
        rows.append({
            "id": number,
            "timeEst": _naive(row_time),
            "demand": demand if past else None,
            "committedCapacity": demand + day.margin(m) if past else None,
            "demandForecast": None if past else forecast,
            "committedCapacityForecast": None if past else committed_forecast,
            "availableCapacity": None if past else available,
        })
    return rows


def _csat_documented(t: datetime, day: _Day, seed: int) -> dict[str, Any]:
    m = _minute(t)
    demand = day.load(m)
    committed = demand + day.margin(m)
    tomorrow = _day(t.date() + timedelta(days=1), seed)
    demand_forecast = tomorrow.forecast(m)
    stamp = t.isoformat()

    def mw(value: int, **extra: str) -> dict[str, Any]:
        return {"value": value, "unit": "MW", "timestamp": stamp, **extra}

    ratio = (committed - demand) / demand
    score = round(min(1.0, max(0.0, ratio / 0.2)), 2)
    interpretation, risk = next(item for limit, *item in _ADEQUACY if score >= limit)
    return {
        "timestamp": stamp,
        "region": "MISO_TOTAL",
        "data": {
            "actualDemand": mw(demand),
            "committedCapacity": mw(committed),
            "availableCapacity": mw(committed - demand, calculationType="committed_minus_demand"),
            "demandForecast": mw(demand_forecast, forecastHorizon="24h"),
            "committedCapacityForecast": mw(demand_forecast + tomorrow.margin(m),
                                            forecastHorizon="24h"),
        },
        "adequacyScore": {"value": score, "interpretation": interpretation, "riskLevel": risk},
    }


_ADEQUACY = (
    (0.7, "Adequate capacity margin", "LOW"),
    (0.4, "Tight capacity margin", "MEDIUM"),
    (0.0, "Capacity shortfall risk", "HIGH"),
)


# -- BindingConstraints/Reserve ---------------------------------------------------------

_RESERVE_TYPES = ("SPIN", "NSPIN", "REG_UP", "REG_DOWN", "SUPPL")
_RESERVE_ZONES = ("MISO", "RDZ1", "RDZ2", "RDZ3", "RDZ4", "RDZ5", "RDZ6", "RDZ7", "SOUTH")
_CURVES: tuple[tuple[str, tuple[float | None, ...]], ...] = (
    ("", (None, None, None, None)),  # no demand curve: breakpoints absent
    ("MW", (0, 2000, None, None)),
    ("PERCENT", (100, 1000, 102, 2000)),
)


def _binding_constraints_reserve(wire: bool, now: datetime, seed: int) -> Any:
    t = _floor(now, 5)
    # Both shapes draw the same constraints, so they describe one snapshot.
    rng = random.Random(f"miso-reserve|{t.isoformat()}|{seed}")
    if rng.random() < 1 / 3:
        # Nothing binds: MISO sends one placeholder row; the documented shape an empty list.
        placeholder = {"Name": "None - None", "Period": _naive(t), "Price": "None",
                       "Description": "None"}
        return {"RefId": _ref(t, wire), "Constraint": [placeholder] if wire else []}
    pool = [(zone, kind) for zone in _RESERVE_ZONES for kind in _RESERVE_TYPES]
    pairs = sorted(rng.sample(pool, rng.randint(1, 4)))
    period = _naive(t) if wire else t.isoformat()
    return {"RefId": _ref(t, wire),
            "Constraint": [_reserve_row(zone, kind, period, rng, wire) for zone, kind in pairs]}


def _reserve_row(zone: str, kind: str, period: str, rng: random.Random, wire: bool) -> Any:
    curve, breakpoints = rng.choice(_CURVES)
    override = rng.choice((0, 0, 0, 1)) if curve else None
    price = round(rng.uniform(0.5, 150.0), 2)
    quantity = round(rng.uniform(50, 2500), 1)
    direction = {"REG_DOWN": "DOWN", "REG_UP": "UP"}.get(kind) or rng.choice(("UP", "UP", "BOTH"))
    row: dict[str, Any] = {"Name": f"{zone}_{kind}_REQ", "Period": period,
                           "Price": _number(price, wire)}
    if wire:
        # Populated wire rows look like BindingConstraints/RealTime's: all strings.
        row |= {"OVERRIDE": _number(override, wire), "CURVETYPE": curve}
    else:
        row |= {"ReserveType": kind, "Direction": direction, "Quantity": quantity,
                "OVERRIDE": override or 0}
    points = zip(("BP1", "PC1", "BP2", "PC2"), breakpoints, strict=True)
    return row | {name: _number(value, wire) for name, value in points}


_BUILDERS: dict[str, Callable[[bool, datetime, int], Any]] = {
    "CsatSupplyDemand": _csat_supply_demand,
    "RealTimeTotalLoad": _realtime_total_load,
    "BindingConstraints/Reserve": _binding_constraints_reserve,
}

__all__ = ["ENDPOINTS", "EST", "SHAPES", "WIRE_ENDPOINTS", "Shape", "sample", "shapes_of"]
