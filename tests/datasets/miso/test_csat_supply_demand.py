"""CSAT supply and demand: declaration, validator (both shapes), placeholder, envelope, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcollect import keys
from gridcollect.datasets.miso.csat_supply_demand import DATASET, placeholder
from gridcollect.model import Slot

from .examples import (
    DELETE,
    FAIL,
    PASS,
    WARN,
    assert_outcome,
    changed,
    csat_documented,
    csat_wire,
    snapshot,
    wire,
)

AT = datetime(2025, 12, 5, 10, 0, tzinfo=UTC)
DOC = csat_documented()
WIRE_ROWS = csat_wire()


def doc(path: tuple[str | int, ...], value: object) -> object:
    return changed(DOC, path, value)


def _value(measure: str) -> tuple[str, str, str]:
    return ("data", measure, "value")


DOCUMENTED_CASES = [
    pytest.param(DOC, PASS, None, id="example"),
    *[
        pytest.param(doc((name,), DELETE), FAIL, f"missing required field {name!r}",
                     id=f"missing-{name}")
        for name in ("timestamp", "region", "data", "adequacyScore")
    ],
    pytest.param(doc(("data",), [1, 2]), FAIL, "data: must be an object, got a list of 2 items",
                 id="data-not-an-object"),
    pytest.param(doc(("data", "availableCapacity"), DELETE), FAIL,
                 "data: missing required field 'availableCapacity'", id="missing-measure"),
    pytest.param(doc(("data", "actualDemand", "value"), DELETE), FAIL,
                 "data.actualDemand: missing required field 'value'", id="measure-missing-value"),
    # committedCapacity >= actualDemand
    pytest.param(changed(doc(_value("committedCapacity"), 81_200), _value("availableCapacity"), 0),
                 PASS, None, id="committed-equal-to-demand"),
    pytest.param(changed(doc(_value("committedCapacity"), 80_000), _value("availableCapacity"), 0),
                 FAIL, "committedCapacity (80000 MW) < actualDemand (81200 MW)",
                 id="committed-below-demand"),
    # availableCapacity = committed - actual, within 1 MW
    pytest.param(doc(_value("availableCapacity"), 9_250.8), PASS, None, id="available-within-1-MW"),
    # beyond it only a warning: the specified system logs it and keeps the snapshot
    pytest.param(doc(_value("availableCapacity"), 9_255), WARN,
                 "availableCapacity (9255 MW) != committedCapacity - actualDemand (9250 MW)",
                 id="available-off-by-5-MW"),
    # values >= 0 and numeric
    pytest.param(doc(_value("demandForecast"), 0), PASS, None, id="zero-forecast"),
    pytest.param(doc(_value("demandForecast"), -5), FAIL,
                 "data.demandForecast.value: must be non-negative: -5 MW", id="negative-forecast"),
    pytest.param(doc(_value("committedCapacityForecast"), "91,700"), PASS, None,
                 id="numeric-string-with-separator"),
    pytest.param(doc(_value("actualDemand"), "lots"), FAIL,
                 "data.actualDemand.value: must be numeric: 'lots' is not a number",
                 id="non-numeric-value"),
    pytest.param(doc(_value("actualDemand"), True), FAIL, "true is a boolean, not a number",
                 id="boolean-value"),
    # adequacyScore in [0, 1]
    pytest.param(doc(("adequacyScore", "value"), 0), PASS, None, id="score-zero"),
    pytest.param(doc(("adequacyScore", "value"), 1), PASS, None, id="score-one"),
    pytest.param(doc(("adequacyScore", "value"), 1.2), FAIL,
                 "adequacyScore must be within [0, 1], got 1.2", id="score-above-one"),
    pytest.param(doc(("adequacyScore", "value"), -0.1), FAIL,
                 "adequacyScore must be within [0, 1], got -0.1", id="score-below-zero"),
    pytest.param(doc(("adequacyScore",), 0.5), FAIL, "adequacyScore: must be an object",
                 id="score-not-an-object"),
    # units are MW
    pytest.param(doc(("data", "committedCapacity", "unit"), "kW"), FAIL,
                 "data.committedCapacity.unit: unit must be 'MW', got 'kW'", id="unit-not-MW"),
    pytest.param(doc(("data", "committedCapacity", "unit"), DELETE), FAIL,
                 "data.committedCapacity: missing required field 'unit'", id="unit-missing"),
    # forecasts carry forecastHorizon
    pytest.param(doc(("data", "committedCapacityForecast", "forecastHorizon"), DELETE), FAIL,
                 "data.committedCapacityForecast: a forecast must carry forecastHorizon",
                 id="forecast-without-horizon"),
    # sanity checks beyond the document: warnings only
    pytest.param(doc(("region",), "WEST"), WARN, "unexpected region 'WEST'", id="unknown-region"),
    pytest.param(doc(("timestamp",), "tomorrow"), WARN, "timestamp: must be a time",
                 id="unparseable-timestamp"),
]


@pytest.mark.parametrize(("payload", "outcome", "mention"), DOCUMENTED_CASES)
def test_documented_shape_rules(payload: object, outcome: str, mention: str | None) -> None:
    """Each documented-shape rule accepts a valid payload and names itself when it rejects."""
    assert_outcome(DATASET.validator(payload), outcome, mention, "documented")


def row(index: int, key: str, value: object) -> object:
    return changed(WIRE_ROWS, (index, key), value)


WIRE_CASES = [
    pytest.param(WIRE_ROWS, PASS, None, id="example"),
    pytest.param(row(0, "availableCapacity", DELETE), FAIL,
                 "[0]: missing required field 'availableCapacity'", id="missing-key"),
    pytest.param(row(1, "demand", 0), PASS, None, id="zero-demand"),
    pytest.param(row(0, "demand", "80,120"), PASS, None, id="numeric-string-with-separator"),
    pytest.param(row(0, "demand", "n/a"), FAIL,
                 "[0].demand: must be numeric: 'n/a' is not a number", id="non-numeric-demand"),
    pytest.param(row(1, "demandForecast", -1), FAIL,
                 "[1].demandForecast: must be non-negative: -1 MW", id="negative-forecast"),
    pytest.param(row(0, "timeEst", "10 o'clock"), FAIL, "[0].timeEst: must be a time",
                 id="unparseable-time"),
    pytest.param(row(0, "timeEst", "2025-12-05T10:00:00-05:00"), PASS, None, id="time-with-offset"),
    pytest.param(row(0, "id", 1.5), FAIL, "[0].id: must be an integer, got 1.5",
                 id="fractional-id"),
    pytest.param(row(0, "id", None), FAIL, "[0].id: must be numeric", id="null-id"),
    pytest.param(row(0, "committedCapacity", 80_000), WARN,
                 "[0]: committedCapacity (80000 MW) < demand (80120 MW)",
                 id="committed-below-demand"),
    pytest.param(row(1, "committedCapacityForecast", 80_000), WARN,
                 "committedCapacityForecast (80000 MW) < demandForecast (80500 MW)",
                 id="committed-forecast-below-demand-forecast"),
    # On the wire availableCapacity is not committed minus demand; that rule must not apply.
    pytest.param(row(1, "availableCapacity", 1_000), PASS, None, id="available-unrelated"),
    pytest.param(row(1, "availableCapacity", None), PASS, None, id="null-allowed"),
    pytest.param(changed(row(1, "demandForecast", None), (1, "committedCapacityForecast"), None),
                 PASS, None, id="partial-forecast-row"),
    pytest.param([dict(WIRE_ROWS[0], demand=None, committedCapacity=None)], WARN,
                 "[0]: row carries neither actuals nor forecasts", id="empty-row"),
    pytest.param([WIRE_ROWS[0], "row"], FAIL, "[1]: must be an object, got 'row'",
                 id="row-not-an-object"),
    pytest.param([], WARN, "no rows", id="no-rows"),
]


@pytest.mark.parametrize(("payload", "outcome", "mention"), WIRE_CASES)
def test_wire_shape_rules(payload: object, outcome: str, mention: str | None) -> None:
    """Each wire-shape rule accepts MISO's real rows and names itself when it rejects."""
    assert_outcome(DATASET.validator(payload), outcome, mention, "wire")


def test_recorded_wire_response_passes() -> None:
    """The recorded MISO response validates as the wire shape without warnings."""
    assert_outcome(DATASET.validator(wire("CsatSupplyDemand")), PASS, None, "wire")


@pytest.mark.parametrize(
    "payload",
    [None, 42, "rows", True, {}, {"rows": []}],
    ids=["null", "number", "string", "boolean", "empty-object", "other-object"],
)
def test_unrecognised_shape_names_what_was_expected(payload: object) -> None:
    """A payload of neither shape fails, naming both expected shapes."""
    verdict = DATASET.validator(payload)
    assert verdict.shape == "unrecognised"
    assert "expected an object with timestamp, region, data and adequacyScore" in verdict.reason
    assert "or an array of rows with id, timeEst" in verdict.reason


def test_placeholder_names_its_slot_and_region() -> None:
    """A placeholder is the same for one slot and region, and another for the next slot
    (the registry keeps digests a year: each 404 must be its own snapshot)."""
    south = placeholder(Slot(AT, {"region": "SOUTH"}))
    assert south == placeholder(Slot(AT, {"region": "SOUTH"}))
    assert south != placeholder(Slot(AT + timedelta(minutes=15), {"region": "SOUTH"}))
    assert south["region"] == "SOUTH" and south["slot"] == "2025-12-05T10:00:00Z"
    assert south != placeholder(Slot(AT, {"region": "NORTH"}))
    assert placeholder(Slot(AT))["region"] == "MISO_TOTAL"
    assert "no data" in south["message"]


def test_placeholder_passes_the_validator() -> None:
    """Our own placeholder is recognised (also as stored before it named its slot), so a
    stored placeholder can be re-checked."""
    verdict = DATASET.validator(placeholder(Slot(AT)))
    assert verdict.ok and verdict.shape == "placeholder"
    older = {"status": "no_data", "message": "no data available", "region": "SOUTH"}
    assert DATASET.validator(older).shape == "placeholder"


def test_envelope_wraps_the_response_with_metadata() -> None:
    """The envelope follows the stored file structure: timestamp, response, metadata, and
    records the slot, the collection time and the as-of instant (which the timestamp is)."""
    as_of = AT - timedelta(minutes=15)
    stored = DATASET.envelope(snapshot(DOC, AT, {"region": "SOUTH"}, as_of=as_of))
    assert stored == {
        "collection_timestamp": "2025-12-05T10:00:07.250000Z",
        "api_response": DOC,
        "metadata": {
            "data_type": "csat_supply_demand",
            "source": "miso",
            "timestamp": "20251205T094500Z",
            "region": "SOUTH",
            "update_frequency": "15min",
            "forecast_horizon": "24h",
            "slot": "2025-12-05T10:00:00Z",
            "collected_at": "2025-12-05T10:00:07.250000Z",
            "as_of": "2025-12-05T09:45:00Z",
            "as_of_source": "payload",
        },
    }


def test_envelope_marks_placeholders_and_defaults_the_region() -> None:
    """A placeholder's envelope says so; without a region the metadata says MISO_TOTAL."""
    stored = DATASET.envelope(snapshot(placeholder(Slot(AT)), AT, placeholder=True))
    assert stored["metadata"]["placeholder"] is True
    assert stored["metadata"]["region"] == "MISO_TOTAL"
    assert "placeholder" not in DATASET.envelope(snapshot(DOC, AT))["metadata"]


@pytest.mark.parametrize("payload", [DOC, WIRE_ROWS, None], ids=["documented", "wire", "null"])
def test_unwrap_inverts_envelope(payload: object) -> None:
    """unwrap(envelope(snapshot)) gives back the payload, so a stored object can be re-hashed."""
    assert DATASET.unwrap(DATASET.envelope(snapshot(payload, AT))) == payload


def test_unwrap_refuses_what_is_not_an_envelope() -> None:
    """unwrap names what it expected when given something else."""
    with pytest.raises(ValueError, match="api_response"):
        DATASET.unwrap({"data": 1})


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "SOUTH"}, "csat_supply_demand_20251205T100000Z_south.json.gz"),
        ({}, "csat_supply_demand_20251205T100000Z.json.gz"),
    ],
    ids=["region", "total"],
)
def test_key_follows_the_documented_layout(params: dict[str, str], expected: str) -> None:
    """Keys are partitioned by year/month/day and end with the region suffix, if any."""
    key = keys.render(DATASET.key_template, AT, params)
    assert key == f"miso_csat_supply_demand/year=2025/month=12/day=05/{expected}"
    keys.check_template(DATASET.key_template)


def test_declaration() -> None:
    """The dataset is declared with its endpoint, cadence, window, region and 404 handling."""
    assert (DATASET.name, DATASET.operator, DATASET.command, DATASET.endpoint) == (
        "miso_csat_supply_demand", "miso", "csat-supply-demand", "CsatSupplyDemand",
    )
    assert DATASET.cadence == timedelta(minutes=15)
    assert DATASET.retention == timedelta(days=365)
    assert DATASET.window is not None
    assert (DATASET.window.start_flag, DATASET.window.end_flag) == (
        "--start-datetime", "--end-datetime",
    )
    [region] = DATASET.parameters
    assert (region.name, region.query_name, region.choices) == (
        "region", "region", ("CENTRAL", "SOUTH", "NORTH"),
    )
    assert DATASET.no_data_statuses == {404} and DATASET.placeholder is placeholder
    assert "region" in DATASET.status_reasons[400]
    assert DATASET.as_of is not None
