"""Many snapshots at once: a bounded pool of workers through the one pipeline.

A burst is a list of :class:`Job` values (a dataset and the slot it stands for), such
as every dataset and region collected by one cron run. Each worker thread has its own
registry and outbox connections (SQLite handles cannot be shared between threads) and
its own HTTP client, so at most ``concurrency`` requests are in flight; the store, safe
to share, is opened once. Workers only write to the outbox; the
calling thread delivers it once at the end, so notifications are never sent twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from .activity import record_run
from .backends import OpenBackends, open_backends
from .http import Fetcher
from .model import Dataset, RunReport, Slot
from .pipeline import Pipeline
from .settings import Settings
from .stores import Store

log = logging.getLogger(__name__)

MAX_CONCURRENCY = 64


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


def collect_many(
    jobs: Sequence[Job],
    settings: Settings,
    *,
    concurrency: int = 4,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[RunReport]:
    """Collect every job once, at most ``concurrency`` at a time; one report per dataset,
    in the order datasets first appear in ``jobs``.

    A backend outage stops the burst (the first one is raised once every worker has
    stopped); any other failure is recorded against its job in the reports.
    """
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency}")
    queue = _Queue(jobs)
    workers = min(concurrency, len(jobs)) or 1
    with open_backends(settings.backends) as opened, Fetcher(settings.http) as fetcher:
        opened.flush_outbox()  # what an earlier run left, before adding to it
        recovery = _recover(jobs, opened, fetcher, settings, now)
        with ThreadPoolExecutor(workers, thread_name_prefix="burst") as pool:
            futures = [pool.submit(_work, queue, settings, opened.backends.store, now)
                       for _ in range(workers)]
            try:
                results = [future.result() for future in futures]
            finally:
                queue.close()  # an outage in one worker stops the others' next jobs
        reports = _merge(jobs, [*recovery, *(report for found in results for report in found)])
        pending = _deliver(opened)
        for report in reports:
            report.notifications_pending = pending
            record_run(settings.backends.resolved_state_dir, report,
                       store=opened.backends.store)
    return reports


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


def _work(
    queue: _Queue, settings: Settings, store: Store, now: Callable[[], datetime]
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


__all__ = ["MAX_CONCURRENCY", "Job", "collect_many", "current_slot"]
