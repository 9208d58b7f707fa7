"""Reserve binding constraints: declaration, validator (both shapes), envelope, keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from gridcollect import keys
from gridcollect.datasets.miso.binding_constraints_reserve import DATASET, REQUIRED
from gridcollect.model import TableContext

from .examples import (
    DELETE,
    FAIL,
    PASS,
    SHAPE,
    WARN,
    assert_outcome,
    changed,
    reserve_documented,
    reserve_wire,
    snapshot,
    wire,
)

AT = datetime(2025, 12, 5, 9, 35, 42, tzinfo=UTC)
DOC = reserve_documented()
WIRE = reserve_wire()
NOTHING_BINDING = wire("BindingConstraints/Reserve")


def doc(path: tuple[str | int, ...], value: object) -> object:
    return changed(DOC, path, value)


def doc_row(key: str, value: object) -> object:
    return changed(DOC, ("Constraint", 0, key), value)


def wire_row(key: str, value: object) -> object:
    return changed(WIRE, ("Constraint", 0, key), value)


DOCUMENTED_CASES = [
    pytest.param(DOC, PASS, None, id="example"),
    # Response structure, RefId and the Constraint list
    pytest.param(doc(("RefId",), DELETE), FAIL, "missing required field 'RefId'",
                 id="missing-RefId"),
    pytest.param(doc(("RefId",), ""), FAIL, "RefId: must be a non-empty string, got ''",
                 id="empty-RefId"),
    pytest.param(doc(("RefId",), 20251205), FAIL, "RefId: must be a non-empty string, got 20251205",
                 id="numeric-RefId"),
    pytest.param(doc(("RefId",), "latest"), WARN, "RefId: must be a time", id="unparseable-RefId"),
    pytest.param(doc(("Constraint",), DELETE), FAIL, "missing required field 'Constraint'",
                 id="missing-Constraint"),
    pytest.param(doc(("Constraint",), {}), FAIL, "Constraint: must be a list, got an empty object",
                 id="Constraint-not-a-list"),
    pytest.param(doc(("Constraint",), []), PASS, None, id="nothing-binding"),
    pytest.param(doc(("Constraint", 1), "SPIN"), FAIL, "Constraint[1]: must be an object",
                 id="row-not-an-object"),
    # Name and Period: non-empty strings
    pytest.param(doc_row("Name", ""), FAIL, "Constraint[0].Name: must be a non-empty string",
                 id="empty-Name"),
    pytest.param(doc_row("Name", None), FAIL, "Constraint[0].Name: must be a non-empty string",
                 id="null-Name"),
    pytest.param(doc_row("Period", " "), FAIL, "Constraint[0].Period: must be a non-empty string",
                 id="blank-Period"),
    pytest.param(doc_row("Period", "HE10"), WARN, "Constraint[0].Period: must be a time",
                 id="unparseable-Period"),
    # Price and Quantity: numeric
    pytest.param(doc_row("Price", -3.5), PASS, None, id="negative-Price"),
    pytest.param(doc_row("Price", "14.25"), PASS, None, id="numeric-string-Price"),
    pytest.param(doc_row("Price", "cheap"), FAIL,
                 "Constraint[0].Price: must be numeric: 'cheap' is not a number", id="bad-Price"),
    pytest.param(doc_row("Quantity", None), FAIL,
                 "Constraint[0].Quantity: must be numeric: expected a number, got null",
                 id="null-Quantity"),
    # ReserveType and Direction: unexpected values are only warnings
    *[
        pytest.param(doc_row("ReserveType", kind), PASS, None, id=f"ReserveType-{kind}")
        for kind in ("NSPIN", "REG_UP", "REG_DOWN", "SUPPL")
    ],
    pytest.param(doc_row("ReserveType", "RAMP"), WARN,
                 "Constraint[0].ReserveType: unexpected ReserveType 'RAMP'", id="ReserveType-RAMP"),
    pytest.param(doc_row("Direction", "BOTH"), PASS, None, id="Direction-BOTH"),
    pytest.param(doc_row("Direction", "SIDEWAYS"), WARN,
                 "Constraint[0].Direction: unexpected Direction 'SIDEWAYS', expected one of UP",
                 id="Direction-SIDEWAYS"),
    # OVERRIDE: boolean or 0/1
    *[
        pytest.param(doc_row("OVERRIDE", value), PASS, None, id=f"OVERRIDE-{value!r}")
        for value in (True, False, 0, 1)
    ],
    *[
        pytest.param(doc_row("OVERRIDE", value), FAIL,
                     "Constraint[0].OVERRIDE: OVERRIDE must be a boolean or 0/1",
                     id=f"OVERRIDE-{value!r}")
        for value in (2, "yes", "", None)
    ],
    # BP1, PC1, BP2, PC2: numeric or null
    pytest.param(doc_row("BP1", 0.5), PASS, None, id="numeric-breakpoint"),
    pytest.param(doc_row("PC2", None), PASS, None, id="null-breakpoint"),
    pytest.param(doc_row("PC1", "steep"), FAIL,
                 "Constraint[0].PC1: must be numeric: 'steep' is not a number",
                 id="bad-breakpoint"),
    pytest.param(doc_row("BP2", ""), FAIL, "Constraint[0].BP2: must be numeric: '' is empty",
                 id="empty-breakpoint"),
]


@pytest.mark.parametrize(("payload", "outcome", "mention"), DOCUMENTED_CASES)
def test_documented_shape_rules(payload: object, outcome: str, mention: str | None) -> None:
    """Each documented-shape rule accepts a valid payload and names itself when it rejects."""
    assert_outcome(DATASET.validator(payload), outcome, mention, "documented")


@pytest.mark.parametrize("field", REQUIRED)
def test_documented_rows_need_all_eleven_fields(field: str) -> None:
    """A documented row missing any of its eleven fields fails, naming the field."""
    assert len(REQUIRED) == 11
    verdict = DATASET.validator(doc_row(field, DELETE))
    assert_outcome(verdict, FAIL, f"Constraint[0]: missing required field {field!r}", "documented")


WIRE_CASES = [
    pytest.param(WIRE, PASS, None, id="populated-row"),
    pytest.param(NOTHING_BINDING, PASS, None, id="None-None-placeholder-row"),
    pytest.param(changed(NOTHING_BINDING, ("Constraint", 0, "Price"), None), PASS, None,
                 id="placeholder-row-null-price"),
    pytest.param(changed(NOTHING_BINDING, ("Constraint", 0, "Name"), "ZONE3_SPIN_REQ"), FAIL,
                 "Constraint[0].Price: must be numeric: 'None' is not a number",
                 id="named-row-priced-None"),
    pytest.param(changed(WIRE, ("Constraint",), []), PASS, None, id="empty-Constraint"),
    pytest.param(changed(WIRE, ("RefId",), "05-Dec-2025 - Interval 24:35 EST"), FAIL,
                 "RefId: must be a time", id="impossible-RefId"),
    *[
        pytest.param(wire_row(field, DELETE), FAIL,
                     f"Constraint[0]: missing required field {field!r}", id=f"missing-{field}")
        for field in ("Name", "Period", "Price")
    ],
    pytest.param(wire_row("Name", ""), FAIL, "Constraint[0].Name: must be a non-empty string",
                 id="empty-Name"),
    pytest.param(wire_row("Period", "2025-12-05 09:35 local"), FAIL,
                 "Constraint[0].Period: must be a time", id="unparseable-Period"),
    pytest.param(wire_row("Price", "12,004.5"), PASS, None, id="Price-with-separator"),
    pytest.param(wire_row("Price", "N/A"), FAIL,
                 "Constraint[0].Price: must be numeric: 'N/A' is not a number", id="bad-Price"),
    *[
        pytest.param(wire_row("OVERRIDE", value), PASS, None, id=f"OVERRIDE-{value!r}")
        for value in ("", "0", "1")
    ],
    pytest.param(wire_row("OVERRIDE", "Y"), FAIL,
                 "Constraint[0].OVERRIDE: OVERRIDE must be a boolean or 0/1, got 'Y'",
                 id="OVERRIDE-Y"),
    pytest.param(wire_row("BP2", "102"), PASS, None, id="numeric-string-breakpoint"),
    pytest.param(wire_row("PC1", ""), PASS, None, id="absent-breakpoint"),
    pytest.param(wire_row("PC1", "high"), FAIL,
                 "Constraint[0].PC1: must be numeric: 'high' is not a number", id="bad-breakpoint"),
    # A row carrying a documented-only field is held to the documented rules.
    pytest.param(wire_row("ReserveType", "SPIN"), FAIL,
                 "Constraint[0]: missing required field 'Quantity'", id="documented-field-on-wire"),
    pytest.param(changed(WIRE, ("Constraint", 0), DOC["Constraint"][0]), PASS, None,
                 id="documented-row-on-wire"),
]


@pytest.mark.parametrize(("payload", "outcome", "mention"), WIRE_CASES)
def test_wire_shape_rules(payload: object, outcome: str, mention: str | None) -> None:
    """Each wire-shape rule accepts MISO's real rows and names itself when it rejects."""
    assert_outcome(DATASET.validator(payload), outcome, mention, "wire")


@pytest.mark.parametrize("name", ["BindingConstraints/Reserve", "BindingConstraints/RealTime"])
def test_recorded_wire_responses_pass(name: str) -> None:
    """The recorded Reserve response passes, and so do the RealTime rows Reserve rows mirror."""
    assert_outcome(DATASET.validator(wire(name)), PASS, None, "wire")


@pytest.mark.parametrize(
    "payload", [None, 1.5, "RefId", [WIRE], {}, {"Constraints": []}],
    ids=["null", "number", "string", "list", "empty-object", "other-object"],
)
def test_unrecognised_shape_names_what_was_expected(payload: object) -> None:
    """A payload that is not an object with RefId or Constraint fails, naming what was expected."""
    verdict = DATASET.validator(payload)
    assert verdict.shape == "unrecognised"
    assert "expected an object with RefId and Constraint" in verdict.reason


@pytest.mark.parametrize("payload", [DOC, NOTHING_BINDING], ids=["documented", "wire"])
def test_envelope_is_the_response_as_received(payload: object) -> None:
    """The stored object is the payload itself, and unwrap is the identity."""
    stored = DATASET.envelope(snapshot(payload, AT))
    assert stored == payload
    assert DATASET.unwrap(stored) == payload


def test_key_is_stamped_with_the_refid_minute() -> None:
    """Keys are partitioned by day and stamped to the minute with the RefId's instant."""
    wire = {"RefId": "05-Dec-2025 - Interval 04:35 EST", "Constraint": []}
    assert DATASET.as_of is not None and DATASET.as_of(wire) == AT.replace(second=0)
    key = keys.render(DATASET.key_template, AT, {})
    assert key == (
        "miso_binding_constraints_reserve/2025-12-05/binding_constraints_reserve_20251205_0935.json.gz"
    )
    keys.check_template(DATASET.key_template)


def test_declaration() -> None:
    """The dataset takes no window: each run collects one snapshot, now."""
    assert (DATASET.name, DATASET.operator, DATASET.command, DATASET.endpoint) == (
        "miso_binding_constraints_reserve", "miso", "binding-constraints-reserve",
        "BindingConstraints/Reserve",
    )
    assert DATASET.cadence == timedelta(minutes=5)
    assert DATASET.retention == timedelta(days=7)
    assert DATASET.window is None and DATASET.parameters == ()
    assert DATASET.placeholder is None


POPULATED = json.loads((SHAPE / "BindingConstraints" / "Reserve.json").read_text(encoding="utf-8"))


def test_populated_answer_with_descriptions_is_valid() -> None:
    """MISO's populated answer (2026-07-27, known by shape) passes as the wire shape."""
    verdict = DATASET.validator(POPULATED)
    assert (verdict.shape, verdict.problems, verdict.warnings) == ("wire", (), ())
    assert DATASET.as_of is not None
    assert DATASET.as_of(POPULATED) == datetime(2026, 7, 27, 13, 10, tzinfo=UTC)


def test_populated_answer_keeps_description_and_ends_the_interval_at_period() -> None:
    """Each row keeps its Description; Period 08:10 EST ends 13:05-13:10 UTC."""
    assert DATASET.table is not None
    ctx = TableContext(key="k", stored=None)
    rows = list(DATASET.table.rows(POPULATED, ctx))
    assert ctx.skipped == []
    assert [(r["name"], r["shadow_price"], r["description"]) for r in rows] == [
        ("RDT_SO_MW (South_North) - STR+Lost_Gen Zone_1", -0.16, "STR+Lost_Gen Zone_1"),
        ("RDT_SO_MW (South_North) - STR+Lost_Gen Zone_3", -8.32, "STR+Lost_Gen Zone_3"),
    ]
    assert {(r["interval_start"], r["interval_end"]) for r in rows} == {
        (datetime(2026, 7, 27, 13, 5, tzinfo=UTC), datetime(2026, 7, 27, 13, 10, tzinfo=UTC))}


@pytest.mark.parametrize(("key", "value", "reason"), [
    ("Price", "low", "Constraint[1].Price: must be numeric"),
    ("Period", "08:10", "Constraint[1].Period: must be a time"),
    ("Name", "", "Constraint[1].Name: must be a non-empty string"),
])
def test_populated_answer_rules_name_their_reason(key: str, value: str, reason: str) -> None:
    """Variants of the populated answer are rejected, naming the rule."""
    verdict = DATASET.validator(changed(POPULATED, ("Constraint", 1, key), value))
    assert not verdict.ok and reason in verdict.reason, verdict.reason


def test_table_keeps_the_text_none_except_on_the_placeholder_row() -> None:
    """Only the None - None row means nothing binds: a row named "None" and a CURVETYPE of
    "None" are exported as the text they are."""
    payload = changed(changed(WIRE, ("Constraint", 0, "Name"), "None"),
                      ("Constraint", 0, "CURVETYPE"), "None")
    assert DATASET.validator(payload).ok
    assert DATASET.table is not None
    ctx = TableContext(key="k", stored=None)
    [row] = DATASET.table.rows(payload, ctx)
    assert (row["name"], row["curve_type"], row["bp2"]) == ("None", "None", None)
