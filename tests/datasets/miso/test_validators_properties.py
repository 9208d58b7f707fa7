"""Properties of every MISO validator: any JSON value gets a verdict, never an exception."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcollect.datasets.miso import (
    binding_constraints_reserve,
    csat_supply_demand,
    realtime_total_load,
)
from gridcollect.model import Verdict

from .examples import (
    csat_documented,
    csat_wire,
    reserve_documented,
    reserve_wire,
    total_load_documented,
    total_load_wire,
    wire,
)

# Valid payloads of both shapes, mutated below; the recorded responses included.
BASES = {
    "csat": [csat_documented(), csat_wire(), wire("CsatSupplyDemand")],
    "total_load": [total_load_documented(), total_load_wire(), wire("RealTimeTotalLoad")],
    "reserve": [
        reserve_documented(),
        reserve_wire(),
        wire("BindingConstraints/Reserve"),
        wire("BindingConstraints/RealTime"),
    ],
}
VALIDATORS = {
    "csat": csat_supply_demand.DATASET.validator,
    "total_load": realtime_total_load.DATASET.validator,
    "reserve": binding_constraints_reserve.DATASET.validator,
}
SHAPES = {"documented", "wire", "unrecognised", "placeholder"}

# Strings and keys the validators care about, so random values reach the deeper branches.
INTERESTING_TEXT = st.sampled_from([
    "", " ", "None", "None - None", "0", "1", "-1", "83,808", "1,23", "NaN", "Infinity", "MW",
    "12:00", "25:00", "24", "HE 7", "2026-10-02T16:30:00", "02-Oct-2026 - Interval 16:45 EST",
    "32-Oct-2026 - Interval 16:45 EST", "9999-12-31T23:00:00", "SPIN", "UP",
])
KNOWN_KEYS = st.sampled_from(sorted({
    "RefId", "Constraint", "LoadInfo", "ClearedMW", "MediumTermLoadForecast", "FiveMinTotalLoad",
    "Hour", "HourEnding", "HE", "Value", "LoadForecast", "Time", "Load", "ClearedMWHourly",
    "Forecast", "Name", "Period", "Price", "ReserveType", "Direction", "Quantity", "OVERRIDE",
    "BP1", "PC1", "BP2", "PC2", "timestamp", "region", "data", "adequacyScore", "value", "unit",
    "forecastHorizon", "actualDemand", "committedCapacity", "availableCapacity", "id",
    "timeEst", "demand", "demandForecast", "committedCapacityForecast", "status", "message",
}))
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=12)
    | INTERESTING_TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(KNOWN_KEYS | st.text(max_size=6), children, max_size=4),
    max_leaves=12,
)


def _mutate(draw: st.DrawFn, node: Any) -> Any:
    """Change one place in ``node``: replace, delete or add a value, possibly deep inside."""
    if isinstance(node, dict | list) and node and draw(st.integers(0, 3)):
        slots = list(node) if isinstance(node, dict) else list(range(len(node)))
        slot = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["descend", "descend", "replace", "delete"]))
        if action == "descend":
            node[slot] = _mutate(draw, node[slot])
        elif action == "replace":
            node[slot] = draw(JSON)
        else:
            del node[slot]
        return node
    if isinstance(node, dict) and draw(st.booleans()):
        node[draw(KNOWN_KEYS)] = draw(JSON)
        return node
    return draw(JSON)


@st.composite
def mutated(draw: st.DrawFn, name: str) -> Any:
    payload = copy.deepcopy(draw(st.sampled_from(BASES[name])))
    for _ in range(draw(st.integers(1, 3))):
        payload = _mutate(draw, payload)
    return payload


def assert_well_formed(verdict: Verdict) -> None:
    """A verdict of a known shape whose every message is a non-empty string."""
    assert isinstance(verdict, Verdict)
    assert verdict.shape in SHAPES
    assert all(isinstance(text, str) and text for text in (*verdict.problems, *verdict.warnings))
    # The safety net in never_raises must stay unused: reaching it means a validator bug.
    assert not any(text.startswith("validator error") for text in verdict.problems), verdict
    if not verdict.ok:
        assert verdict.reason.strip()


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@settings(max_examples=100, deadline=None)
@given(payload=JSON)
def test_any_json_value_gets_a_verdict(name: str, payload: Any) -> None:
    """Arbitrary JSON values never make a validator raise; every rejection has a reason."""
    assert_well_formed(VALIDATORS[name](payload))


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_mutated_valid_payloads_get_a_verdict(name: str, data: st.DataObject) -> None:
    """Valid payloads of both shapes, randomly broken, never raise and are never mutated."""
    payload = data.draw(mutated(name))
    before = json.dumps(payload)
    assert_well_formed(VALIDATORS[name](payload))
    assert json.dumps(payload) == before


def _deep(depth: int, make: Any) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = make(value)
    return value


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@pytest.mark.parametrize(
    "payload",
    [
        _deep(50_000, lambda inner: [inner]),
        _deep(50_000, lambda inner: {"RefId": inner, "Constraint": [inner]}),
        {"LoadInfo": _deep(50_000, lambda inner: {"ClearedMW": [inner]})},
        [_deep(50_000, lambda inner: {"id": inner, "timeEst": inner})],
    ],
    ids=["nested-lists", "nested-reserve", "nested-load-info", "nested-csat-row"],
)
def test_deeply_nested_values_get_a_verdict(name: str, payload: Any) -> None:
    """Nesting far beyond the recursion limit is judged, not crashed on."""
    assert_well_formed(VALIDATORS[name](payload))


ROW_TEXT = st.sampled_from([
    "0", "83,808", "+5", "5.", "1,234.5", " 12 ", "-0", "1e3", "1,23", "", "NaN", "9" * 320,
    "12:00", " 7:05 ", "23:59:59", "24:00", "7:60", "HE 7", "25", "\u00a012:00\u2003",
])


@st.composite
def total_load_rows(draw: st.DrawFn) -> Any:
    """A wire-shape total-load payload whose rows hold mostly plausible, sometimes bad values."""
    payload = copy.deepcopy(wire("RealTimeTotalLoad"))
    body = payload["LoadInfo"]
    for name in realtime_total_load.ARRAYS:
        for row in body[name]:
            inner = next(iter(row.values()))
            for key in list(inner):
                if draw(st.integers(0, 9)) == 0:
                    inner[key] = draw(ROW_TEXT | SCALARS)
                elif draw(st.integers(0, 40)) == 0:
                    del inner[key]
    return payload


@settings(max_examples=200, deadline=None)
@given(payload=total_load_rows() | mutated("total_load"))
def test_total_load_verdicts_are_the_same_without_the_column_shortcut(payload: Any) -> None:
    """The column-at-a-time shortcut only skips rows that would have had nothing to report."""
    quick = VALIDATORS["total_load"](payload)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(realtime_total_load, "_nothing_to_report", lambda *args: False)
        assert VALIDATORS["total_load"](payload) == quick
