"""miso_snapshot: the recorded headline figures, validated rule by rule and tabulated;
the as-of instant is the latest of the figures' own times."""

from __future__ import annotations

import pytest

from gridcollect import datasets, keys

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_snapshot"
RECORDED = wire("Snapshot")


@pytest.mark.parametrize(("path", "value", "reason"), [
    ((1,), "83,808", "[1]: must be an object"),
    ((1, "v"), "about 80k", "[1].v: must be numeric"),
    ((2, "v"), "$", "[2].v: must be numeric"),
    ((1, "v"), "", "[1].v: must have a value"),
    ((1, "d"), "4:45 PM", "[1].d: must be a time"),
    ((1, "d"), DELETE, "[1]: missing required field 'd'"),
    ((1, "t"), 7, "[1].t: must be text"),
    ((1, "t"), "Current Demand", "[1]: unit in title: title 'Current Demand' names no unit"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_an_object_is_not_the_list_of_figures() -> None:
    """The answer must be the list of figures."""
    verdict = verdict_of(NAME, {"figures": RECORDED})
    assert verdict.shape == "unrecognised" and "a list of rows" in verdict.reason


def test_table_holds_each_figure_at_its_own_time() -> None:
    """Formatted values read as numbers ("83,808", "$36.32"); each at its own instant."""
    rows = rows_of(NAME, RECORDED)
    assert [(r["figure"], r["value"], r["interval_start"]) for r in rows] == [
        ("Forecasted Peak Demand (MW)", 82913.0, utc(5)),
        ("Current Demand (MW)", 83808.0, utc(21, 45)),
        ("Marginal Energy Cost ($/MWh)", 36.32, utc(21, 45)),
        ("Scheduled Imports (-) / Exports (+) (MW)", -656.0, utc(21, 43)),
    ]
    assert all(r["interval_end"] == r["interval_start"] for r in rows)


def test_as_of_is_the_latest_figure_time() -> None:
    """No RefId: 4:45 PM EST, the latest d, keys the snapshot snapshot_20261002_2145."""
    dataset = datasets.get(NAME)
    assert dataset.as_of is not None
    assert dataset.as_of(RECORDED) == utc(21, 45)
    assert keys.render(dataset.key_template, utc(21, 45), {}) == (
        "miso_snapshot/year=2026/month=10/day=02/snapshot_20261002_2145.json.gz")
    later = changed(RECORDED, (3, "d"), "10/02/2026 4:47:00 PM EST")
    assert dataset.as_of(later) == utc(21, 47)
