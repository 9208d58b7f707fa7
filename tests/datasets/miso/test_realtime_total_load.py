"""Real-time total load: declaration, validator (both shapes), envelope, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcollect import keys
from gridcollect.datasets.miso.realtime_total_load import DATASET

from .examples import (
    DELETE,
    FAIL,
    PASS,
    WARN,
    assert_outcome,
    changed,
    snapshot,
    total_load_documented,
    total_load_wire,
    wire,
)

AT = datetime(2025, 12, 5, 12, 0, tzinfo=UTC)
DOC = total_load_documented()
WIRE = total_load_wire()


def doc(path: tuple[str | int, ...], value: object) -> object:
    return changed(DOC, path, value)


DOCUMENTED_CASES = [
    pytest.param(DOC, PASS, None, id="example"),
    # RefId and the three arrays are required; the arrays are lists, possibly empty
    *[
        pytest.param(doc((name,), DELETE), FAIL, f"missing required field {name!r}",
                     id=f"missing-{name}")
        for name in ("RefId", "ClearedMW", "MediumTermLoadForecast", "FiveMinTotalLoad")
    ],
    pytest.param(doc(("RefId",), ""), FAIL, "RefId: must be a non-empty string", id="empty-RefId"),
    pytest.param(doc(("RefId",), "now-ish"), WARN, "RefId: must be a time", id="unparseable-RefId"),
    pytest.param(doc(("ClearedMW",), {"Hour": "1"}), FAIL,
                 "ClearedMW: must be a list, got an object with keys 'Hour'",
                 id="array-not-a-list"),
    pytest.param(
        {"RefId": "2025-12-05T12:35:00Z", "ClearedMW": [], "MediumTermLoadForecast": [],
         "FiveMinTotalLoad": []},
        PASS, None, id="empty-arrays",
    ),
    pytest.param(doc(("ClearedMW", 1), 31_275), FAIL, "ClearedMW[1]: must be an object",
                 id="row-not-an-object"),
    # ClearedMW rows: Hour and numeric Value
    pytest.param(doc(("ClearedMW", 0, "Hour"), DELETE), FAIL,
                 "ClearedMW[0]: missing required field 'Hour'", id="cleared-missing-hour"),
    pytest.param(doc(("ClearedMW", 0, "Value"), DELETE), FAIL,
                 "ClearedMW[0]: missing required field 'Value'", id="cleared-missing-value"),
    pytest.param(doc(("ClearedMW", 0, "Value"), "high"), FAIL,
                 "ClearedMW[0].Value: must be numeric: 'high' is not a number",
                 id="cleared-non-numeric"),
    pytest.param(doc(("ClearedMW", 0, "Value"), "30,910.5"), PASS, None,
                 id="cleared-numeric-string"),
    pytest.param(doc(("ClearedMW", 0, "Hour"), None), FAIL,
                 "ClearedMW[0].Hour: hour must be present, got null", id="cleared-null-hour"),
    pytest.param(doc(("ClearedMW", 0, "Hour"), "noon"), WARN,
                 "ClearedMW[0].Hour: unrecognised hour: 'noon'", id="cleared-odd-hour"),
    # MediumTermLoadForecast rows: HourEnding and numeric LoadForecast
    pytest.param(doc(("MediumTermLoadForecast", 1, "HourEnding"), DELETE), FAIL,
                 "MediumTermLoadForecast[1]: missing required field 'HourEnding'",
                 id="forecast-missing-hour-ending"),
    pytest.param(doc(("MediumTermLoadForecast", 1, "LoadForecast"), DELETE), FAIL,
                 "MediumTermLoadForecast[1]: missing required field 'LoadForecast'",
                 id="forecast-missing-value"),
    pytest.param(doc(("MediumTermLoadForecast", 1, "LoadForecast"), [33_480]), FAIL,
                 "MediumTermLoadForecast[1].LoadForecast: must be numeric: expected a number, "
                 "got a list of 1 item", id="forecast-non-numeric"),
    pytest.param(doc(("MediumTermLoadForecast", 1, "LoadForecast"), 0), PASS, None,
                 id="forecast-zero"),
    # FiveMinTotalLoad rows: Time and numeric Value
    pytest.param(doc(("FiveMinTotalLoad", 1, "Time"), DELETE), FAIL,
                 "FiveMinTotalLoad[1]: missing required field 'Time'", id="five-min-missing-time"),
    pytest.param(doc(("FiveMinTotalLoad", 1, "Value"), DELETE), FAIL,
                 "FiveMinTotalLoad[1]: missing required field 'Value'",
                 id="five-min-missing-value"),
    pytest.param(doc(("FiveMinTotalLoad", 1, "Value"), "NaN"), FAIL,
                 "FiveMinTotalLoad[1].Value: must be numeric: 'NaN' is not a number",
                 id="five-min-nan"),
    pytest.param(doc(("FiveMinTotalLoad", 1, "Value"), -5), FAIL,
                 "FiveMinTotalLoad[1].Value: must be non-negative: -5 MW", id="five-min-negative"),
    pytest.param(doc(("FiveMinTotalLoad", 1, "Time"), "soon"), WARN,
                 "FiveMinTotalLoad[1].Time: must be a time of day", id="five-min-odd-time"),
    # A renamed hour column is still read, and reported once per array.
    pytest.param(doc(("ClearedMW", 0), {"HE": "11:00", "Value": 30_910}), WARN,
                 "ClearedMW: hour column named ['HE'], expected 'Hour'", id="renamed-hour"),
]


@pytest.mark.parametrize(("payload", "outcome", "mention"), DOCUMENTED_CASES)
def test_documented_shape_rules(payload: object, outcome: str, mention: str | None) -> None:
    """Each documented-shape rule accepts a valid payload and names itself when it rejects."""
    assert_outcome(DATASET.validator(payload), outcome, mention, "documented")


def info(path: tuple[str | int, ...], value: object) -> object:
    return changed(WIRE, ("LoadInfo", *path), value)


LOAD = ("FiveMinTotalLoad", 1, "Load")
CLEARED = ("ClearedMW", 0, "ClearedMWHourly")
FORECAST = ("MediumTermLoadForecast", 0, "Forecast")

WIRE_CASES = [
    pytest.param(WIRE, PASS, None, id="example"),
    pytest.param({"LoadInfo": []}, FAIL, "LoadInfo: must be an object, got a list of 0 items",
                 id="load-info-not-an-object"),
    pytest.param(info(("RefId",), DELETE), FAIL, "LoadInfo: missing required field 'RefId'",
                 id="missing-RefId"),
    pytest.param(info(("RefId",), "05-Dec-2025 - Interval 12:75 EST"), FAIL,
                 "LoadInfo.RefId: must be a time", id="impossible-RefId"),
    pytest.param(info(("RefId",), "2025-12-05T12:35:00"), PASS, None, id="iso-RefId"),
    pytest.param(info(("FiveMinTotalLoad",), DELETE), FAIL,
                 "LoadInfo: missing required field 'FiveMinTotalLoad'", id="missing-array"),
    pytest.param(info(("FiveMinTotalLoad",), []), PASS, None, id="empty-array"),
    pytest.param(info((*LOAD, "Value"), "1,234,567"), PASS, None, id="thousands-separators"),
    pytest.param(info((*LOAD, "Value"), " 31702 "), PASS, None, id="padded-number"),
    pytest.param(info((*LOAD, "Value"), ""), FAIL,
                 "LoadInfo.FiveMinTotalLoad[1].Load.Value: must be numeric: '' is empty",
                 id="empty-value"),
    pytest.param(info((*LOAD, "Value"), "31.702,5"), FAIL, "'31.702,5' is not a number",
                 id="garbled-value"),
    pytest.param(info((*LOAD, "Value"), "-31702"), FAIL,
                 "LoadInfo.FiveMinTotalLoad[1].Load.Value: must be non-negative: -31702 MW",
                 id="negative-value"),
    pytest.param(info((*LOAD, "Time"), "25:00"), FAIL,
                 "LoadInfo.FiveMinTotalLoad[1].Load.Time: must be a time of day: '25:00'",
                 id="impossible-time"),
    pytest.param(info((*LOAD, "Time"), "12:35:00"), PASS, None, id="time-with-seconds"),
    pytest.param(info((*CLEARED, "Value"), "Infinity"), FAIL,
                 "LoadInfo.ClearedMW[0].ClearedMWHourly.Value: must be numeric",
                 id="cleared-infinity"),
    pytest.param(info((*FORECAST, "LoadForecast"), DELETE), FAIL,
                 "LoadInfo.MediumTermLoadForecast[0].Forecast: missing required field "
                 "'LoadForecast'", id="forecast-missing-value"),
    pytest.param(info(("ClearedMW", 0), {"Hour": "12", "Value": "31275"}), PASS, None,
                 id="row-without-wrapper"),
    pytest.param(info(("ClearedMW", 0), {"ClearedMWHourly": "12"}), FAIL,
                 "LoadInfo.ClearedMW[0]: missing required field 'Hour' (or another hour field)",
                 id="wrapper-without-row"),
    pytest.param(info(("ClearedMW", 0), ["12", "31275"]), FAIL,
                 "LoadInfo.ClearedMW[0]: must be an object, got a list of 2 items",
                 id="row-not-an-object"),
    pytest.param(info(CLEARED, {"Value": "31275", "Label": "12"}), FAIL,
                 "missing required field 'Hour' (or another hour field)", id="no-hour-field"),
]

RENAMES = [
    ("ClearedMW", CLEARED, "Hour", new) for new in ("HourEnding", "HE", "Hour_Ending", "HR")
] + [
    ("MediumTermLoadForecast", FORECAST, "HourEnding", new)
    for new in ("Hour", "HE", "Hour_Ending", "hour_ending", "HE_EST", "MarketHourEnding")
]


@pytest.mark.parametrize(("payload", "outcome", "mention"), WIRE_CASES)
def test_wire_shape_rules(payload: object, outcome: str, mention: str | None) -> None:
    """Each wire-shape rule accepts MISO's real rows and names itself when it rejects."""
    assert_outcome(DATASET.validator(payload), outcome, mention, "wire")


@pytest.mark.parametrize(
    ("array", "row", "old", "new"), RENAMES, ids=[f"{a}-{n}" for a, _, _, n in RENAMES]
)
def test_renamed_hour_column_still_parses(
    array: str, row: tuple[str | int, ...], old: str, new: str
) -> None:
    """Whatever MISO calls the hour column, the row is read and the rename is only a warning."""
    inner = WIRE["LoadInfo"][row[0]][row[1]][row[2]]
    payload = info(row, {(new if key == old else key): value for key, value in inner.items()})
    verdict = DATASET.validator(payload)
    assert_outcome(verdict, WARN, f"hour column named [{new!r}], expected {old!r}", "wire")


def test_recorded_wire_response_passes() -> None:
    """The recorded MISO response validates as the wire shape without warnings."""
    assert_outcome(DATASET.validator(wire("RealTimeTotalLoad")), PASS, None, "wire")


def test_recorded_response_with_drifted_numbers_passes() -> None:
    """The recorded response still passes once its numbers carry thousands separators."""
    payload = wire("RealTimeTotalLoad")
    for row in payload["LoadInfo"]["FiveMinTotalLoad"]:
        row["Load"]["Value"] = f"{int(row['Load']['Value']):,}"
    assert payload["LoadInfo"]["FiveMinTotalLoad"][-1]["Load"]["Value"] == "83,808"
    assert_outcome(DATASET.validator(payload), PASS, None, "wire")


@pytest.mark.parametrize(
    "payload", [None, 7, "load", [], {}, {"Load": []}],
    ids=["null", "number", "string", "list", "empty-object", "other-object"],
)
def test_unrecognised_shape_names_what_was_expected(payload: object) -> None:
    """A payload of neither shape fails, naming what was expected."""
    verdict = DATASET.validator(payload)
    assert verdict.shape == "unrecognised"
    assert "expected an object with RefId, ClearedMW, MediumTermLoadForecast" in verdict.reason


def test_envelope_adds_collection_metadata() -> None:
    """The envelope holds the response under data, with the as-of instant's date and
    timestamp, and records the slot, the collection time and the as-of instant."""
    stored = DATASET.envelope(snapshot(WIRE, AT, as_of=AT - timedelta(minutes=5)))
    assert stored == {
        "data": WIRE,
        "collection_metadata": {
            "collected_at": "2025-12-05T12:00:07.250000Z",
            "source_url": "https://example.test/api/Endpoint",
            "data_type": "realtime_total_load",
            "source": "miso",
            "date": "2025-12-05",
            "timestamp": "20251205_115500",
            "slot": "2025-12-05T12:00:00Z",
            "as_of": "2025-12-05T11:55:00Z",
            "as_of_source": "payload",
        },
    }


@pytest.mark.parametrize("payload", [DOC, WIRE, []], ids=["documented", "wire", "empty-list"])
def test_unwrap_inverts_envelope(payload: object) -> None:
    """unwrap(envelope(snapshot)) gives back the payload, so a stored object can be re-hashed."""
    assert DATASET.unwrap(DATASET.envelope(snapshot(payload, AT))) == payload


def test_unwrap_refuses_what_is_not_an_envelope() -> None:
    """unwrap names what it expected when given something else."""
    with pytest.raises(ValueError, match="expected data"):
        DATASET.unwrap(["data"])


def test_key_follows_the_documented_layout() -> None:
    """Keys are partitioned by year/month/day and stamped with the slot time."""
    key = keys.render(DATASET.key_template, AT, {})
    assert key == "miso_realtime_total_load/2025/12/05/realtime_total_load_20251205_120000.json.gz"
    keys.check_template(DATASET.key_template)


def test_declaration() -> None:
    """The dataset is declared with its endpoint, cadence, window and no placeholder."""
    assert (DATASET.name, DATASET.operator, DATASET.command, DATASET.endpoint) == (
        "miso_realtime_total_load", "miso", "realtime-total-load", "RealTimeTotalLoad",
    )
    assert DATASET.cadence == timedelta(minutes=5)
    assert DATASET.retention == timedelta(days=365)
    assert DATASET.window is not None
    assert (DATASET.window.start_flag, DATASET.window.end_flag) == ("--start-date", "--end-date")
    assert DATASET.parameters == ()
    assert DATASET.no_data_statuses == frozenset() and DATASET.placeholder is None
