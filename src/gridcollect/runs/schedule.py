"""Time windows into slots, and when each slot is to be fetched.

MISO's public API serves only the current snapshot, so every slot already in the
past is answered by one request made now; each future slot is polled from a little
after it starts until a snapshot as of that slot (or later) appears, or one cadence
has passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Plan:
    """``now_slot``: the latest of the ``collapsed`` past slots, answered by one request
    made at once; then ``future_count`` slots to wait for, starting at ``first_future``
    and ``cadence`` apart."""

    now_slot: datetime | None
    collapsed: int
    first_future: datetime | None
    future_count: int
    cadence: timedelta

    @property
    def requests(self) -> int:
        """Requests at the least: one for the past slots, one per future slot."""
        return (1 if self.now_slot is not None else 0) + self.future_count

    @property
    def requested(self) -> int:
        """Every slot of the window, past and future."""
        return self.collapsed + self.future_count

    @property
    def first_past(self) -> datetime | None:
        """The earliest past slot (the window's start), if any slot is past."""
        if self.now_slot is None:
            return None
        return self.now_slot - (self.collapsed - 1) * self.cadence

    def future(self) -> Iterator[datetime]:
        """Future slots, computed as they are needed (a window may be very long)."""
        if self.first_future is None:
            return
        for i in range(self.future_count):
            yield self.first_future + i * self.cadence


# MISO asks callers of its public API to request an endpoint at most once a minute: its
# answers are cached for about that long, so faster polls bring nothing fresher.
SOURCE_MIN_INTERVAL = timedelta(seconds=60)


def request_floor(
    natural_cadence: timedelta,
    cadence: timedelta | None = None,
    *,
    override: timedelta | None = None,
) -> timedelta:
    """The least time between two requests to one endpoint, re-polls included.

    Sixty seconds at the dataset's own cadence; when a run compresses time (``watch
    --cadence``) the floor shrinks in proportion, so a 3 s cadence of five-minute data
    gets 0.6 s. ``override`` (an explicit option) wins.
    """
    if override is not None:
        return override
    if cadence is None or cadence >= natural_cadence:
        return SOURCE_MIN_INTERVAL
    return SOURCE_MIN_INTERVAL * (cadence / natural_cadence)


# A future slot is first polled this fraction of a cadence after it starts (5 s of a
# 5-minute slot): the snapshot describing it cannot be out before the slot begins.
FIRST_POLL_FRACTION = 1 / 60
# Each re-poll waits this much longer than the one before, starting at the request floor.
REPOLL_GROWTH = 1.5


@dataclass(frozen=True, slots=True)
class SlotPolls:
    """When a window looks for the snapshot of one future slot.

    First a little after the slot starts, then after growing delays that start at
    ``floor``, until the deadline: one cadence after the slot's start, when the next
    slot begins. No two requests to the endpoint are closer than ``floor``.
    """

    start: datetime
    cadence: timedelta
    floor: timedelta

    @property
    def deadline(self) -> datetime:
        return self.start + self.cadence

    def next(self, polls: int, last_request: datetime | None) -> datetime | None:
        """When to poll after ``polls`` polls of this slot, the endpoint's last request
        being at ``last_request`` (this slot's or an earlier one's); ``None`` when no
        further poll fits before the deadline. The first poll is always made."""
        if polls == 0:
            planned = self.start + self.cadence * FIRST_POLL_FRACTION
        else:
            assert last_request is not None
            delay = self.floor * REPOLL_GROWTH ** (polls - 1)
            planned = min(last_request + delay, self.deadline)
        if last_request is not None:
            planned = max(planned, last_request + self.floor)
        if polls and planned > self.deadline:
            return None
        return planned


def parse_instant(text: str) -> datetime:
    """Parse ``YYYY-MM-DD`` (00:00 UTC) or an ISO date-time; naive times are UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(
            f"{text!r} is not a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SS)"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def plan_window(start: datetime, end: datetime, cadence: timedelta, now: datetime) -> Plan:
    """Slots from ``start`` to ``end`` inclusive, ``cadence`` apart: past ones (those that
    have begun) collapse into one request now, future ones are kept."""
    if end < start:
        raise ConfigurationError(f"end {end.isoformat()} is before start {start.isoformat()}")
    total = (end - start) // cadence + 1
    past = 0 if now < start else min(total, (now - start) // cadence + 1)
    now_slot = start + (past - 1) * cadence if past else None
    first_future = start + past * cadence if past < total else None
    return Plan(now_slot, past, first_future, total - past, cadence)
