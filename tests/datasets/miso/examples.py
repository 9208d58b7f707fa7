"""Example payloads for the MISO tests (our own values) and small helpers to vary them."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from gridcollect.model import Slot, Snapshot, Verdict

REPO = Path(__file__).resolve().parents[3]
WIRE = REPO / "../shared/fixtures/miso/wire"
SHAPE = REPO / "../shared/fixtures/miso/shape"  # real answers known by shape only

PASS, WARN, FAIL = "pass", "warn", "fail"
DELETE = object()


def wire(name: str) -> Any:
    """A recorded MISO response from the shared fixtures, e.g. ``wire("CsatSupplyDemand")``."""
    return json.loads((WIRE / f"{name}.json").read_text(encoding="utf-8"))


def changed(payload: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A deep copy of ``payload`` with the value at ``path`` replaced (or removed: ``DELETE``)."""
    result = copy.deepcopy(payload)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return result


def assert_outcome(verdict: Verdict, outcome: str, mention: str | None, shape: str) -> None:
    """``pass``: no problems, no warnings; ``warn``: no problems, a warning naming ``mention``;
    ``fail``: rejected with a reason naming ``mention``."""
    assert verdict.shape == shape, verdict
    if outcome == FAIL:
        assert not verdict.ok, verdict
        assert mention and mention in verdict.reason, verdict.reason
        return
    assert verdict.ok, verdict.reason
    if outcome == WARN:
        assert any(mention and mention in warning for warning in verdict.warnings), verdict
    else:
        assert verdict.warnings == (), verdict.warnings


def snapshot(payload: Any, at: datetime, params: dict[str, str] | None = None,
             *, placeholder: bool = False, as_of: datetime | None = None) -> Snapshot:
    """A snapshot as the pipeline would hand it to an envelope builder (as of ``at``
    unless ``as_of`` says otherwise)."""
    return Snapshot(
        dataset="test",
        slot=Slot(at=at, params=params or {}),
        payload=payload,
        sha256="0" * 64,
        source_url="https://example.test/api/Endpoint",
        collected_at=at.replace(second=7, microsecond=250000),
        placeholder=placeholder,
        as_of=at if as_of is None else as_of,
    )


# --- CSAT ---------------------------------------------------------------------------


def csat_documented() -> dict[str, Any]:
    """A documented-shape CSAT response: 81,200 MW demand, 90,450 MW committed."""
    stamp = "2025-12-05T05:00:00-05:00"

    def measure(value: float, **extra: Any) -> dict[str, Any]:
        return {"value": value, "unit": "MW", "timestamp": stamp, **extra}

    return {
        "timestamp": stamp,
        "region": "SOUTH",
        "data": {
            "actualDemand": measure(81_200),
            "committedCapacity": measure(90_450),
            "availableCapacity": measure(9_250, calculationType="committed_minus_demand"),
            "demandForecast": measure(83_100, forecastHorizon="24h"),
            "committedCapacityForecast": measure(91_700, forecastHorizon="24h"),
        },
        "adequacyScore": {"value": 0.62, "interpretation": "comfortable", "riskLevel": "LOW"},
    }


def csat_wire() -> list[dict[str, Any]]:
    """Two wire-shape CSAT rows: one past (actuals), one future (forecasts)."""
    return [
        {"id": 1, "timeEst": "2025-12-05T10:00:00", "demand": 80_120,
         "committedCapacity": 88_400, "demandForecast": None,
         "committedCapacityForecast": None, "availableCapacity": None},
        {"id": 2, "timeEst": "2025-12-05T10:15:00", "demand": None,
         "committedCapacity": None, "demandForecast": 80_500,
         "committedCapacityForecast": 89_000, "availableCapacity": 93_300},
    ]


# --- Real-time total load -------------------------------------------------------------


def total_load_documented() -> dict[str, Any]:
    """A documented-shape total-load response with two rows in each array."""
    return {
        "RefId": "2025-12-05T12:35:00Z",
        "ClearedMW": [{"Hour": "11:00", "Value": 30_910}, {"Hour": "12:00", "Value": 31_275}],
        "MediumTermLoadForecast": [
            {"HourEnding": "13:00", "LoadForecast": 33_020},
            {"HourEnding": "14:00", "LoadForecast": 33_480},
        ],
        "FiveMinTotalLoad": [
            {"Time": "12:30:00", "Value": 31_640},
            {"Time": "12:35:00", "Value": 31_702},
        ],
    }


def total_load_wire() -> dict[str, Any]:
    """A wire-shape total-load response: LoadInfo, one-key row wrappers, string numbers."""
    return {
        "LoadInfo": {
            "RefId": "05-Dec-2025 - Interval 12:35 EST",
            "ClearedMW": [{"ClearedMWHourly": {"Hour": "12", "Value": "31,275"}}],
            "MediumTermLoadForecast": [{"Forecast": {"HourEnding": "13", "LoadForecast": "33020"}}],
            "FiveMinTotalLoad": [
                {"Load": {"Time": "12:30", "Value": "31640"}},
                {"Load": {"Time": "12:35", "Value": "31,702"}},
            ],
        }
    }


# --- Reserve binding constraints ------------------------------------------------------


def reserve_row() -> dict[str, Any]:
    """A documented-shape reserve constraint row with all eleven fields."""
    return {
        "Name": "ZONE3_SPIN_REQ",
        "Period": "2025-12-05T09:35:00",
        "Price": 14.25,
        "ReserveType": "SPIN",
        "Direction": "UP",
        "Quantity": 410.0,
        "OVERRIDE": 0,
        "BP1": None,
        "PC1": None,
        "BP2": 1.5,
        "PC2": 300,
    }


def reserve_documented() -> dict[str, Any]:
    """A documented-shape reserve response with two binding constraints."""
    second = dict(reserve_row(), Name="SOUTH_REGUP_REQ", ReserveType="REG_UP", OVERRIDE=True)
    return {"RefId": "2025-12-05T09:35:00-05:00", "Constraint": [reserve_row(), second]}


def reserve_wire_row() -> dict[str, str]:
    """A populated wire-shape reserve row: all strings, "" where a field does not apply."""
    return {
        "Name": "ZONE3_SPIN_REQ", "Period": "2025-12-05T09:35:00", "Price": "-1,204.5",
        "OVERRIDE": "1", "CURVETYPE": "MW", "BP1": "0", "PC1": "2000", "BP2": "", "PC2": "",
    }


def reserve_wire() -> dict[str, Any]:
    """A wire-shape reserve response (RefId in MISO's interval form)."""
    return {"RefId": "05-Dec-2025 - Interval 09:35 EST", "Constraint": [reserve_wire_row()]}
