"""MISO CSAT supply and demand: committed capacity against demand, every 15 minutes.

Two shapes are accepted. The *documented* one is an object with ``timestamp``,
``region``, ``data`` (five MW measures) and ``adequacyScore``. The *wire* one, what
MISO really sends, is an array of rows (``id``, ``timeEst``, ``demand``, ...) where past
rows carry actuals and future rows carry forecasts.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ...largejson import LazyArray
from ...model import Parameter, Slot, Snapshot, Verdict, Window
from ...validation import (
    Checker,
    at,
    describe,
    format_number,
    to_utc,
    unrecognised,
    utc_iso,
)
from ..schema import declare, unwrap_at
from .csat_supply_demand_tables import TABLE, as_of
from .tables import snapshot_times

REGIONS = ("CENTRAL", "SOUTH", "NORTH")
TOTAL = "MISO_TOTAL"
TOLERANCE_MW = 1.0

_TOP_FIELDS = ("timestamp", "region", "data", "adequacyScore")
_MEASURES = (
    "actualDemand",
    "committedCapacity",
    "availableCapacity",
    "demandForecast",
    "committedCapacityForecast",
)
_FORECASTS = ("demandForecast", "committedCapacityForecast")
_WIRE_FIELDS = (
    "id",
    "timeEst",
    "demand",
    "committedCapacity",
    "demandForecast",
    "committedCapacityForecast",
    "availableCapacity",
)
_WIRE_MW = _WIRE_FIELDS[2:]
_EXPECTED = (
    "an object with timestamp, region, data and adequacyScore (documented), "
    "or an array of rows with " + ", ".join(_WIRE_FIELDS) + " (wire)"
)
_NO_DATA = "no_data"


def validate(payload: Any) -> Verdict:
    """Check a CSAT payload of either shape; our own no-data placeholder is also valid."""
    if _is_placeholder(payload):
        return Verdict("placeholder")
    if isinstance(payload, list | LazyArray):
        return _check_wire(payload)
    if isinstance(payload, dict) and any(name in payload for name in _TOP_FIELDS):
        return _check_documented(payload)
    return unrecognised(payload, _EXPECTED)


def _check_documented(payload: dict[str, Any]) -> Verdict:
    check = Checker("documented")
    check.require(payload, _TOP_FIELDS, "")
    if "timestamp" in payload:
        check.time(payload["timestamp"], "timestamp", failure=False)
    if "region" in payload and payload["region"] not in (*REGIONS, TOTAL):
        check.warn("region", f"unexpected region {describe(payload['region'])}")
    data = check.obj(payload["data"], "data") if "data" in payload else None
    if data is not None:
        check.require(data, _MEASURES, "data")
        values: dict[str, float | None] = {}
        for name in _MEASURES:
            measure = check.obj(data[name], at("data", name)) if name in data else None
            if measure is not None:
                values[name] = _measure(check, measure, at("data", name), name in _FORECASTS)
        _check_balance(check, values)
    if "adequacyScore" in payload:
        _check_score(check, payload["adequacyScore"])
    return check.verdict()


def _measure(check: Checker, measure: dict[str, Any], path: str, forecast: bool) -> float | None:
    check.require(measure, ("value", "unit"), path)
    if "unit" in measure and measure["unit"] != "MW":
        check.fail(at(path, "unit"), f"unit must be 'MW', got {describe(measure['unit'])}")
    if forecast and "forecastHorizon" not in measure:
        check.fail(path, "a forecast must carry forecastHorizon")
    if "value" not in measure:
        return None
    return check.number(measure["value"], at(path, "value"), non_negative=True)


def _check_balance(check: Checker, values: dict[str, float | None]) -> None:
    actual = values.get("actualDemand")
    committed = values.get("committedCapacity")
    available = values.get("availableCapacity")
    if actual is None or committed is None:
        return
    if committed < actual:
        check.fail("data", f"committedCapacity ({_mw(committed)}) < actualDemand ({_mw(actual)})")
    margin = committed - actual
    if available is not None and abs(available - margin) > TOLERANCE_MW:
        # A warning, as the system the specification came from logs it: the snapshot is
        # MISO's word and is kept.
        check.warn(
            "data",
            f"availableCapacity ({_mw(available)}) != committedCapacity - actualDemand "
            f"({_mw(margin)}), beyond the {format_number(TOLERANCE_MW)} MW tolerance",
        )


def _check_score(check: Checker, raw: Any) -> None:
    score = check.obj(raw, "adequacyScore")
    if score is None or not check.require(score, ("value",), "adequacyScore"):
        return
    value = check.number(score["value"], "adequacyScore.value")
    if value is not None and not 0 <= value <= 1:
        rule = f"adequacyScore must be within [0, 1], got {format_number(value)}"
        check.fail("adequacyScore.value", rule)


def _check_wire(rows: list[Any] | LazyArray) -> Verdict:
    check = Checker("wire")
    if not rows:
        check.warn("", "no rows")
    for index, raw in enumerate(rows):
        path = at("", index)
        row = check.obj(raw, path)
        if row is None:
            continue
        check.require(row, _WIRE_FIELDS, path)
        if "id" in row:
            ident = check.number(row["id"], at(path, "id"))
            if ident is not None and not ident.is_integer():
                check.fail(at(path, "id"), f"must be an integer, got {describe(row['id'])}")
        if "timeEst" in row:
            check.time(row["timeEst"], at(path, "timeEst"))
        mw = {
            name: check.number(row[name], at(path, name), nullable=True, non_negative=True)
            for name in _WIRE_MW
            if name in row
        }
        if all(value is None for value in mw.values()):
            check.warn(path, "row carries neither actuals nor forecasts")
        # MISO's committed capacity can dip below demand for a moment; worth seeing, not
        # worth losing the snapshot over.
        for supply, demand in (
            ("committedCapacity", "demand"),
            ("committedCapacityForecast", "demandForecast"),
        ):
            have, need = mw.get(supply), mw.get(demand)
            if have is not None and need is not None and have < need:
                check.warn(path, f"{supply} ({_mw(have)}) < {demand} ({_mw(need)})")
    return check.verdict()


def _mw(value: float) -> str:
    return f"{format_number(value)} MW"


def placeholder(slot: Slot) -> dict[str, Any]:
    """What we store when MISO has no data (404). It names its slot: the registry keeps a
    digest for a year, so a placeholder without a time would be recorded for the first
    404 of a region and never again."""
    return {
        "status": _NO_DATA,
        "message": "no data available",
        "region": slot.params.get("region") or TOTAL,
        "slot": utc_iso(slot.at),
    }


def _is_placeholder(payload: Any) -> bool:
    # Placeholders stored before they named their slot have no "slot".
    return (
        isinstance(payload, dict)
        and payload.keys() in ({"status", "message", "region"},
                               {"status", "message", "region", "slot"})
        and payload["status"] == _NO_DATA
    )


def envelope(snapshot: Snapshot) -> dict[str, Any]:
    """The stored object: the response plus collection metadata."""
    metadata: dict[str, Any] = {
        "data_type": "csat_supply_demand",
        "source": "miso",
        "timestamp": to_utc(snapshot.key_time).strftime("%Y%m%dT%H%M%SZ"),
        "region": snapshot.slot.params.get("region") or TOTAL,
        "update_frequency": "15min",
        "forecast_horizon": "24h",
        **snapshot_times(snapshot),
    }
    if snapshot.placeholder:
        metadata["placeholder"] = True
    return {
        "collection_timestamp": utc_iso(snapshot.collected_at),
        "api_response": snapshot.payload,
        "metadata": metadata,
    }


# Hand-written validator and table (docs/datasets.md says why): nested documented
# measures with a balance rule, wire warnings at row level, point-to-point intervals and
# the region from the envelope.
DATASET = declare(
    dgroup="miso_csat_supply_demand",
    endpoint="CsatSupplyDemand",
    cadence=timedelta(minutes=15),
    description="MISO short-term capacity adequacy (CSAT): demand against committed capacity.",
    as_of=as_of,
    retention=timedelta(days=365),
    key=("miso_csat_supply_demand/year={t:%Y}/month={t:%m}/day={t:%d}/"
         "csat_supply_demand_{t:%Y%m%dT%H%M%SZ}{suffix}.json.gz"),
    envelope=envelope,
    unwrap=unwrap_at("api_response", "CSAT"),
    window=Window(
        "--start-datetime",
        "--end-datetime",
        "UTC, YYYY-MM-DDTHH:MM:SS; one snapshot per 15 minutes in the window",
    ),
    parameters=(
        Parameter(
            name="region",
            query_name="region",
            choices=REGIONS,
            help="MISO region to collect; omit for the MISO total",
        ),
    ),
    no_data_statuses=frozenset({404}),
    placeholder=placeholder,
    status_reasons={400: "invalid region (MISO accepts CENTRAL, SOUTH or NORTH)"},
    validator=validate,
    table=TABLE,
)
