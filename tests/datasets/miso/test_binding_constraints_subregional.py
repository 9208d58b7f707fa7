"""miso_binding_constraints_subregional: the recorded placeholder, a populated variant,
rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_binding_constraints_subregional"
RECORDED = wire("BindingConstraints/SubRegional")


def populated() -> Any:
    """The recording with its placeholder replaced by a binding constraint."""
    row = {**RECORDED["Constraint"][0], "Name": "RDT_SOUTH_NORTH", "Price": "-12.5",
           "OVERRIDE": "0", "CURVETYPE": "MW", "BP1": "0", "PC1": "2000", "REASON": "RDT"}
    return changed(RECORDED, ("Constraint",), [row])


def test_recorded_placeholder_is_valid_and_gives_no_rows() -> None:
    """Name "None" with numbers "0" and Price "None" means nothing binds."""
    verdict = verdict_of(NAME, RECORDED)
    assert (verdict.shape, verdict.problems, verdict.warnings) == ("wire", (), ())
    assert rows_of(NAME, RECORDED) == []


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("Constraint",), {}, "Constraint: must be a list"),
    (("Constraint", 0, "Price"), "None", "Constraint[0].Price: must have a value"),
    (("Constraint", 0, "BP3"), "three", "Constraint[0].BP3: must be numeric"),
    (("Constraint", 0, "PC1"), DELETE, "Constraint[0]: demand curve"),
    (("Constraint", 0, "Period"), DELETE, "Constraint[0]: missing required field 'Period'"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A populated variant that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, populated(), path, value, reason)


def test_populated_row_is_tabulated_with_period_as_interval_end() -> None:
    """A binding constraint gives one row ending at its Period (16:30 EST)."""
    payload = populated()
    assert verdict_of(NAME, payload).ok
    [row] = rows_of(NAME, payload)
    assert (row["name"], row["shadow_price"], row["reason"], row["bp3"]) == (
        "RDT_SOUTH_NORTH", -12.5, "RDT", 0.0)
    assert (row["interval_start"], row["interval_end"]) == (utc(21, 25), utc(21, 30))
