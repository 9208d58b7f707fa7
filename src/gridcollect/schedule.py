"""Time windows into slots, and when each slot is to be fetched.

MISO's public API serves only the current snapshot, so every slot already in the
past is answered by one request made now; future slots are waited for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Plan:
    """``now_slot``: the latest past slot, fetched at once; then ``future_count`` slots to
    wait for, starting at ``first_future`` and ``cadence`` apart."""

    now_slot: datetime | None
    collapsed: int
    first_future: datetime | None
    future_count: int
    cadence: timedelta

    @property
    def requests(self) -> int:
        return (1 if self.now_slot is not None else 0) + self.future_count

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
    """Slots from ``start`` to ``end`` inclusive, ``cadence`` apart: past ones collapse
    into one request now (stored under the latest), future ones are kept."""
    if end < start:
        raise ConfigurationError(f"end {end.isoformat()} is before start {start.isoformat()}")
    total = (end - start) // cadence + 1
    past = 0 if now < start else min(total, (now - start) // cadence + 1)
    now_slot = start + (past - 1) * cadence if past else None
    first_future = start + past * cadence if past < total else None
    return Plan(now_slot, past, first_future, total - past, cadence)
