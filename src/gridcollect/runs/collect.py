"""One collect run: a dataset's window, through the pipeline, into the backends.

Every snapshot is filed under its own as-of instant (the pipeline reads it from the
payload). A window's past slots are answered by the one snapshot MISO serves now, with a
warning saying so; each future slot is polled until a snapshot as of that slot or later
appears. A snapshot older than the slot being waited for is still kept if it is new (under
its own, older time: never mislabelled), but it does not capture the slot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from ..activity import record_run
from ..backends import open_backends
from ..errors import ConfigurationError
from ..http import Fetcher
from ..model import Dataset, RunReport, Slot
from ..pipeline import Attempt, Pipeline
from ..settings import Settings
from .schedule import Plan, SlotPolls, plan_window, request_floor

# The name it logged under before the move to runs/, so that log filters keep working.
log = logging.getLogger("gridcollect.collect")


@dataclass(frozen=True, slots=True)
class SlotResult:
    """What a window got for one future slot: the snapshot that captured it (its as-of
    instant, and its key when this run stored it), or why none did."""

    slot: datetime
    stored_key: str | None = None
    as_of: datetime | None = None
    failure: str | None = None


class WindowObserver(Protocol):
    """Told about each future slot of a window: before waiting for it, and once done."""

    def waiting(self, slot: datetime, index: int, total: int) -> None: ...

    def finished(self, result: SlotResult) -> None: ...


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
    Ctrl-C (``KeyboardInterrupt``) ends the window early: the report then says
    ``interrupted`` and still counts what was done.
    """
    plan = plan_for(dataset, start, end, now())
    with open_backends(settings.backends) as opened, Fetcher(settings.http) as fetcher:
        pipeline = Pipeline(
            dataset, fetcher=fetcher, backends=opened.backends, options=settings.run,
            lease_seconds=settings.backends.claim_lease_seconds, now=now,
        )
        opened.start_delivery()  # what an earlier run left, before adding to it
        pipeline.recover_abandoned()
        pipeline.report.requested = plan.requested
        window = _Window(pipeline, plan, dict(params or {}), now, sleep)
        try:
            window.run(observer, warn=dataset.window is not None)
        except KeyboardInterrupt:
            log.warning("interrupted: %d of %d slot(s) done", window.done, plan.requested)
            pipeline.report.interrupted = True
        pipeline.report.notifications_pending = opened.flush_outbox()
        record_run(settings.backends.resolved_state_dir, pipeline.report,
                   store=opened.backends.store)
    return pipeline.report


class _Window:
    """The requests of one plan, made through one pipeline."""

    def __init__(
        self, pipeline: Pipeline, plan: Plan, params: dict[str, str],
        now: Callable[[], datetime], sleep: Callable[[float], None],
    ) -> None:
        self.pipeline, self.plan, self.params = pipeline, plan, params
        self.now, self.sleep = now, sleep
        # MISO's once-a-minute limit holds across slots: a window's first future poll
        # keeps its distance from the request for the past slots.
        self.floor = request_floor(pipeline.dataset.cadence)
        self.last_request: datetime | None = None
        self.done = 0

    def run(self, observer: WindowObserver | None, *, warn: bool) -> None:
        plan = self.plan
        if plan.now_slot is not None:
            slot = Slot(plan.now_slot, self.params)
            attempt = self._request(slot)
            self.pipeline.count(slot, attempt)
            self.done += plan.collapsed
            if warn:
                message = _past_warning(plan, attempt)
                log.warning("%s", message)
                self.pipeline.report.warnings.append(message)
        for index, slot_at in enumerate(plan.future(), start=1):
            if observer is not None:
                observer.waiting(slot_at, index, plan.future_count)
            result = self._capture(Slot(slot_at, self.params))
            self.done += 1
            if observer is not None:
                observer.finished(result)

    def _request(self, slot: Slot) -> Attempt:
        self.last_request = self.now()
        return self.pipeline.attempt(slot)

    def _capture(self, slot: Slot) -> SlotResult:
        """Poll until a snapshot as of ``slot`` or later is fetched, or the deadline."""
        pipeline, polls = self.pipeline, SlotPolls(slot.at, self.plan.cadence, self.floor)
        made, latest = 0, None
        while (when := polls.next(made, self.last_request)) is not None:
            _wait_until(when, self.now, self.sleep)
            attempt, made = self._request(slot), made + 1
            if attempt.as_of is not None and attempt.as_of >= slot.at:
                pipeline.count(slot, attempt)  # already stored: a duplicate
                return SlotResult(slot.at, attempt.stored_key, attempt.as_of)
            latest = attempt
            if attempt.failure is not None:
                log.warning("%s: poll failed, trying again: %s", pipeline.label(slot),
                            attempt.failure)
            else:
                log.info("%s: MISO still serves the snapshot as of %s; polling again",
                         pipeline.label(slot), _at(attempt.as_of))
        failure = _missed(slot.at, polls, made, latest)
        log.error("%s failed: %s", pipeline.label(slot), failure)
        pipeline.report.fail(pipeline.label(slot), failure)
        return SlotResult(slot.at, failure=failure)


def _at(moment: datetime | None) -> str:
    return "an unknown time" if moment is None else f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _past_warning(plan: Plan, attempt: Attempt) -> str:
    """Names the past slots asked for and the as-of instant actually stored for them."""
    if plan.collapsed == 1:
        asked = f"slot {_at(plan.now_slot)}"
    else:
        asked = f"{plan.collapsed} slots from {_at(plan.first_past)} to {_at(plan.now_slot)}"
    if attempt.failure is not None:
        got = "it failed (see errors): nothing was stored for them"
    elif attempt.stored_key is not None:
        got = f"it got the snapshot as of {_at(attempt.as_of)}, stored as {attempt.stored_key}"
    else:
        got = f"it got the snapshot as of {_at(attempt.as_of)}, which was stored already"
    return (f"requested {asked}, already past: this API serves only the current snapshot "
            f"(history is not available from this API), so one request was made now; {got}")


def _missed(slot: datetime, polls: SlotPolls, made: int, latest: Attempt | None) -> str:
    """The named failure of a slot whose snapshot did not appear before the deadline."""
    why = (f"the last poll failed: {latest.failure}" if latest is not None and latest.failure
           else f"MISO still served the snapshot as of "
                f"{_at(latest.as_of if latest is not None else None)}")
    return (f"no snapshot as of {_at(slot)} or later appeared by {_at(polls.deadline)} "
            f"({made} poll(s)); {why}")


def _wait_until(
    when: datetime, now: Callable[[], datetime], sleep: Callable[[float], None]
) -> None:
    remaining = (when - now()).total_seconds()
    if remaining > 0:
        log.info("waiting %.0fs to poll at %s", remaining, when.isoformat())
    # Sleep in short steps so a changed clock (or a signal) is noticed promptly.
    while (remaining := (when - now()).total_seconds()) > 0:
        sleep(min(remaining, 30.0))
