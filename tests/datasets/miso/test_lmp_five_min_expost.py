"""miso_lmp_five_min_expost: header-and-arrays prices of 2,628 nodes, rule by rule."""

from __future__ import annotations

import pytest

from gridcollect import datasets
from gridcollect.validation import InvalidValue

from .catalogue import assert_rejected, rows_of, utc, verdict_of, wire
from .examples import DELETE

NAME = "miso_lmp_five_min_expost"
RECORDED = wire("MarketPricing/GetRealTimeFiveMinExPost/Current")


@pytest.mark.parametrize(("path", "value", "reason"), [
    (("headers",), DELETE, "missing required field 'headers'"),
    (("headers",), ["INTERVAL", "CPNODE", "LMP", "MLC", "PRICE"],
     "headers: missing required column 'MCC'"),
    (("data",), {}, "data: must be a list"),
    (("data", 5), ["2026-10-02T16:50:00", "X"], "data[5]: must be a list of 5 values"),
    (("data", 5, 2), "31.5.5", "data[5].LMP: must be numeric"),
    (("data", 5, 0), "2026-10-02T16:65:00", "data[5].INTERVAL: must be a time"),
    (("data", 5, 1), "", "data[5].CPNODE: must have a value"),
])
def test_each_rule_names_its_reason(path: tuple[str | int, ...], value: object,
                                    reason: str) -> None:
    """A variant of the recording that breaks one rule is rejected, naming it."""
    assert_rejected(NAME, RECORDED, path, value, reason)


def test_columns_are_read_by_header_name() -> None:
    """Reordered headers and values give the same table."""
    order = [1, 0, 4, 3, 2]
    payload = {"headers": [RECORDED["headers"][i] for i in order],
               "data": [[row[i] for i in order] for row in RECORDED["data"]]}
    assert verdict_of(NAME, payload).ok
    assert rows_of(NAME, payload) == rows_of(NAME, RECORDED)


def test_as_of_is_the_latest_interval_and_is_required() -> None:
    """Without a RefId, the key time is the latest INTERVAL; no rows, no as-of."""
    dataset = datasets.get(NAME)
    assert dataset.as_of is not None
    assert dataset.as_of(RECORDED) == utc(21, 50)
    with pytest.raises(InvalidValue):
        dataset.as_of({"headers": RECORDED["headers"], "data": []})
    assert "as-of" in verdict_of(NAME, {"headers": RECORDED["headers"], "data": []}).reason


def test_table_values_equal_the_recording_on_the_interval_start() -> None:
    """INTERVAL 16:50 EST starts 21:50-21:55 UTC, as gridstatus reads it; values as sent."""
    rows = rows_of(NAME, RECORDED)
    assert len(rows) == 2628
    assert [(r["node"], r["lmp"], r["mlc"], r["mcc"]) for r in rows] == [
        (d[1], float(d[2]), float(d[3]), float(d[4])) for d in RECORDED["data"]]
    assert {(r["interval_start"], r["interval_end"]) for r in rows} == {(utc(21, 50),
                                                                         utc(21, 55))}


def test_same_prices_land_on_the_same_interval_as_the_consolidated_table() -> None:
    """All 317 nodes of the consolidated five-minute block: same interval, same prices."""
    expost = {(r["node"], r["interval_start"]): (r["lmp"], r["mlc"], r["mcc"])
              for r in rows_of(NAME, RECORDED)}
    five = [r for r in rows_of("miso_lmp_consolidated",
                               wire("MarketPricing/GetLmpConsolidatedTable"))
            if r["market"] == "rt_5min"]
    assert len(five) == 317
    assert all(expost[(r["node"], r["interval_start"])] == (r["lmp"], r["mlc"], r["mcc"])
               for r in five)
