"""The schema framework: one declaration gives validation, tidy rows, as-of, envelope, keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gridcollect import keys
from gridcollect.datasets import all_datasets
from gridcollect.datasets.schema import (
    CLOCK,
    FLAG,
    HOUR,
    NUMBER,
    TEXT,
    TIME,
    Field,
    Interval,
    Rows,
    Rule,
    Tidy,
    Wire,
    declare,
    key_template,
    lookup,
    read,
)
from gridcollect.model import Column, Dataset, TableContext
from gridcollect.validation import InvalidValue, parse_est

from .miso.examples import snapshot

FIVE = timedelta(minutes=5)
HOUR_LONG = timedelta(hours=1)


def utc(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def _positive(values: Any) -> str | None:
    return None if values["Price"] >= 0 else f"Price {values['Price']} is negative"


TOY = declare(
    dgroup="miso_toy_prices",
    command="toy-prices",
    endpoint="Toy/Prices",
    cadence=FIVE,
    description="A toy dataset for the framework's tests.",
    as_of="Data.RefId",
    wire=Wire(
        fields=(Field("Data.RefId", TIME), Field("Data.Note", TEXT, required=False)),
        rows=(
            Rows("Data.Now.Node",
                 (Field("Name", TEXT, "node"), Field("Price", NUMBER, "price", "$/MWh"),
                  Field("Flag", FLAG, "flagged", required=False)),
                 Interval("HourAndMin", "start", FIVE, "the toy labels intervals by start"),
                 wrapper="Row", context=(Field("HourAndMin", CLOCK),),
                 placeholder={"Name": ("None",)}, tags={"market": "now"},
                 rules=(Rule("negative price", _positive),)),
            Rows("Data.Hourly.Node",
                 (Field("Name", TEXT, "node"), Field("Price", NUMBER, "price", "$/MWh")),
                 Interval("HE", "end", HOUR_LONG, "hour ending"),
                 context=(Field("HE", HOUR),), tags={"market": "hourly"}),
            Rows("Data.Table", (Field("When", TIME), Field("Name", TEXT, "node"),
                                Field("Price", NUMBER, "price", "$/MWh")),
                 Interval("When", "instant", timedelta(0), "an instant"),
                 header="Head", tags={"market": "table"}),
        ),
    ),
    tidy=Tidy(identity=("market", "node", "interval_start"), plot_series="node",
              plot_values=("price",), columns=(Column("market", "text", "", "Which block."),)),
)


def toy() -> dict[str, Any]:
    return {"Data": {
        "RefId": "02-Oct-2026 - Interval 16:45 EST",
        "Now": {"HourAndMin": "16:45", "Node": [
            {"Row": {"Name": "A.HUB", "Price": "1,234.50", "Flag": "1"}},
            {"Name": "B.HUB", "Price": "-0", "Flag": ""},
            {"Name": "None", "Price": "None"},
        ]},
        "Hourly": {"HE": "HE 16", "Node": [{"Name": "A.HUB", "Price": 30}]},
        "Head": ["When", "Name", "Price"],
        "Table": [["10/02/2026 4:45:00 PM EST", "C.HUB", "7"]],
    }}


def changed(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    payload = toy()
    parent: Any = payload
    for step in path[:-1]:
        parent = parent[step]
    if value is KeyError:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return payload


def rows_of(payload: Any) -> list[dict[str, Any]]:
    ctx = TableContext(key="k", stored=None)
    rows = [dict(row) for row in TOY.table.rows(payload, ctx)]  # type: ignore[union-attr]
    assert ctx.skipped == []
    return rows


def test_valid_payload_passes_in_wire_shape() -> None:
    """Wrapped and bare rows, a placeholder row, header rows: no problem, no warning."""
    verdict = TOY.validator(toy())
    assert (verdict.shape, verdict.problems, verdict.warnings) == ("wire", (), ())


@pytest.mark.parametrize(("payload", "reason"), [
    (changed(("Data", "RefId"), KeyError), "Data: missing required field 'Data.RefId'"),
    (changed(("Data",), KeyError), "missing required field 'Data'"),
    (changed(("Data", "RefId"), "soon"), "Data.RefId: must be a time: 'soon' is not a MISO time"),
    (changed(("Data", "Now"), KeyError), "Data: missing required field 'Now'"),
    (changed(("Data", "Now", "Node"), {}), "Data.Now.Node: must be a list, got an empty object"),
    (changed(("Data", "Now", "HourAndMin"), "late"),
     "Data.Now.HourAndMin: must be a time of day: 'late' is not a time of day"),
    (changed(("Data", "Now", "Node", 1, "Price"), "cheap"),
     "Data.Now.Node[1].Price: must be numeric: 'cheap' is not a number"),
    (changed(("Data", "Now", "Node", 1, "Price"), ""), "Data.Now.Node[1].Price: must have a value"),
    (changed(("Data", "Now", "Node", 1, "Price"), "-3"),
     "Data.Now.Node[1]: negative price: Price -3.0 is negative"),
    (changed(("Data", "Now", "Node", 1, "Name"), KeyError),
     "Data.Now.Node[1]: missing required field 'Name'"),
    (changed(("Data", "Now", "Node", 0), {"Row": "x"}), "Data.Now.Node[0]: must be an object"),
    (changed(("Data", "Now", "Node", 1, "Flag"), "maybe"),
     "Data.Now.Node[1].Flag: must be a flag: 'maybe' is not a flag"),
    (changed(("Data", "Hourly", "HE"), "HE 0"), "Data.Hourly.HE: must be an hour ending"),
    (changed(("Data", "Head"), ["When", "Price"]), "Data.Head: missing required column 'Name'"),
    (changed(("Data", "Head"), [1, 2, 3]), "Data.Head: every column name must be text"),
    (changed(("Data", "Table", 0), ["x"]), "Data.Table[0]: must be a list of 3 values"),
    (changed(("Data", "Table", 0, 0), "yesterday"), "Data.Table[0].When: must be a time"),
])
def test_each_rule_rejects_with_its_named_reason(payload: Any, reason: str) -> None:
    """A broken field or rule rejects the payload; the reason names path and rule."""
    verdict = TOY.validator(payload)
    assert not verdict.ok
    assert reason in verdict.reason, verdict.reason


@pytest.mark.parametrize("payload", [[], "text", None, {"Other": 1}])
def test_other_values_are_unrecognised_or_rejected(payload: Any) -> None:
    """Anything not shaped like the declaration gets a verdict naming what is missing."""
    verdict = TOY.validator(payload)
    assert not verdict.ok
    assert "Data" in verdict.reason


def test_tidy_rows_follow_the_declared_intervals() -> None:
    """Start, end and instant labels; clock and hour labels take the as-of day; tags apply."""
    rows = rows_of(toy())
    assert [(r["market"], r["node"], r["price"], r["interval_start"], r["interval_end"])
            for r in rows] == [
        ("now", "A.HUB", 1234.5, utc(21, 45), utc(21, 50)),
        ("now", "B.HUB", -0.0, utc(21, 45), utc(21, 50)),
        ("hourly", "A.HUB", 30.0, utc(20), utc(21)),
        ("table", "C.HUB", 7.0, utc(21, 45), utc(21, 45)),
    ]
    assert [r["flagged"] for r in rows] == [True, None, None, None]
    assert rows[0]["interval_start_est"] == datetime(2026, 10, 2, 16, 45)
    assert [c.name for c in TOY.table.columns] == [  # type: ignore[union-attr]
        "interval_start", "interval_end", "interval_start_est", "market", "node", "price",
        "flagged"]


@pytest.mark.parametrize(("ref", "label", "start"), [
    ("03-Oct-2026 - Interval 00:05 EST", "HE 24", utc(4, day=3)),   # yesterday's last hour
    ("02-Oct-2026 - Interval 23:55 EST", "HE 1", utc(5, day=3)),    # tomorrow's first hour
    ("02-Oct-2026 - Interval 16:45 EST", "HE 17", utc(21)),
])
def test_hour_labels_take_the_day_nearest_the_as_of_instant(ref: str, label: str,
                                                            start: datetime) -> None:
    """An hour-ending label near midnight lands on the day that puts it nearest RefId."""
    payload = changed(("Data", "RefId"), ref)
    payload["Data"]["Hourly"]["HE"] = label
    [hourly] = [row for row in rows_of(payload) if row["market"] == "hourly"]
    assert hourly["interval_start"] == start


def test_unreadable_rows_are_skipped_and_noted() -> None:
    """A bad row costs only itself in the table; the context says why."""
    payload = changed(("Data", "Now", "Node", 1, "Price"), "cheap")
    ctx = TableContext(key="k", stored=None)
    rows = list(TOY.table.rows(payload, ctx))  # type: ignore[union-attr]
    assert len(rows) == 3
    assert ctx.skipped == ["Data.Now.Node[1]: Price: 'cheap' is not a number"]


def test_as_of_reads_the_declared_path_and_fails_by_name() -> None:
    """as_of is RefId in UTC; without it, InvalidValue naming the path."""
    assert TOY.as_of is not None
    assert TOY.as_of(toy()) == utc(21, 45)
    with pytest.raises(InvalidValue, match="Data.RefId"):
        TOY.as_of({"Data": {}})
    assert TOY.table.ref(toy(), TableContext("k", None)) == utc(21, 45)  # type: ignore[union-attr]


def test_envelope_and_unwrap_are_inverse() -> None:
    """The envelope keeps the response under data and the three instants beside it."""
    stored = TOY.envelope(snapshot(toy(), utc(21, 46)))
    assert TOY.unwrap(stored) == toy()
    meta = stored["collection_metadata"]
    assert meta["as_of"] == "2026-10-02T21:46:00Z"
    assert {"slot", "collected_at", "as_of_source", "source_url", "dataset"} <= meta.keys()
    with pytest.raises(ValueError, match="not an envelope"):
        TOY.unwrap(toy())


def test_key_layout_is_partitioned_by_day_with_the_as_of_minute() -> None:
    """<dgroup>/year=/month=/day=/<name>_YYYYMMDD_HHMM.json.gz, name without miso_."""
    assert key_template("miso_fuel_mix") == (
        "miso_fuel_mix/year={t:%Y}/month={t:%m}/day={t:%d}/fuel_mix_{t:%Y%m%d_%H%M}.json.gz")
    assert keys.render(TOY.key_template, utc(21, 45), {}) == (
        "miso_toy_prices/year=2026/month=10/day=02/toy_prices_20261002_2145.json.gz")
    keys.check_template(TOY.key_template)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-10-02 4:45:00 PM", utc(21, 45)),
    ("2026-10-02 12:00:00 AM", utc(5)),
    ("2026-10-02T16:45:00", utc(21, 45)),
    ("10/02/2026 4:45:00 PM EST", utc(21, 45)),
    ("02-Oct-2026 - Interval 16:45 EST", utc(21, 45)),
])
def test_every_miso_time_format_is_read_on_the_est_clock(text: str, expected: datetime) -> None:
    """MISO's four time formats all mean EST (UTC-5) wall-clock time."""
    assert parse_est(text) == expected
    assert read(TIME, text) == expected


@pytest.mark.parametrize("text", ["2026-10-02 13:45:00 PM", "02/30/2026 1:00:00 AM EST",
                                  "2026-10-02 0:45:00 AM"])
def test_impossible_twelve_hour_times_are_refused(text: str) -> None:
    """13 PM, 0 AM and February 30 are not times."""
    with pytest.raises(InvalidValue):
        parse_est(text)


@pytest.mark.parametrize(("kind", "value", "expected"), [
    (NUMBER, "25,287", 25287.0), (NUMBER, "None", None), (NUMBER, "", None),
    (NUMBER, None, None), (FLAG, "0", False), (FLAG, 1, True), (TEXT, "x", "x"),
    (HOUR, "HE 16", 16), (HOUR, "17", 17),
])
def test_values_read_by_kind(kind: Any, value: Any, expected: Any) -> None:
    """Numbers as strings with separators; "" and "None" are absent."""
    assert read(kind, value) == expected


def test_lookup_names_the_missing_key() -> None:
    """lookup walks dotted paths; a missing key is named."""
    assert lookup({"a": {"b": 1}}, "a.b") == 1
    assert lookup([1], "") == [1]
    with pytest.raises(KeyError, match="c"):
        lookup({"a": {"b": 1}}, "a.c")


def test_a_clock_field_cannot_be_a_column() -> None:
    """A declaration error shows on import, not at the first export."""
    with pytest.raises(ValueError, match="clock"):
        declare(dgroup="miso_bad", command="bad", endpoint="Bad", cadence=FIVE,
                description="Bad.", as_of="RefId",
                wire=Wire((), (Rows("R", (Field("T", CLOCK, "t"),),
                                    Interval("T", "start", FIVE, "")),)),
                tidy=Tidy(("t",), "t", ()))


def test_declared_datasets_are_found() -> None:
    """Every schema-declared module's DATASET is listed, with a checked key template."""
    names = {dataset.name for dataset in all_datasets()}
    assert "miso_fuel_mix" in names
    assert all(isinstance(d, Dataset) for d in all_datasets())


def test_a_missing_first_key_is_named_at_the_top() -> None:
    """Without the block's first key, the failure is at the payload's top level."""
    verdict = TOY.validator({"Other": 1})
    assert verdict.problems == ("missing required field 'Data.RefId'",
                                "missing required field 'Data'")


def test_schema_of_names_the_declaration_behind_a_dataset() -> None:
    """schema_of gives a declared dataset's schema, None for a hand-written one."""
    from gridcollect.datasets import get
    from gridcollect.datasets.schema import schema_of

    schema = schema_of(TOY)
    assert schema is not None and schema.tidy.plot_series == "node"
    assert schema_of(get("miso_realtime_total_load")) is None


def _other_shape(payload: Any) -> Any:
    from gridcollect.model import Verdict

    return Verdict("documented") if payload == {"doc": 1} else TOY.validator(payload)


def test_declare_takes_a_datasets_own_layout_and_other_shapes() -> None:
    """Key, envelope, window, parameters, no-data handling and a validator of more shapes
    are declared options; the table still comes from the wire declaration."""
    from gridcollect.model import Parameter, Slot, Window

    def held(slot: Slot) -> dict[str, str]:
        return {"status": "none"}

    from gridcollect.datasets.schema import schema_of

    declared = schema_of(TOY)
    assert declared is not None
    own = declare(
        dgroup="miso_toy_own", command="toy-own", endpoint="Toy/Own", cadence=FIVE,
        description="A toy with its own layout.", as_of="Data.RefId",
        wire=declared.wire, tidy=declared.tidy,
        key="miso_toy_own/{t:%Y-%m-%d}/own_{t:%H%M}.json.gz",
        envelope=lambda snap: snap.payload, unwrap=lambda stored: stored,
        window=Window("--from", "--to", "UTC"),
        parameters=(Parameter("zone", "zone", ("A", "B"), "a zone"),),
        no_data_statuses=frozenset({404}), placeholder=held, status_reasons={400: "bad zone"},
        validator=_other_shape,
    )
    keys.check_template(own.key_template)
    assert keys.render(own.key_template, utc(21, 45), {}) == (
        "miso_toy_own/2026-10-02/own_2145.json.gz")
    assert own.envelope(snapshot(toy(), utc(21, 45))) == toy()
    assert own.window is not None and own.window.start_flag == "--from"
    assert [p.name for p in own.parameters] == ["zone"]
    assert (own.no_data_statuses, own.placeholder, own.status_reasons) == (
        frozenset({404}), held, {400: "bad zone"})
    assert own.validator({"doc": 1}).shape == "documented"
    assert own.validator(toy()).shape == "wire"
    assert own.table is not None and own.table.columns == declared.columns
    assert schema_of(own) is not None


def test_declare_without_a_wire_shape_needs_a_validator_and_a_table() -> None:
    """A dataset no declaration describes must bring its own validator and table."""
    with pytest.raises(ValueError, match="validator and a table"):
        declare(dgroup="miso_bare", command="bare", endpoint="Bare", cadence=FIVE,
                description="Bare.", as_of="RefId", validator=_other_shape)


def test_rows_labelled_by_full_times_need_no_as_of_instant() -> None:
    """A block labelled by full times gives its rows even when the as-of time is unreadable."""
    table = declare(
        dgroup="miso_toy_times", command="toy-times", endpoint="Toy/Times", cadence=FIVE,
        description="Full times only.", as_of="RefId",
        wire=Wire((Field("RefId", TIME),), (Rows("Rows", (Field("When", TIME),
                                                          Field("MW", NUMBER, "mw", "MW")),
                                                 Interval("When", "start", FIVE, "start")),)),
        tidy=Tidy(("interval_start",), "mw", ("mw",)),
    ).table
    assert table is not None
    payload = {"RefId": "soon", "Rows": [{"When": "2026-10-02T16:45:00", "MW": "5"}]}
    [row] = table.rows(payload, TableContext("k", None))
    assert (row["interval_start"], row["mw"]) == (utc(21, 45), 5.0)
