"""One collect run: a dataset's window, through the pipeline, into the backends."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from .activity import record_run
from .backends import open_backends
from .errors import ConfigurationError
from .http import Fetcher
from .model import Dataset, RunReport, Slot
from .pipeline import Pipeline
from .schedule import Plan, plan_window
from .settings import Settings

log = logging.getLogger(__name__)


class WindowObserver(Protocol):
    """Told about each future slot of a window: before waiting for it, and once done."""

    def waiting(self, slot: datetime, index: int, total: int) -> None: ...

    def collected(self, slot: datetime, stored_key: str | None) -> None: ...


def _utcnow() -> datetime:
    return datetime.now(UTC)


def plan_for(
    dataset: Dataset, start: datetime | None, end: datetime | None, now: datetime
) -> Plan:
    """The requests a run makes: windowed datasets from their window, others once, now."""
    if dataset.window is None:
        return plan_window(now, now, dataset.cadence, now)
    if start is None or end is None:
        raise ConfigurationError(
            f"{dataset.name} needs {dataset.window.start_flag} and {dataset.window.end_flag}"
        )
    return plan_window(start, end, dataset.cadence, now)


def collect(
    dataset: Dataset,
    settings: Settings,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    params: Mapping[str, str] | None = None,
    now: Callable[[], datetime] = _utcnow,
    sleep: Callable[[float], None] = time.sleep,
    observer: WindowObserver | None = None,
) -> RunReport:
    """Collect ``dataset`` over a window (or once, now) and return the run's report.

    Raises :class:`~gridcollect.errors.GridcollectError` subclasses for configuration
    and backend failures that stop the whole run; per-slot failures are in the report.
    """
    plan = plan_for(dataset, start, end, now())
    params = dict(params or {})
    with open_backends(settings.backends) as opened, Fetcher(settings.http) as fetcher:
        pipeline = Pipeline(
            dataset, fetcher=fetcher, backends=opened.backends, options=settings.run,
            lease_seconds=settings.backends.claim_lease_seconds, now=now,
        )
        opened.start_delivery()  # what an earlier run left, before adding to it
        pipeline.recover_abandoned()
        if plan.collapsed > 1:
            message = (
                f"{plan.collapsed} slots of the window are already past; this API serves only "
                f"the current snapshot, so one request is made now and stored under "
                f"{plan.now_slot:%Y-%m-%dT%H:%M:%SZ} (history is not available from this API)"
            )
            log.warning(message)
            pipeline.report.warnings.append(message)
        if plan.now_slot is not None:
            pipeline.collect(Slot(plan.now_slot, params))
        for index, slot_at in enumerate(plan.future(), start=1):
            if observer is not None:
                observer.waiting(slot_at, index, plan.future_count)
            _wait_until(slot_at, now, sleep)
            stored = pipeline.collect(Slot(slot_at, params))
            if observer is not None:
                observer.collected(slot_at, stored)
        pipeline.report.notifications_pending = opened.flush_outbox()
        record_run(settings.backends.resolved_state_dir, pipeline.report,
                   store=opened.backends.store)
    return pipeline.report


def _wait_until(
    when: datetime, now: Callable[[], datetime], sleep: Callable[[float], None]
) -> None:
    remaining = (when - now()).total_seconds()
    if remaining > 0:
        log.info("waiting %.0fs for slot %s", remaining, when.isoformat())
    # Sleep in short steps so a changed clock (or a signal) is noticed promptly.
    while (remaining := (when - now()).total_seconds()) > 0:
        sleep(min(remaining, 30.0))
