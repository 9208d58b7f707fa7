"""When ``watch`` polls a dataset: wall-clock slots, quick re-polls and failure back-off.

Times are Unix seconds. A dataset's slots are the multiples of its cadence since the
epoch (so :00, :05, :10... for five-minute data); each slot is first polled ``offset``
seconds after it starts. A poll that finds the content unchanged is repeated after a
short delay that doubles up to a cap, never later than the next slot's first poll; so
is a failed poll. Nothing here sleeps or does I/O, so it is tested without waiting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

# Defaults as fractions of the cadence: for 5-minute data, re-polls after 15 s, 30 s,
# 60 s, then every 75 s until the next slot.
FIRST_RETRY_FRACTION = 0.05
MAX_RETRY_FRACTION = 0.25

Outcome = Literal["new", "unchanged", "failed"]


@dataclass(frozen=True, slots=True)
class Timing:
    """A dataset's cadence, first-poll offset and re-poll delays, in seconds."""

    cadence: float
    offset: float
    first_retry: float
    max_retry: float

    @classmethod
    def for_cadence(
        cls,
        cadence: float,
        *,
        offset: float = 0.0,
        first_retry: float | None = None,
        max_retry: float | None = None,
    ) -> Timing:
        """Timing for ``cadence``, filling unset delays from it; delays never exceed it."""
        if cadence <= 0:
            raise ValueError(f"cadence must be positive, got {cadence}")
        if not 0 <= offset < cadence:
            raise ValueError(f"offset must be at least 0 and below the cadence ({cadence}s)")
        first = cadence * FIRST_RETRY_FRACTION if first_retry is None else first_retry
        cap = cadence * MAX_RETRY_FRACTION if max_retry is None else max_retry
        first = min(first, cadence)
        return cls(cadence, offset, first, min(max(cap, first), cadence))

    def slot_at(self, now: float) -> float:
        """The slot a poll at ``now`` stands for: the latest slot whose first poll is due."""
        return math.floor((now - self.offset) / self.cadence) * self.cadence

    def first_poll(self, slot: float) -> float:
        """When ``slot`` is first polled."""
        return slot + self.offset

    def delay(self, attempt: int) -> float:
        """The wait before re-poll number ``attempt`` (0-based): doubling, capped."""
        return min(self.first_retry * 2.0 ** min(attempt, 60), self.max_retry)


class Cursor:
    """Tracks one dataset's polling: :attr:`due` is when the next poll should start.

    A slot is done once a poll finds its publication. New content at a slot's first poll
    is that slot's publication only if the cursor is *in sync*: the previous slot was
    closed by its own publication. Otherwise (at start-up, after failures, or when a
    slot passed without news) it may be the previous slot's publication seen late, so the
    slot keeps being polled until content changes after being seen unchanged; without
    this the watch could lock one slot behind the source for good. In sync, a
    publication that is already out at the first poll costs exactly one request.

    A slot's publication is assumed to come out before the slot ends. So when content
    seen new during a slot is still unchanged at a poll made after the slot's end (with
    an offset, polls up to ``offset`` past the end still belong to the slot), that content
    was the slot's own publication: the slot closes in hindsight and the cursor is in
    sync. Without this, an offset later than every publication would keep the cursor out
    of sync for good, re-polling each slot until the next. One such poll is scheduled
    at the slot's end when content was seen new in it.
    """

    def __init__(self, timing: Timing, start: float) -> None:
        self.timing = timing
        self.due = start
        self._slot: float | None = None
        self._repolls = 0  # re-polls of the current slot, for the growing delay
        self._seen_unchanged = False  # the current slot was found unchanged at least once
        self._seen_new = False  # new content was found in the current slot
        self._closed = False  # the current slot's publication was seen
        self._in_sync = False  # the previous slot was closed by its own publication
        self._failures = 0

    def record(self, outcome: Outcome, slot: float, now: float) -> float:
        """Account for a poll of ``slot`` that ended at ``now``; return the next due time.

        ``slot`` is the slot the poll started in, so a poll that outlasts its slot still
        leads to an immediate poll of the next one.
        """
        if slot != self._slot:
            if self._slot is not None and not self._closed:
                self._in_sync = False
            self._slot, self._repolls = slot, 0
            self._seen_unchanged = self._seen_new = self._closed = False
        slot_end = slot + self.timing.cadence
        next_slot = self.timing.first_poll(slot_end)
        polled_after_end = self.due >= slot_end  # self.due is when this poll was due
        if outcome == "failed":
            # Failures keep backing off across slots until a poll succeeds, but a new
            # slot is still tried at once: its snapshot may be there by then.
            self._in_sync = False
            self.due = min(now + self.timing.delay(self._failures), next_slot)
            self._failures += 1
            return self.due
        self._failures = 0
        if self._closed:
            self.due = next_slot
            return self.due
        if outcome == "new" and (self._seen_unchanged or self._in_sync):
            self._closed = self._in_sync = True
            self.due = next_slot
            return self.due
        if outcome == "unchanged" and self._seen_new and polled_after_end:
            self._closed = self._in_sync = True  # in hindsight: see the class docs
            self.due = next_slot
            return self.due
        if outcome == "unchanged":
            self._seen_unchanged = True
        else:
            self._seen_new = True
        self.due = min(now + self.timing.delay(self._repolls), next_slot)
        if self._seen_new and now < slot_end < self.due:
            self.due = slot_end  # the poll that can close this slot in hindsight
        self._repolls += 1
        return self.due

    @property
    def consecutive_failures(self) -> int:
        return self._failures


__all__ = ["Cursor", "Outcome", "Timing"]
