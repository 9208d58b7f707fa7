"""Many snapshots at once: a bounded pool of workers through the one pipeline.

A burst is a list of :class:`Job` values (a dataset and the slot it stands for), such
as every dataset and region collected by one cron run. Each worker thread has its own
registry and outbox connections (SQLite handles cannot be shared between threads) and
its own HTTP client, so at most ``concurrency`` requests are in flight; the store, safe
to share, is opened once. Workers only write to the outbox; the
calling thread delivers it once at the end, so notifications are never sent twice.

Threads share one core (the GIL); with ``processes`` above 1 the threads are spread over
worker processes (:mod:`.burst_processes`) while this process still flushes, recovers,
merges and delivers, so a large burst can use every core.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from ..activity import record_run
from ..backends import OpenBackends, open_backends
from ..http import Fetcher
from ..model import Dataset, RunReport, Slot
from ..pipeline import Pipeline
from ..settings import MAX_CONCURRENCY, MAX_PROCESSES, Settings
from ..stores import Store

if TYPE_CHECKING:
    from .burst_processes import WorkerProcesses

# The name it logged under before the move to runs/, so that log filters keep working.
log = logging.getLogger("gridcollect.burst")



@dataclass(frozen=True, slots=True)
class Job:
    """One snapshot to collect: ``dataset`` fetched now, stored under ``slot``."""

    dataset: Dataset
    slot: Slot


def current_slot(dataset: Dataset, now: datetime) -> datetime:
    """The latest slot boundary of ``dataset`` at ``now`` (:00, :05... for 5-minute data)."""
    cadence = dataset.cadence.total_seconds()
    seconds = now.timestamp()
    return datetime.fromtimestamp(seconds - seconds % cadence, UTC)


def _utc_now() -> datetime:
    # A module-level function, not a lambda: spawned worker processes receive it pickled.
    return datetime.now(UTC)


def collect_many(
    jobs: Sequence[Job],
    settings: Settings,
    *,
    concurrency: int = 4,
    processes: int = 1,
    now: Callable[[], datetime] = _utc_now,
) -> list[RunReport]:
    """Collect every job once, at most ``concurrency`` at a time; one report per dataset,
    in the order datasets first appear in ``jobs``.

    ``processes`` above 1 spreads the ``concurrency`` threads as evenly as possible over
    that many worker processes (never more processes than threads or jobs), each with
    its own connections; for bursts large enough to need more than one core.

    A backend outage stops the burst (the first one is raised once every worker has
    stopped); any other failure is recorded against its job in the reports. A worker
    process that dies stops it too (:class:`~gridcollect.runs.burst_processes.WorkerDied`).
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    if not 1 <= processes <= MAX_PROCESSES:
        raise ValueError(f"processes must be 1 to {MAX_PROCESSES}, got {processes}")
    workers: WorkerProcesses | None = None
    if min(processes, concurrency, len(jobs)) > 1:
        from .burst_processes import WorkerProcesses

        workers = WorkerProcesses(jobs, settings, concurrency=concurrency,
                                  processes=processes, now=now)
    # The worker processes start first, before any backend or HTTP client is open: forked
    # ones then inherit no connection, socket or client thread. They wait for collect().
    with (workers or nullcontext(),
          open_backends(settings.backends) as opened, Fetcher(settings.http) as fetcher):
        opened.start_delivery()  # what an earlier run left, before adding to it
        recovery = _recover(jobs, opened, fetcher, settings, now)
        if workers is not None:
            found = workers.collect()  # recovery is done: the workers may start
        else:
            found = work_in_threads(_Queue(jobs), min(concurrency, len(jobs)) or 1,
                                    settings, opened.backends.store, now)
        reports = _merge(jobs, [*recovery, *found])
        pending = _deliver(opened)
        for report in reports:
            report.notifications_pending = pending
            record_run(settings.backends.resolved_state_dir, report,
                       store=opened.backends.store)
    return reports


class JobQueue(Protocol):
    """Where workers take their next job: threads of one process, or of several."""

    def next(self) -> Job | None: ...

    def close(self) -> None:
        """Hand out no more jobs (an outage in one worker stops the others)."""
        ...


class _Queue:
    """Hands out jobs to workers until they run out or the burst is stopped."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self._jobs: Iterator[Job] = iter(jobs)
        self._lock = threading.Lock()
        self._closed = False

    def next(self) -> Job | None:
        with self._lock:
            return None if self._closed else next(self._jobs, None)

    def close(self) -> None:
        with self._lock:
            self._closed = True


def _recover(
    jobs: Sequence[Job], opened: OpenBackends, fetcher: Fetcher, settings: Settings,
    now: Callable[[], datetime],
) -> list[RunReport]:
    """Finish what dead workers left behind, once per dataset, before the burst."""
    reports = []
    for dataset in {job.dataset.name: job.dataset for job in jobs}.values():
        pipeline = Pipeline(
            dataset, fetcher=fetcher, backends=opened.backends, options=settings.run,
            lease_seconds=settings.backends.claim_lease_seconds, now=now,
        )
        pipeline.recover_abandoned()
        reports.append(pipeline.report)
    return reports


def work_in_threads(
    queue: JobQueue, threads: int, settings: Settings, store: Store,
    now: Callable[[], datetime],
) -> list[RunReport]:
    """Run ``threads`` workers until ``queue`` runs out; their reports, unmerged."""
    with ThreadPoolExecutor(threads, thread_name_prefix="burst") as pool:
        futures = [pool.submit(_work, queue, settings, store, now) for _ in range(threads)]
        try:
            return [report for future in futures for report in future.result()]
        finally:
            queue.close()  # an outage in one worker stops the others' next jobs


def _work(
    queue: JobQueue, settings: Settings, store: Store, now: Callable[[], datetime]
) -> list[RunReport]:
    """One worker: its own registry, outbox and HTTP client (the store is shared); one
    pipeline per dataset it meets."""
    pipelines: dict[str, Pipeline] = {}
    try:
        with (open_backends(settings.backends, store=store) as opened,
              Fetcher(settings.http) as fetcher):
            while (job := queue.next()) is not None:
                pipeline = pipelines.get(job.dataset.name)
                if pipeline is None:
                    pipeline = pipelines[job.dataset.name] = Pipeline(
                        job.dataset, fetcher=fetcher, backends=opened.backends,
                        options=settings.run,
                        lease_seconds=settings.backends.claim_lease_seconds, now=now,
                    )
                pipeline.collect(job.slot)
    except BaseException:
        queue.close()
        raise
    return [pipeline.report for pipeline in pipelines.values()]


def _merge(jobs: Sequence[Job], found: list[RunReport]) -> list[RunReport]:
    """Add up the workers' reports per dataset, keys sorted so the summary is stable."""
    merged = {job.dataset.name: RunReport(dataset=job.dataset.name) for job in jobs}
    for job in jobs:
        merged[job.dataset.name].requested += 1
    for report in found:
        total = merged[report.dataset]
        total.total_candidates += report.total_candidates
        total.collected += report.collected
        total.skipped_duplicate += report.skipped_duplicate
        total.failed += report.failed
        total.errors.extend(report.errors)
        total.stored.extend(report.stored)
        total.warnings.extend(report.warnings)
        total.recovered += report.recovered
    for total in merged.values():
        total.stored.sort()
        total.errors.sort(key=lambda error: error["candidate"])
    return list(merged.values())


def _deliver(opened: OpenBackends) -> int:
    pending = opened.flush_outbox()
    if pending:
        log.warning("%d notification(s) kept in the outbox for the next run", pending)
    return pending


__all__ = ["MAX_CONCURRENCY", "MAX_PROCESSES", "Job", "collect_many", "current_slot"]
