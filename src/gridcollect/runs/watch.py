"""``gridcollect watch``: poll every dataset on its own thread until asked to stop.

Each dataset gets a :class:`Worker` thread with its own HTTP client and its own
backends (SQLite handles cannot be shared between threads), so a slow or failing
endpoint never holds up another. A worker polls when its dataset's next publication is
expected (:mod:`gridcollect.runs.watch_timing`) and again after short growing delays until
the data moves on: a later as-of instant than the newest one seen (read from the payload
by the pipeline), or new content for a dataset whose payload carries no time. The key
of what is stored is the pipeline's business (the payload's own as-of instant), never
the poll's time. No error ends a worker: it is logged, counted, and waited out.
Stopping lets the poll in flight finish (a fetch waiting to retry is abandoned: nothing
has been written yet), then flushes the outbox.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..activity import ActivityLog
from ..backends import OpenBackends, open_backends
from ..errors import GridcollectError
from ..http import Fetched, Fetcher, FetchOutcome, NoData, Rejected, Unavailable
from ..metrics import WatchMetrics
from ..model import Dataset, Slot
from ..pipeline import Pipeline
from ..settings import Settings
from .schedule import request_floor
from .watch_timing import Cursor, Outcome, Timing

# The name it logged under before the move to runs/, so that log filters keep working.
log = logging.getLogger("gridcollect.watch")

_MAX_NAP_SECONDS = 30.0  # wake at least this often, so a changed wall clock is noticed


@dataclass(frozen=True, slots=True)
class Target:
    """One watched dataset: the parameters sent and when it is polled."""

    dataset: Dataset
    timing: Timing
    params: Mapping[str, str] = field(default_factory=dict)


def timing_for(
    dataset: Dataset,
    *,
    cadence: float | None = None,
    offset: float = 0.0,
    min_interval: float | None = None,
    first_retry: float | None = None,
    max_retry: float | None = None,
) -> Timing:
    """When ``watch`` polls ``dataset``: its cadence (or a compressed one, in seconds),
    the first-poll offset, the re-poll delays, and MISO's request floor scaled to that
    cadence unless ``min_interval`` sets it. ``ValueError`` names what cannot work."""
    seconds = dataset.cadence.total_seconds() if cadence is None else cadence
    floor = request_floor(
        dataset.cadence, timedelta(seconds=seconds),
        override=None if min_interval is None else timedelta(seconds=min_interval),
    )
    return Timing.for_cadence(seconds, offset=offset, first_retry=first_retry,
                              max_retry=max_retry, floor=floor.total_seconds())


class Stopping(Exception):
    """Raised in a worker waiting to retry a fetch when the watch is stopping."""


class _WitnessFetcher(Fetcher):
    """A fetcher that keeps the last outcome: the worker needs the content's digest
    (to tell new content from old) and the failure's kind (for the metrics)."""

    last: FetchOutcome | None = None

    def fetch(self, dataset: Dataset, params: Mapping[str, str]) -> FetchOutcome:
        self.last = None
        self.last = super().fetch(dataset, params)
        return self.last


@dataclass(frozen=True, slots=True)
class Poll:
    """What one poll found; ``reason`` is one of :data:`metrics.FAILURE_REASONS`."""

    outcome: Outcome
    key: str | None = None
    reason: str | None = None
    error: str | None = None
    as_of: datetime | None = None


class Worker:
    """Polls one dataset until ``stop`` is set."""

    def __init__(
        self,
        target: Target,
        settings: Settings,
        *,
        stop: threading.Event,
        metrics: WatchMetrics,
        flush_lock: threading.Lock,
        clock: Callable[[], float] = time.time,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.target = target
        self.settings = settings
        self.stop = stop
        self.metrics = metrics
        self.clock = clock
        # How the worker sleeps: ``True`` once stopped. Tests drive a simulated clock.
        self._wait = wait or stop.wait
        self._flush_lock = flush_lock  # one flush at a time: the outbox file is shared
        self._name = target.dataset.name
        self._last_digest: str | None = None
        self._newest: datetime | None = None  # the newest as-of instant seen
        self._pending = 0

    def run(self) -> None:
        """Poll until stopped; an outage while opening the backends is waited out."""
        attempt = 0
        fetcher = _WitnessFetcher(self.settings.http, sleep=self._nap)
        with ActivityLog(self.settings.backends.resolved_state_dir) as activity, closing(fetcher):
            while not self.stop.is_set():
                try:
                    with open_backends(self.settings.backends) as opened:
                        self._poll_until_stopped(opened, fetcher, activity)
                    return
                except Stopping:
                    return
                except Exception as exc:  # whatever it is, the worker must not die of it
                    delay = self.target.timing.delay(attempt)
                    attempt += 1
                    known = isinstance(exc, GridcollectError)
                    log.error("%s: cannot open backends (%s); retrying in %.1fs", self._name,
                              exc if known else repr(exc), delay, exc_info=not known)
                    self.metrics.record_failure(self._name, "backend" if known else "internal")
                    self._wait(delay)

    def _poll_until_stopped(
        self, opened: OpenBackends, fetcher: _WitnessFetcher, activity: ActivityLog
    ) -> None:
        timing = self.target.timing
        cursor = Cursor(timing, self.clock())
        recovered_in: float | None = None
        try:
            self._flush(opened)
            # The first snapshot's announcement then need not wait for a new connection
            # (a Kafka producer's id takes about half a second, a third of a fast cadence).
            opened.publisher.connect()
            while self._wait_until(cursor.due):
                started = self.clock()
                slot = timing.slot_at(started)
                if slot != recovered_in:  # once per slot: cheap, and catches dead replicas
                    self._recover(opened, fetcher)
                    recovered_in = slot
                    started = self.clock()
                poll = self._poll(opened, fetcher, slot)
                if poll is None:
                    break
                self._account(poll, opened, activity)
                cursor.record(poll.outcome, started, self.clock())
                if poll.key is not None or self._pending:
                    self._flush(opened)
        finally:
            self._flush(opened)

    def _pipeline(self, opened: OpenBackends, fetcher: _WitnessFetcher) -> Pipeline:
        return Pipeline(
            self.target.dataset, fetcher=fetcher, backends=opened.backends,
            options=self.settings.run, lease_seconds=self.settings.backends.claim_lease_seconds,
        )

    def _recover(self, opened: OpenBackends, fetcher: _WitnessFetcher) -> None:
        """Register and announce objects that dead workers stored but never registered."""
        try:
            if self._pipeline(opened, fetcher).recover_abandoned():
                self._flush(opened)
        except GridcollectError as exc:  # retried next slot
            log.warning("%s: recovery of abandoned claims failed: %s", self._name, exc)

    def _poll(self, opened: OpenBackends, fetcher: _WitnessFetcher, slot: float) -> Poll | None:
        """Collect ``slot`` once; ``None`` if stopped while a fetch waited to retry."""
        pipeline = self._pipeline(opened, fetcher)
        self.metrics.record_poll(self._name)
        try:
            key = pipeline.collect(Slot(datetime.fromtimestamp(slot, UTC), self.target.params))
        except Stopping:
            return None
        except GridcollectError as exc:
            log.error("%s: %s", self._name, exc)
            return Poll("failed", reason="backend", error=str(exc))
        except Exception as exc:  # a bug must not end the worker: report it and go on
            log.exception("%s: unexpected error", self._name)
            return Poll("failed", reason="internal", error=repr(exc))
        report, seen = pipeline.report, fetcher.last
        if key is None and not report.skipped_duplicate:
            error = report.errors[-1]["error"] if report.errors else "nothing stored"
            return Poll("failed", reason=_reason(seen, error), error=error)
        # Stored by us, or already stored (by us earlier or by a replica): either way the
        # data decides whether the source has moved on.
        if not isinstance(seen, Fetched):  # our no-data placeholder: nothing from MISO
            return Poll("unchanged", key=key)
        # Only a time the payload states is an as-of instant (not the stand-in time of a
        # dataset whose payloads state none).
        as_of = pipeline.last_as_of if self.target.dataset.as_of is not None else None
        assert pipeline.last_sha256 is not None  # a valid snapshot was fetched
        moved_on = self._moved_on(as_of, pipeline.last_sha256)
        return Poll("new" if moved_on else "unchanged", key=key, as_of=as_of)

    def _moved_on(self, as_of: datetime | None, digest: str) -> bool:
        """Whether a valid snapshot is news: a later as-of instant than any seen, or, for
        a dataset whose payload carries no time, content other than the last seen."""
        previous, self._last_digest = self._last_digest, digest
        if as_of is None:
            return digest != previous
        if self._newest is not None and as_of <= self._newest:
            return False  # the same instant (maybe revised), or an older one come back
        self._newest = as_of
        return True

    def _account(self, poll: Poll, opened: OpenBackends, activity: ActivityLog) -> None:
        now = self.clock()
        if poll.key is not None:
            location = opened.backends.store.location(poll.key)
            as_of = None if poll.as_of is None else poll.as_of.timestamp()
            self.metrics.record_stored(self._name, as_of=as_of, stored_at=now)
            activity.record(self._name, stored=1, key=poll.key, location=location,
                            as_of=poll.as_of)
        elif poll.outcome == "failed":
            assert poll.reason is not None
            self.metrics.record_failure(self._name, poll.reason)
            activity.record(self._name, failures=1, error=poll.error)
        else:
            self.metrics.record_duplicate(self._name, at=now)
            activity.record(self._name, duplicates=1)

    def _flush(self, opened: OpenBackends) -> None:
        try:
            with self._flush_lock:
                self._pending = opened.flush_outbox()
        except Exception as exc:  # delivery is retried on the next poll; never fatal
            log.warning("%s: cannot deliver notifications: %s", self._name, exc)
            return
        self.metrics.set_pending(self._pending)

    def _wait_until(self, when: float) -> bool:
        """Sleep until ``when`` (Unix seconds); ``False`` if stopped first."""
        timing = self.target.timing
        while (remaining := when - self.clock()) > 0:
            if remaining > max(timing.cadence, timing.floor) + timing.offset + 1:
                # A poll is never due that far ahead: the clock was set back.
                log.warning("%s: the clock moved back; polling now", self._name)
                break
            if self._wait(min(remaining, _MAX_NAP_SECONDS)):
                return False
        return not self.stop.is_set()

    def _nap(self, seconds: float) -> None:
        """The fetcher's sleep between retries, cut short by a stop."""
        if self._wait(seconds):
            raise Stopping


def _reason(seen: FetchOutcome | None, error: str) -> str:
    """The fixed failure label for a poll that the pipeline recorded as failed."""
    if isinstance(seen, Unavailable):
        return "unavailable"
    if isinstance(seen, Rejected):
        return "rejected"
    if isinstance(seen, NoData):
        return "no_data"
    if error.startswith("store failed"):
        return "store"
    return "invalid" if isinstance(seen, Fetched) else "internal"


def run_watch(
    targets: Sequence[Target],
    settings: Settings,
    *,
    stop: threading.Event,
    metrics: WatchMetrics,
    clock: Callable[[], float] = time.time,
) -> None:
    """Poll every target on its own thread; return once ``stop`` is set and all have ended."""
    flush_lock = threading.Lock()
    threads = []
    for target in targets:
        metrics.track(target.dataset.name, target.timing.cadence)
        worker = Worker(target, settings, stop=stop, metrics=metrics, flush_lock=flush_lock,
                        clock=clock)
        # Daemon threads: a second signal may end the process without waiting for them.
        thread = threading.Thread(target=worker.run, name=f"watch:{target.dataset.name}",
                                  daemon=True)
        thread.start()
        threads.append(thread)
        log.info("watching %s every %gs (first poll %gs into each slot, requests at "
                 "least %gs apart)", target.dataset.name, target.timing.cadence,
                 target.timing.offset, target.timing.floor)
    # Short waits keep the main thread responsive to signals.
    while not stop.wait(0.5):
        pass
    log.info("stopping: finishing the polls in flight")
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    log.info("stopped")


__all__ = ["Poll", "Stopping", "Target", "Worker", "run_watch", "timing_for"]
