"""When ``watch`` polls a dataset: expected publications, re-polls and the request floor.

Times are Unix seconds. A dataset's slots are the multiples of its cadence since the
epoch (:00, :05, :10... for five-minute data), and each slot is expected to bring one
publication, ``offset`` seconds after it starts. The schedule only decides *when to
look*; whether a poll found something is the worker's verdict from the data alone (the
snapshot's as-of instant moved past the newest one seen), never from our clock.

The rule, per slot: poll at the expected publication; while the slot's publication has
not been found, re-poll after short growing delays; once it has, sleep until the next
expected publication. A publication that shows up only after its slot has ended (late,
or seen late at start-up or after an outage) is counted for the slot it was found in,
and the slot before stays sought for one more slot: so a late publication followed
closely by the next one costs a few re-polls, never a missed snapshot. No two requests
start less than ``floor`` seconds apart. Nothing here sleeps or does I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

# Defaults as fractions of the cadence: for 5-minute data, re-polls after 15 s, 30 s,
# 60 s, then every 75 s, each raised to the request floor (60 s by default).
FIRST_RETRY_FRACTION = 0.05
MAX_RETRY_FRACTION = 0.25

Outcome = Literal["new", "unchanged", "failed"]
"""``new``: the data moved on (a later as-of instant, or new content for a dataset whose
payload carries no time). ``unchanged``: anything else that succeeded, a revision with
the same as-of instant included. ``failed``: no usable answer."""


@dataclass(frozen=True, slots=True)
class Timing:
    """A dataset's cadence, expected-publication offset, re-poll delays and request
    floor, in seconds."""

    cadence: float
    offset: float
    first_retry: float
    max_retry: float
    floor: float = 0.0

    @classmethod
    def for_cadence(
        cls,
        cadence: float,
        *,
        offset: float = 0.0,
        first_retry: float | None = None,
        max_retry: float | None = None,
        floor: float = 0.0,
    ) -> Timing:
        """Timing for ``cadence``, filling unset delays from it; delays never exceed it."""
        if cadence <= 0:
            raise ValueError(f"cadence must be positive, got {cadence}")
        if not 0 <= offset < cadence:
            raise ValueError(f"offset must be at least 0 and below the cadence ({cadence}s)")
        if floor < 0:
            raise ValueError(f"the least interval between requests cannot be negative ({floor})")
        first = cadence * FIRST_RETRY_FRACTION if first_retry is None else first_retry
        cap = cadence * MAX_RETRY_FRACTION if max_retry is None else max_retry
        first = min(first, cadence)
        return cls(cadence, offset, first, min(max(cap, first), cadence), floor)

    def slot_index(self, now: float) -> int:
        """The number of the slot ``now`` falls in."""
        return math.floor(now / self.cadence)

    def slot_at(self, now: float) -> float:
        """The start of the slot ``now`` falls in."""
        return self.slot_index(now) * self.cadence

    def expected(self, index: int) -> float:
        """When slot ``index``'s publication is expected (its first poll)."""
        return index * self.cadence + self.offset

    def delay(self, attempt: int) -> float:
        """The wait before re-poll number ``attempt`` (0-based): doubling, capped."""
        return min(self.first_retry * 2.0 ** min(attempt, 60), self.max_retry)


class Cursor:
    """Tracks one dataset's polling: :attr:`due` is when the next poll should start.

    Each slot owes one publication. A poll judged ``new`` pays the current slot's own
    first, then the previous slot's, if that is still outstanding. A slot that ends
    unpaid carries over for one slot, then is forgiven (a slot with no publication
    costs the re-polls of two slots, not of every slot after it). At start-up nothing is
    known, so the slot before the first is treated as unpaid: the first poll's snapshot
    may be an old one, with its successor due any moment.
    """

    def __init__(self, timing: Timing, start: float) -> None:
        self.timing = timing
        self.due = start
        self._slot = timing.slot_index(start)
        self._own_found = False  # the current slot's publication was found
        self._carried = True  # the previous slot's publication is still sought
        self._repolls = 0  # re-polls since the slot began or something was found
        self._failures = 0
        self._last_start: float | None = None

    @property
    def seeking(self) -> int:
        """How many publications the current slot still looks for (0, 1 or 2)."""
        return (not self._own_found) + self._carried

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def record(self, outcome: Outcome, started: float, now: float) -> float:
        """Account for a poll that started at ``started`` and ended at ``now``; return
        the next due time."""
        timing = self.timing
        self._roll(timing.slot_index(started))
        self._last_start = started
        upcoming = self._next_expected(now)
        earliest = started + timing.floor
        if outcome == "failed":
            # Failures back off across slots until a poll succeeds, but the next
            # expected publication is still tried at once.
            due = max(min(now + timing.delay(self._failures), upcoming), earliest)
            self._failures += 1
        else:
            self._failures = 0
            if outcome == "new":
                if not self._own_found:
                    self._own_found = True
                else:
                    self._carried = False
                self._repolls = 0
            due = self._after_success(now, upcoming, earliest)
        self.due = due
        return due

    def _after_success(self, now: float, upcoming: float, earliest: float) -> float:
        timing = self.timing
        following = max(timing.expected(self._slot + 1), earliest)
        if not self.seeking:
            return following
        due = max(min(now + timing.delay(self._repolls), upcoming), earliest)
        self._repolls += 1
        if self._own_found and due >= (self._slot + 1) * timing.cadence:
            # Only the carried publication was sought, and it is forgiven when this slot
            # ends: the next look is the next slot's expected publication.
            return following
        return due

    def _next_expected(self, now: float) -> float:
        """The first expected publication after ``now`` (the current slot's, if still
        ahead)."""
        current = self.timing.expected(self._slot)
        return current if now < current else self.timing.expected(self._slot + 1)

    def _roll(self, index: int) -> None:
        """Move the accounting to slot ``index``."""
        if index == self._slot:
            return
        # One slot on: what this slot still owed of its own is carried. Further (a long
        # poll, a clock moved): assume the worst, as at start-up.
        self._carried = not self._own_found if index == self._slot + 1 else True
        self._slot, self._own_found, self._repolls = index, False, 0


__all__ = ["Cursor", "Outcome", "Timing"]
