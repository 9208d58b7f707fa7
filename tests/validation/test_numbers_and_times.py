"""Shared checks: numbers, MISO times, value descriptions and the Checker."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridcollect.model import Verdict
from gridcollect.validation import (
    MAX_MESSAGES,
    Checker,
    InvalidValue,
    all_clocks,
    all_plain_mw,
    at,
    describe,
    format_number,
    is_interval_ref,
    never_raises,
    parse_clock,
    parse_est,
    parse_hour,
    parse_number,
    utc_iso,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (83808, 83808.0),
        (-771.02, -771.02),
        ("83,808", 83808.0),
        ("-771.02", -771.02),
        (" 1,234.5 ", 1234.5),
        ("1,234,567", 1234567.0),
        ("+5", 5.0),
        (".5", 0.5),
        ("2e3", 2000.0),
        (0, 0.0),
    ],
    ids=["int", "float", "thousands", "negative-string", "padded", "millions", "plus-sign",
         "leading-dot", "exponent", "zero"],
)
def test_parse_number_accepts_numbers_and_numeric_strings(value: object, expected: float) -> None:
    """JSON numbers and numeric strings, with thousands separators, become floats."""
    assert parse_number(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "true is a boolean, not a number"),
        (None, "expected a number, got null"),
        ("", "'' is empty, not a number"),
        ("   ", "'   ' is empty, not a number"),
        ("NaN", "'NaN' is not a number"),
        ("Infinity", "'Infinity' is not a number"),
        (math.nan, "nan is not a finite number"),
        (math.inf, "inf is not a finite number"),
        ("1e999", "'1e999' is not a finite number"),
        (10**400, "out of range"),
        ("12abc", "'12abc' is not a number"),
        ("1,23", "'1,23' is not a number"),
        ("1_000", "'1_000' is not a number"),
        ("١٢", "'١٢' is not a number"),
        ([1], "expected a number, got a list of 1 item"),
        ({"v": 1}, "expected a number, got an object with keys 'v'"),
    ],
    ids=["bool", "null", "empty", "blank", "nan-string", "infinity-string", "nan", "inf",
         "overflow-string", "huge-int", "garbage", "bad-grouping", "underscore", "arabic-digits",
         "list", "object"],
)
def test_parse_number_rejects_with_a_reason(value: object, reason: str) -> None:
    """Booleans, non-finite values, empty strings and garbage are refused, naming the value."""
    with pytest.raises(InvalidValue) as caught:
        parse_number(value)
    assert reason in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [(80000.0, "80000"), (-5.0, "-5"), (0.25, "0.25"), (1e20, "1e+20")],
    ids=["whole", "negative", "fraction", "huge"],
)
def test_format_number_drops_a_needless_point_zero(value: float, text: str) -> None:
    """Whole numbers print without ``.0`` so messages read ``80000 MW``."""
    assert format_number(value) == text


ON_THE_DAY = datetime(2026, 10, 2, 21, 30, tzinfo=UTC)  # 16:30 EST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-02T16:30:00", ON_THE_DAY),
        ("2026-10-02T16:30:00-05:00", ON_THE_DAY),
        ("2026-10-02T17:30:00-04:00", ON_THE_DAY),
        ("2026-10-02T21:30:00Z", ON_THE_DAY),
        ("02-Oct-2026 - Interval 16:30 EST", ON_THE_DAY),
        ("2-oct-2026 - Interval 16:30:00 EST", ON_THE_DAY),
        ("2026-07-01T12:00:00", datetime(2026, 7, 1, 17, 0, tzinfo=UTC)),
        ("31-Dec-2025 - Interval 23:55 EST", datetime(2026, 1, 1, 4, 55, tzinfo=UTC)),
    ],
    ids=["naive-iso", "est-offset", "other-offset", "zulu", "refid", "refid-lower-seconds",
         "summer-still-est", "refid-crosses-year"],
)
def test_parse_est_reads_miso_times_as_utc(text: str, expected: datetime) -> None:
    """Naive times are EST (UTC-5, also in summer); offsets are honoured; the RefId form works."""
    parsed = parse_est(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "'' is not a MISO time"),
        ("yesterday", "'yesterday' is not a MISO time"),
        ("02-Okt-2026 - Interval 16:30 EST", "is not a MISO time"),
        ("02-Oct-2026 - Interval 16:75 EST", "is not a MISO time"),
        ("2026-02-30T10:00:00", "is not a MISO time"),
        ("9999-12-31T23:00:00", "is not a MISO time"),
        (None, "expected a time string, got null"),
        (1_696_000_000, "expected a time string, got 1696000000"),
    ],
    ids=["empty", "word", "unknown-month", "bad-minute", "no-such-day", "overflows-utc", "null",
         "epoch-number"],
)
def test_parse_est_rejects_with_a_reason(value: object, reason: str) -> None:
    """Anything that is not a MISO time is refused, naming the value and the accepted forms."""
    with pytest.raises(InvalidValue) as caught:
        parse_est(value)
    assert reason in str(caught.value)


def test_is_interval_ref_recognises_only_the_refid_form() -> None:
    """The interval form is told apart from ISO times and non-strings."""
    assert is_interval_ref("02-Oct-2026 - Interval 16:45 EST")
    assert not is_interval_ref("2026-10-02T16:45:00")
    assert not is_interval_ref(None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("00:00", time(0, 0)), ("16:45", time(16, 45)), ("12:35:00", time(12, 35)),
     ("7:05", time(7, 5))],
    ids=["midnight", "hh-mm", "hh-mm-ss", "one-digit-hour"],
)
def test_parse_clock_reads_times_of_day(text: str, expected: time) -> None:
    """Five-minute rows use HH:MM on the wire and HH:MM:SS in the documents."""
    assert parse_clock(text) == expected


@pytest.mark.parametrize("value", ["24:00", "12:60", "noon", "", 1245, None])
def test_parse_clock_rejects_what_is_not_a_time_of_day(value: object) -> None:
    """Impossible or non-string times of day are refused, naming the value."""
    with pytest.raises(InvalidValue, match="is not a time of day"):
        parse_clock(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), ("7", 7), ("24", 24), ("07:00", 7), ("24:00", 24), ("HE 7", 7), ("he07", 7)],
)
def test_parse_hour_reads_hours_in_their_several_forms(value: object, expected: int) -> None:
    """Hours come as numbers, numeric strings, HH:00 or HE n."""
    assert parse_hour(value) == expected


@pytest.mark.parametrize("value", [25, -1, "12:30", "noon", True, None, 7.5])
def test_parse_hour_rejects_what_is_not_an_hour(value: object) -> None:
    """Out-of-range, fractional or non-hour values are refused."""
    with pytest.raises(InvalidValue, match="is not an hour"):
        parse_hour(value)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2025, 12, 5, 10, tzinfo=UTC), "2025-12-05T10:00:00Z"),
        (datetime(2025, 12, 5, 5, tzinfo=timezone(timedelta(hours=-5))), "2025-12-05T10:00:00Z"),
        (datetime(2025, 12, 5, 10), "2025-12-05T10:00:00Z"),
    ],
    ids=["utc", "offset", "naive-is-utc"],
)
def test_utc_iso_writes_utc_with_z(moment: datetime, text: str) -> None:
    """Collection times are written in UTC with a Z suffix."""
    assert utc_iso(moment) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (False, "false"),
        ("x" * 100, repr("x" * 40) + "..."),
        (2**100, "an integer of 101 bits"),
        ([], "a list of 0 items"),
        ({}, "an empty object"),
        ({str(n): n for n in range(9)}, "an object with keys '0', '1', '2', '3', '4', ..."),
    ],
    ids=["null", "bool", "long-string", "huge-int", "list", "empty-object", "big-object"],
)
def test_describe_keeps_messages_short(value: object, text: str) -> None:
    """Values in messages are short and JSON-flavoured, whatever their size."""
    assert describe(value) == text


@pytest.mark.parametrize(
    ("path", "key", "expected"),
    [("", "RefId", "RefId"), ("FiveMinTotalLoad", 3, "FiveMinTotalLoad[3]"),
     ("FiveMinTotalLoad[3]", "Value", "FiveMinTotalLoad[3].Value"), ("", 0, "[0]")],
)
def test_at_builds_paths(path: str, key: str | int, expected: str) -> None:
    """Paths read like the JSON they point into."""
    assert at(path, key) == expected


def test_checker_collects_failures_and_warnings_with_paths() -> None:
    """Failures reject, warnings do not; both carry the path of the value."""
    check = Checker("wire")
    assert check.number("83,808", "FiveMinTotalLoad[2].Value") == 83808.0
    assert check.number("lots", "FiveMinTotalLoad[3].Value") is None
    assert check.number(-4, "demand", non_negative=True) == -4.0
    assert check.number(None, "availableCapacity", nullable=True) is None
    check.time("never", "RefId", failure=False)
    assert check.require({"a": 1}, ("a", "b"), "row") is False
    verdict = check.verdict()
    assert verdict == Verdict(
        "wire",
        problems=(
            "FiveMinTotalLoad[3].Value: must be numeric: 'lots' is not a number",
            "demand: must be non-negative: -4 MW",
            "row: missing required field 'b'",
        ),
        warnings=("RefId: must be a time: 'never' is not a MISO time "
                  "(ISO 8601, or 'DD-Mon-YYYY - Interval HH:MM EST')",),
    )
    assert not verdict.ok and verdict.reason.startswith("FiveMinTotalLoad[3].Value")


def test_checker_type_checks_return_none_on_failure() -> None:
    """obj, array and text hand back usable values or record why not."""
    check = Checker("documented")
    assert check.obj({"a": 1}, "data") == {"a": 1}
    assert check.obj([], "data") is None
    assert check.array([1], "rows") == [1]
    assert check.array("rows", "rows") is None
    assert check.text("SPIN", "Name") == "SPIN"
    assert check.text(" ", "Name") is None
    assert check.verdict().problems == (
        "data: must be an object, got a list of 0 items",
        "rows: must be a list, got 'rows'",
        "Name: must be a non-empty string, got ' '",
    )


def test_checker_caps_long_lists_of_messages() -> None:
    """A payload with thousands of bad rows gives a bounded reason that says how many were cut."""
    check = Checker("wire")
    for index in range(MAX_MESSAGES + 5):
        check.fail(at("rows", index), "bad")
    problems = check.verdict().problems
    assert len(problems) == MAX_MESSAGES + 1
    assert problems[-1] == "... and 5 more"


def test_never_raises_turns_a_crash_into_a_rejection() -> None:
    """A bug in a validator rejects the payload with a named error instead of crashing the run."""

    @never_raises
    def broken(payload: object) -> Verdict:
        raise KeyError("oops")

    verdict = broken({})
    assert not verdict.ok
    assert verdict.reason.startswith("validator error: KeyError")


NUMBERISH = (st.from_regex(r"\s?[+-]?[0-9,]{0,8}(\.[0-9]{0,3})?\s?", fullmatch=True)
             | st.integers(min_value=-(10**400), max_value=10**400)
             | st.floats() | st.booleans() | st.none() | st.text(max_size=6)
             | st.sampled_from(["9" * 308, "9" * 309 + ".5", "1" + ",000" * 110]))


@given(st.lists(NUMBERISH, max_size=5))
def test_a_column_judged_plain_parses_as_non_negative_numbers(values):
    """all_plain_mw never says yes to a value parse_number refuses or finds negative."""
    if all_plain_mw(values):
        assert all(parse_number(value) >= 0 for value in values)


def test_plain_mw_columns_are_recognised():
    assert all_plain_mw(["83,808", " 1,234.5 ", "+5", "0", 7, 2.5])
    assert not all_plain_mw(["83,808", "-1"])


CLOCKISH = (st.from_regex(r"\s?[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?\s?", fullmatch=True)
            | st.text(max_size=8) | st.integers() | st.none())


@given(st.lists(CLOCKISH, max_size=5))
def test_a_column_judged_clocks_parses_as_times_of_day(values):
    """all_clocks never says yes to a value parse_clock refuses."""
    if all_clocks(values):
        for value in values:
            parse_clock(value)


def test_clock_columns_are_recognised():
    assert all_clocks(["00:00", "23:55", " 7:05 ", "12:00:30"])
    assert not all_clocks(["24:00"])
    assert not all_clocks([None])
