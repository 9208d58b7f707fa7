"""``gridcollect watch``: poll every dataset on its own thread until asked to stop.

Each dataset gets a :class:`Worker` thread with its own HTTP client and its own
backends (SQLite handles cannot be shared between threads), so a slow or failing
endpoint never holds up another. A worker polls on its dataset's wall-clock slots
(:mod:`gridcollect.watch_timing`), and polls again soon while the content is unchanged,
so a new snapshot is stored shortly after it appears. No error ends a worker: it is
logged, counted, and waited out. Stopping lets the poll in flight finish (a fetch
waiting to retry is abandoned: nothing has been written yet), then flushes the outbox.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .activity import ActivityLog
from .backends import OpenBackends, open_backends
from .digest import sha256_of
from .errors import GridcollectError
from .http import Fetched, Fetcher, FetchOutcome, NoData, Rejected, Unavailable
from .metrics import WatchMetrics
from .model import Dataset, Slot
from .pipeline import Pipeline
from .settings import Settings
from .watch_timing import Cursor, Outcome, Timing

log = logging.getLogger(__name__)

_MAX_NAP_SECONDS = 30.0  # wake at least this often, so a changed wall clock is noticed


@dataclass(frozen=True, slots=True)
class Target:
    """One watched dataset: the parameters sent and when it is polled."""

    dataset: Dataset
    timing: Timing
    params: Mapping[str, str] = field(default_factory=dict)


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
    ) -> None:
        self.target = target
        self.settings = settings
        self.stop = stop
        self.metrics = metrics
        self.clock = clock
        self._flush_lock = flush_lock  # one flush at a time: the outbox file is shared
        self._name = target.dataset.name
        self._last_digest: str | None = None
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
                    self.stop.wait(delay)

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
                slot = timing.slot_at(self.clock())
                if slot != recovered_in:  # once per slot: cheap, and catches dead replicas
                    self._recover(opened, fetcher)
                    recovered_in = slot
                poll = self._poll(opened, fetcher, slot)
                if poll is None:
                    break
                self._account(poll, slot, opened, activity)
                cursor.record(poll.outcome, slot, self.clock())
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
        digest = sha256_of(seen.payload) if isinstance(seen, Fetched) else None
        if key is not None:
            self._last_digest = digest
            return Poll("new", key=key)
        if report.skipped_duplicate:
            # Content new to us, stored already by another worker (a replica), counts as new.
            changed = None not in (digest, self._last_digest) and digest != self._last_digest
            self._last_digest = digest
            return Poll("new" if changed else "unchanged")
        error = report.errors[-1]["error"] if report.errors else "nothing stored"
        return Poll("failed", reason=_reason(seen, error), error=error)

    def _account(
        self, poll: Poll, slot: float, opened: OpenBackends, activity: ActivityLog
    ) -> None:
        now = self.clock()
        if poll.key is not None:
            location = opened.backends.store.location(poll.key)
            self.metrics.record_stored(self._name, slot=slot, stored_at=now)
            activity.record(self._name, stored=1, key=poll.key, location=location)
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
        while (remaining := when - self.clock()) > 0:
            if remaining > self.target.timing.cadence + 1:
                # A poll is never due more than a cadence ahead: the clock was set back.
                log.warning("%s: the clock moved back; polling now", self._name)
                break
            if self.stop.wait(min(remaining, _MAX_NAP_SECONDS)):
                return False
        return not self.stop.is_set()

    def _nap(self, seconds: float) -> None:
        """The fetcher's sleep between retries, cut short by a stop."""
        if self.stop.wait(seconds):
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
        log.info("watching %s every %gs (first poll %gs into each slot)",
                 target.dataset.name, target.timing.cadence, target.timing.offset)
    # Short waits keep the main thread responsive to signals.
    while not stop.wait(0.5):
        pass
    log.info("stopping: finishing the polls in flight")
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
    log.info("stopped")


__all__ = ["Poll", "Stopping", "Target", "Worker", "run_watch"]
