"""Generated MISO samples: both shapes, plausible values, the recorded wire structure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridcollect import datasets
from gridcollect.model import Dataset
from gridcollect.samples import ENDPOINTS, EST, SHAPES, WIRE_ENDPOINTS, Shape, sample, shapes_of

WIRE_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "miso" / "wire"
AT = datetime(2026, 10, 2, 21, 45, tzinfo=UTC)  # 16:45 EST, when the fixtures were recorded
CASES = [(endpoint, shape) for endpoint in ENDPOINTS for shape in SHAPES]
needs_fixtures = pytest.mark.skipif(not WIRE_FIXTURES.is_dir(), reason="shared fixtures absent")


def _skeleton(value: Any) -> Any:
    """The structure of a JSON value: key sets, row variants and scalar kinds."""
    if isinstance(value, dict):
        return tuple(sorted((key, _skeleton(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", frozenset(_skeleton(item) for item in value))
    if value is None:
        return "null"
    return "str" if isinstance(value, str) else "number"


def _fixture(name: str) -> Any:
    return json.loads((WIRE_FIXTURES / f"{name}.json").read_bytes())


def _reserve_at(binding: bool, shape: Shape) -> Any:
    """A Reserve sample where constraints do (or do not) bind."""
    for minutes in range(0, 24 * 60, 5):
        body = sample("BindingConstraints/Reserve", shape, AT + timedelta(minutes=minutes))
        placeholder = not body["Constraint"] or body["Constraint"][0]["Name"] == "None - None"
        if placeholder != binding:
            return body
    raise AssertionError("no such Reserve sample in a day")


@pytest.mark.parametrize(("endpoint", "shape"), CASES)
def test_sample_is_json_and_deterministic(endpoint: str, shape: Shape) -> None:
    """Each endpoint x shape is JSON-serialisable and the same arguments give the same value."""
    first = sample(endpoint, shape, AT, seed=3)
    assert json.loads(json.dumps(first, allow_nan=False)) == first
    assert sample(endpoint, shape, AT, seed=3) == first


@pytest.mark.parametrize(("endpoint", "shape"), CASES)
def test_instant_and_seed_change_the_content(endpoint: str, shape: Shape) -> None:
    """Another publication interval or another seed gives another snapshot."""
    base = sample(endpoint, shape, AT)
    assert sample(endpoint, shape, AT + timedelta(minutes=15)) != base
    assert sample(endpoint, shape, AT, seed=1) != base


def test_instants_within_one_interval_give_one_snapshot() -> None:
    """Like MISO, two requests within one 5-minute interval see the same snapshot."""
    later = AT + timedelta(minutes=4, seconds=59)
    assert sample("RealTimeTotalLoad", "wire", later) == sample("RealTimeTotalLoad", "wire", AT)


def test_naive_instants_are_utc() -> None:
    """A naive ``at`` is read as UTC."""
    naive = AT.replace(tzinfo=None)
    assert sample("CsatSupplyDemand", "wire", naive) == sample("CsatSupplyDemand", "wire", AT)


def test_unknown_endpoint_or_shape_is_refused() -> None:
    """Unknown endpoints and shapes raise ValueError naming the valid ones."""
    with pytest.raises(ValueError, match="CsatSupplyDemand"):
        sample("NoSuchEndpoint", "wire", AT)
    with pytest.raises(ValueError, match="documented"):
        sample("CsatSupplyDemand", "idealised", AT)  # type: ignore[arg-type]


def test_csat_documented_is_consistent() -> None:
    """Documented CSAT: committed >= demand, available = committed - demand, MW, EST times."""
    for minutes in range(0, 24 * 60, 45):
        body = sample("CsatSupplyDemand", "documented", AT + timedelta(minutes=minutes))
        data = body["data"]
        demand, committed = data["actualDemand"]["value"], data["committedCapacity"]["value"]
        assert 0 <= demand <= committed
        assert data["availableCapacity"]["value"] == committed - demand
        assert {item["unit"] for item in data.values()} == {"MW"}
        assert data["demandForecast"]["forecastHorizon"] == "24h"
        assert data["committedCapacityForecast"]["forecastHorizon"] == "24h"
        assert 0.0 <= body["adequacyScore"]["value"] <= 1.0
        assert body["adequacyScore"]["riskLevel"] in {"LOW", "MEDIUM", "HIGH"}
        assert datetime.fromisoformat(body["timestamp"]).utcoffset() == timedelta(hours=-5)


def test_csat_wire_rows_split_into_actuals_and_forecasts() -> None:
    """Wire CSAT: past rows carry actuals, rows from now on carry forecasts, nulls elsewhere."""
    rows = sample("CsatSupplyDemand", "wire", AT)
    now = AT.astimezone(EST).replace(tzinfo=None)
    assert [row["id"] for row in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        past = datetime.fromisoformat(row["timeEst"]) < now
        actual = (row["demand"], row["committedCapacity"])
        forecast = (row["demandForecast"], row["committedCapacityForecast"],
                    row["availableCapacity"])
        if past:
            assert forecast == (None, None, None) and 0 <= actual[0] <= actual[1]
        else:
            assert actual == (None, None) and 0 <= forecast[0] <= forecast[1] <= forecast[2]


@needs_fixtures
def test_csat_wire_rows_follow_the_recorded_spacing() -> None:
    """At the recording instant the rows fall at the same times as the recorded response."""
    rows = sample("CsatSupplyDemand", "wire", AT)
    assert [r["timeEst"] for r in rows] == [r["timeEst"] for r in _fixture("CsatSupplyDemand")]


def test_realtime_total_load_documented_has_numeric_values() -> None:
    """Documented RealTimeTotalLoad: bare rows with numeric values and an ISO RefId."""
    body = sample("RealTimeTotalLoad", "documented", AT)
    assert datetime.fromisoformat(body["RefId"]) == AT
    assert len(body["ClearedMW"]) == len(body["MediumTermLoadForecast"]) == 24
    assert body["FiveMinTotalLoad"][-1]["Time"] == "16:45:00"
    for series, field in [("ClearedMW", "Value"), ("MediumTermLoadForecast", "LoadForecast"),
                          ("FiveMinTotalLoad", "Value")]:
        assert all(isinstance(row[field], int) and row[field] > 0 for row in body[series])


def test_realtime_total_load_wire_has_string_numbers() -> None:
    """Wire RealTimeTotalLoad: LoadInfo wrapper, EST RefId, numbers as strings."""
    info = sample("RealTimeTotalLoad", "wire", AT)["LoadInfo"]
    assert info["RefId"] == "02-Oct-2026 - Interval 16:45 EST"
    assert info["FiveMinTotalLoad"][-1]["Load"]["Time"] == "16:45"
    assert len(info["FiveMinTotalLoad"]) == 202
    assert all(row["Load"]["Value"].isdigit() for row in info["FiveMinTotalLoad"])


def test_reserve_documented_rows_have_every_field() -> None:
    """Documented Reserve rows carry the 11 documented fields with valid enums."""
    body = _reserve_at(binding=True, shape="documented")
    assert body["Constraint"]
    for row in body["Constraint"]:
        assert set(row) == {"Name", "Period", "Price", "ReserveType", "Direction", "Quantity",
                            "OVERRIDE", "BP1", "PC1", "BP2", "PC2"}
        assert row["ReserveType"] in {"SPIN", "NSPIN", "REG_UP", "REG_DOWN", "SUPPL"}
        assert row["Direction"] in {"UP", "DOWN", "BOTH"}
        assert row["OVERRIDE"] in {0, 1}
        assert isinstance(row["Price"], float) and row["Quantity"] >= 0


def test_reserve_documented_nothing_binding_is_an_empty_list() -> None:
    """When nothing binds, the documented shape has an empty Constraint list."""
    assert _reserve_at(binding=False, shape="documented")["Constraint"] == []


@needs_fixtures
@pytest.mark.parametrize("endpoint", ["CsatSupplyDemand", "RealTimeTotalLoad"])
def test_wire_sample_has_the_recorded_structure(endpoint: str) -> None:
    """Wire samples have the recorded responses' keys, row wrappers and scalar kinds."""
    assert _skeleton(sample(endpoint, "wire", AT)) == _skeleton(_fixture(endpoint))


@needs_fixtures
def test_reserve_wire_placeholder_has_the_recorded_structure() -> None:
    """The 'nothing binding' wire Reserve sample is shaped like the recorded one."""
    body = _reserve_at(binding=False, shape="wire")
    assert _skeleton(body) == _skeleton(_fixture("BindingConstraints/Reserve"))


@needs_fixtures
def test_reserve_wire_populated_rows_look_like_realtime_rows() -> None:
    """Populated wire Reserve rows are shaped like BindingConstraints/RealTime rows."""
    body = _reserve_at(binding=True, shape="wire")
    assert _skeleton(body) == _skeleton(_fixture("BindingConstraints/RealTime"))


@pytest.mark.parametrize(("dataset", "shape"), [
    (dataset, shape) for dataset in datasets.all_datasets()
    for shape in shapes_of(dataset.endpoint)
], ids=str)
def test_samples_pass_their_dataset_validator(dataset: Dataset, shape: Shape) -> None:
    """Over a day and a few seeds, each sample is valid, without warnings, in its own shape."""
    for seed in range(3):
        for minutes in range(0, 24 * 60, 55):
            at = AT + timedelta(days=seed * 40, minutes=minutes)
            verdict = dataset.validator(sample(dataset.endpoint, shape, at, seed))
            assert (verdict.shape, verdict.problems, verdict.warnings) == (shape, (), ()), at


@needs_fixtures
@pytest.mark.parametrize("endpoint", WIRE_ENDPOINTS)
def test_wire_only_samples_have_the_recorded_structure(endpoint: str) -> None:
    """Samples of the schema-declared endpoints have the recordings' keys and scalar kinds
    (the sub-regional constraints at an instant where nothing binds, as recorded)."""
    at = AT
    if endpoint == "BindingConstraints/SubRegional":
        at = next(AT + timedelta(minutes=m) for m in range(0, 600, 5) if sample(
            endpoint, "wire", AT + timedelta(minutes=m))["Constraint"][0]["Name"] == "None")
    assert _skeleton(sample(endpoint, "wire", at)) == _skeleton(_fixture(endpoint))
    with pytest.raises(ValueError, match="wire"):
        sample(endpoint, "documented", AT)


def test_five_minute_samples_agree_between_the_two_price_endpoints() -> None:
    """Like MISO's, the consolidated five-minute block and the ex-post table carry the same
    prices for the same nodes under the same label."""
    consolidated = sample("MarketPricing/GetLmpConsolidatedTable", "wire", AT)["LMPData"]
    expost = sample("MarketPricing/GetRealTimeFiveMinExPost/Current", "wire", AT)
    five = {row["name"]: (row["LMP"], row["MLC"], row["MCC"])
            for row in consolidated["FiveMinLMP"]["PricingNode"]}
    rows = {row[1]: tuple(row[2:]) for row in expost["data"]}
    assert five and all(rows[node] == prices for node, prices in five.items())
    assert {row[0] for row in expost["data"]} == {"2026-10-02T16:45:00"}
    assert consolidated["FiveMinLMP"]["HourAndMin"] == "16:45"
