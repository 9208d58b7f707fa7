"""miso_rsg_commitments: the recorded "nothing committed" placeholder gives no rows; a
populated variant is validated rule by rule and tabulated on the interval it ends."""

from __future__ import annotations

import pytest

from .catalogue import assert_rejected, changed, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_rsg_commitments"
RECORDED = wire("RealTimeRSGCommitments")
POPULATED = changed(changed(RECORDED, ("Commitment", 0, "COMMIT_REASON"), "VLR"),
                    ("Commitment", 0, "NUM_RESOURCES"), "2")
POPULATED["Commitment"][0]["TOTAL_ECON_MAX"] = "412.50"
POPULATED["Commitment"].append({**POPULATED["Commitment"][0], "COMMIT_REASON": "Capacity",
                                "NUM_RESOURCES": "1", "TOTAL_ECON_MAX": "1,250.00"})


def test_recorded_placeholder_is_valid_and_gives_no_rows() -> None:
    """COMMIT_REASON and NUM_RESOURCES "None" mean nothing committed: valid, no row."""
    verdict = verdict_of(NAME, RECORDED)
    assert (verdict.shape, verdict.problems, verdict.warnings) == ("wire", (), ())
    assert rows_of(NAME, RECORDED) == []


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("RefId",), DELETE, "missing required field 'RefId'"),
    (("RefId",), "23:45", "RefId: must be a time"),
    (("Commitment",), DELETE, "missing required field 'Commitment'"),
    (("Commitment",), "None", "Commitment: must be a list"),
    (("Commitment", 0), "VLR", "Commitment[0]: must be an object"),
    (("Commitment", 0, "TOTAL_ECON_MAX"), "lots", "Commitment[0].TOTAL_ECON_MAX: must be "
                                                  "numeric"),
    (("Commitment", 0, "NUM_RESOURCES"), "None", "Commitment[0].NUM_RESOURCES: must have a "
                                                 "value"),
    (("Commitment", 0, "COMMIT_REASON"), DELETE, "Commitment[0]: missing required field "
                                                 "'COMMIT_REASON'"),
    (("Commitment", 0, "MKT_INT_END_EST"), "11:45 PM", "Commitment[0].MKT_INT_END_EST: must "
                                                       "be a time"),
    (("Commitment", 0, "NUM_RESOURCES"), "1.5",
     "Commitment[0]: resource count: NUM_RESOURCES 1.5 is not a positive whole number"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the populated answer that breaks one rule is rejected, naming it."""
    assert verdict_of(NAME, POPULATED).ok
    assert_rejected(NAME, POPULATED, path, value, reason)


def test_table_holds_each_reason_on_the_interval_it_ends() -> None:
    """MKT_INT_END_EST 11:45 PM EST ends 04:40-04:45 UTC the next UTC day; values as sent."""
    rows = rows_of(NAME, POPULATED)
    assert [(r["reason"], r["resources"], r["total_econ_max_mw"], r["interval_start"],
             r["interval_end"]) for r in rows] == [
        ("VLR", 2.0, 412.5, utc(4, 40, day=3), utc(4, 45, day=3)),
        ("Capacity", 1.0, 1250.0, utc(4, 40, day=3), utc(4, 45, day=3))]
