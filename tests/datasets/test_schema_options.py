"""The schema's options for part 2's feeds: key stamps, one-or-many rows, amounts with a
dollar sign, as-of from the latest of several times, and a table's span."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridcollect import keys
from gridcollect.datasets.schema import (
    AMOUNT,
    NUMBER,
    STAMP_DAY,
    STAMP_SECOND,
    TEXT,
    TIME,
    Field,
    Interval,
    Rows,
    Tidy,
    Wire,
    as_of_latest,
    declare,
    key_template,
    read,
)
from gridcollect.export.window import key_prefixes, parse_range
from gridcollect.model import Dataset, TableContext
from gridcollect.validation import InvalidValue

AT = datetime(2026, 10, 3, 4, 33, 30, tzinfo=UTC)


@pytest.mark.parametrize(("stamp", "name"), [
    (None, "toy_20261003_0433.json.gz"),
    (STAMP_SECOND, "toy_20261003_043330.json.gz"),
    (STAMP_DAY, "toy_20261003.json.gz"),
])
def test_key_stamps(stamp: str | None, name: str) -> None:
    """The default stamp is unchanged; seconds and date-only stamps are valid templates."""
    template = key_template("miso_toy") if stamp is None else key_template("miso_toy", stamp)
    keys.check_template(template)
    assert keys.render(template, AT, {}) == f"miso_toy/year=2026/month=10/day=03/{name}"


def test_amount_reads_a_dollar_sign_and_number_does_not() -> None:
    """AMOUNT reads "$36.32" and "1,250"; NUMBER still refuses the dollar sign."""
    assert (read(AMOUNT, "$36.32"), read(AMOUNT, "1,250"), read(AMOUNT, "None")) == (
        36.32, 1250.0, None)
    with pytest.raises(InvalidValue):
        read(NUMBER, "$36.32")
    with pytest.raises(InvalidValue):
        read(AMOUNT, "$")


def test_as_of_latest_takes_the_latest_time_and_explains_a_missing_one() -> None:
    """The latest of the rows' times, in UTC; no rows or no list is an InvalidValue."""
    reader = as_of_latest("Rows", "when")
    payload = {"Rows": [{"when": "2026-10-02 4:43:00 PM"}, {"when": "10/02/2026 4:45:00 PM EST"}]}
    assert reader(payload) == datetime(2026, 10, 2, 21, 45, tzinfo=UTC)
    for bad in ({"Rows": []}, {"Rows": {}}, {}):
        with pytest.raises(InvalidValue):
            reader(bad)


def _toy(*, one_or_many: bool, span: timedelta = timedelta(days=1)) -> Dataset:
    return declare(
        dgroup="miso_toy_ties", command="toy-ties", endpoint="Toy/Ties",
        cadence=timedelta(minutes=5), description="toy", as_of="RefId",
        wire=Wire(fields=(Field("RefId", TIME),), rows=(Rows(
            "Tie", (Field("Name", TEXT, "tie"), Field("Value", NUMBER, "mw", "MW")),
            Interval("RefId", "end", timedelta(minutes=5), "toy"),
            context=(Field("RefId", TIME),), one_or_many=one_or_many),)),
        tidy=Tidy(identity=("tie", "interval_start"), plot_series="tie", plot_values=("mw",),
                  span=span),
    )


def test_one_or_many_reads_a_single_object_only_when_declared() -> None:
    """A lone row object is one row with one_or_many; without it, still a list error."""
    payload = {"RefId": "02-Oct-2026 - Interval 16:30 EST", "Tie": {"Name": "MISO", "Value": "1"}}
    lone = _toy(one_or_many=True)
    assert lone.validator(payload).ok
    assert lone.table is not None
    assert [r["mw"] for r in lone.table.rows(payload, TableContext("k", None))] == [1.0]
    assert "Tie: must be a list" in _toy(one_or_many=False).validator(payload).reason
    broken = {**payload, "Tie": {"Name": "MISO", "Value": "x"}}
    assert "Tie.Value: must be numeric" in lone.validator(broken).reason


def test_span_widens_the_days_an_export_lists() -> None:
    """One day either side by default; a declared span of six days lists six each side."""
    wanted = parse_range("2026-10-02")
    assert len(key_prefixes(_toy(one_or_many=False), "p", wanted)) == 3
    assert len(key_prefixes(_toy(one_or_many=False, span=timedelta(days=6)), "p", wanted)) == 13
