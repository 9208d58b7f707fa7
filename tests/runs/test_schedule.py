"""Time windows into slots."""

from datetime import UTC, datetime, timedelta

import pytest

from gridcollect.errors import ConfigurationError
from gridcollect.runs.schedule import parse_instant, plan_window

FIVE = timedelta(minutes=5)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_date_without_time_means_midnight_utc():
    """A bare date is 00:00 UTC."""
    assert parse_instant("2025-12-05") == at("2025-12-05T00:00:00")


def test_offset_times_are_converted_to_utc():
    """An explicit offset is honoured and converted."""
    assert parse_instant("2025-12-05T07:00:00-05:00") == at("2025-12-05T12:00:00")


@pytest.mark.parametrize("text", ["yesterday", "2025-13-01", "2025-12-05 25:00", ""])
def test_malformed_instants_are_refused(text):
    """Anything that is not an ISO date or date-time is a configuration error."""
    with pytest.raises(ConfigurationError):
        parse_instant(text)


def test_past_window_collapses_into_one_request_under_the_latest_slot():
    """A past day at 5-minute cadence is 289 slots but one request, keyed by the last."""
    plan = plan_window(at("2025-12-05T00:00:00"), at("2025-12-06T00:00:00"), FIVE,
                       now=at("2026-01-01T00:00:00"))
    assert (plan.requests, plan.collapsed, plan.now_slot) == (1, 289, at("2025-12-06T00:00:00"))
    assert list(plan.future()) == []


def test_equal_ends_mean_exactly_one_request():
    """start == end is one slot."""
    plan = plan_window(at("2025-12-05T12:00:00"), at("2025-12-05T12:00:00"), FIVE,
                       now=at("2026-01-01T00:00:00"))
    assert plan.requests == 1 and plan.collapsed == 1


def test_future_slots_are_kept_to_be_waited_for():
    """Slots after now are planned individually, both ends inclusive."""
    plan = plan_window(at("2025-12-05T12:00:00"), at("2025-12-05T12:10:00"), FIVE,
                       now=at("2025-12-05T12:02:00"))
    assert plan.now_slot == at("2025-12-05T12:00:00")
    assert list(plan.future()) == [at("2025-12-05T12:05:00"), at("2025-12-05T12:10:00")]
    assert plan.requests == 3


def test_wholly_future_window_makes_no_immediate_request():
    """Nothing is fetched early for a window that has not begun."""
    plan = plan_window(at("2030-01-01T00:00:00"), at("2030-01-01T00:05:00"), FIVE,
                       now=at("2025-12-05T12:02:00"))
    assert plan.now_slot is None and plan.future_count == 2


def test_end_before_start_is_refused():
    """A reversed window is an error, not an empty run."""
    with pytest.raises(ConfigurationError, match="before start"):
        plan_window(at("2025-12-05T12:00:00"), at("2025-12-05T11:00:00"), FIVE,
                    now=at("2026-01-01T00:00:00"))


def test_a_very_long_window_is_planned_without_listing_its_slots():
    """Planning a millennium of 5-minute slots is arithmetic, not a list."""
    plan = plan_window(at("1000-01-01T00:00:00"), at("2999-01-01T00:00:00"), FIVE,
                       now=at("2026-01-01T00:00:00"))
    assert plan.future_count > 100_000_000
    assert next(plan.future()) > at("2026-01-01T00:00:00")


def test_request_floor_is_a_minute_at_natural_cadence_and_scales_with_compressed_time() -> None:
    """MISO's once-a-minute limit holds at the dataset's cadence and shrinks in proportion
    when the cadence is compressed; an explicit override wins."""
    from gridcollect.runs.schedule import request_floor

    five = timedelta(minutes=5)
    assert request_floor(five) == timedelta(seconds=60)
    assert request_floor(five, timedelta(minutes=10)) == timedelta(seconds=60)
    assert request_floor(five, timedelta(seconds=3)) == timedelta(seconds=0.6)
    assert request_floor(five, override=timedelta(seconds=5)) == timedelta(seconds=5)


def test_a_future_slot_is_polled_soon_after_it_starts_then_slower_until_one_cadence() -> None:
    """First poll 5 s into a 5-minute slot, then growing delays from the one-minute floor,
    never closer than the floor to the previous request, none after the deadline."""
    from gridcollect.runs.schedule import SlotPolls

    start = at("2025-12-05T12:05:00")
    polls = SlotPolls(start, FIVE, timedelta(seconds=60))
    times, last = [], None
    while (when := polls.next(len(times), last)) is not None:
        times.append(when)
        last = when
    assert [(t - start).total_seconds() for t in times] == [5, 65, 155, 290]
    # A request for the past slots 30 s before the start pushes the first poll back.
    assert polls.next(0, start - timedelta(seconds=30)) == start + timedelta(seconds=30)
