"""A burst spread over worker processes, so it is not held to one core by the GIL.

Each worker process runs threads as :func:`~gridcollect.runs.burst.work_in_threads` does, with
its own store, registry, outbox and HTTP clients; all take jobs from one shared counter,
so a slow process simply takes fewer. The calling process keeps what must happen once:
it flushes the outbox and recovers before the workers start, then merges their reports
and delivers the outbox. The embedded registry and outbox are SQLite files, safe to share
between processes; claims decide which process stores a snapshot.

Workers are started before the caller opens anything and wait for :meth:`collect`:
forked then, they inherit no socket, connection or client thread (a Kafka producer has
librdkafka threads, which a fork would not copy), and they start in milliseconds. Fork
is used only on Linux while no other thread runs (a forked child inherits every lock as
it was, and one held by another thread stays held); otherwise they are spawned, which
costs a fresh interpreter importing gridcollect (~0.25 s) and needs picklable inputs.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any, Literal

from .. import datasets, logs
from ..backends import open_store
from ..errors import ConfigurationError, GridcollectError
from ..model import RunReport, Slot
from ..owner import this_owner
from ..secrets import register_environment_secrets, register_secret, registered_secrets
from ..settings import Settings
from .burst import Job, work_in_threads

# The name it logged under before the move to runs/, so that log filters keep working.
log = logging.getLogger("gridcollect.burst_processes")

# Tests set "fork" or "spawn"; None chooses (see start_method).
StartMethod = Literal["fork", "spawn"]
START_METHOD: StartMethod | None = None
# How long stopped workers may take to finish the snapshot in hand before being killed
# (a killed worker's claims are recovered by the next run).
STOP_GRACE_SECONDS = 5.0
_EXIT_SECONDS = 5.0  # a worker that has reported exits at once; this only bounds a stuck one


class WorkerDied(GridcollectError):
    """A worker process ended without reporting: killed, or crashed outside Python."""


def start_method() -> StartMethod:
    """``fork`` on Linux while this process runs no other thread, else ``spawn``."""
    if START_METHOD is not None:
        return START_METHOD
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def threads_per_process(concurrency: int, processes: int) -> list[int]:
    """``concurrency`` threads spread as evenly as possible, at least one per process."""
    share, extra = divmod(concurrency, processes)
    return [share + (1 if n < extra else 0) for n in range(processes)]


@dataclass(frozen=True)
class _Plan:
    """What every worker process is handed: inherited with fork, pickled with spawn."""

    jobs: Sequence[Job] | Sequence[tuple[str, Slot]]  # by dataset name with spawn
    settings: Settings
    now: Callable[[], datetime]
    next_job: Any  # a shared integer: the index of the next job to hand out
    stop: Event
    go: Event
    parent: int
    logging: tuple[int, tuple[str, str] | None] | None  # spawn only: the parent's set-up
    secrets: frozenset[str]  # spawn only: what the parent's logs mask


@dataclass
class _Worker:
    process: BaseProcess
    results: Connection
    sender: Connection  # the child's end; the parent closes its copy once started
    done: bool = False

    @property
    def started(self) -> bool:
        return self.process.pid is not None

    def finish(self) -> list[RunReport] | BaseException:
        """The worker's reports, or what went wrong; it has ended when this returns."""
        self.done = True
        outcome: list[RunReport] | _Failure | None
        try:
            outcome = self.results.recv()
        except (EOFError, OSError):  # it died before (or while) sending
            outcome = None
        except Exception as exc:  # a report that cannot be read back
            outcome = _Failure(RuntimeError(f"unreadable report: {exc!r}"), "",
                               self.process.pid or 0)
        self.process.join(_EXIT_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        if outcome is None:
            return WorkerDied(f"worker process {self.process.pid} died "
                              f"({_exit_status(self.process.exitcode)}); what it was storing "
                              "is recovered by the next run")
        return outcome.raised() if isinstance(outcome, _Failure) else outcome


class WorkerProcesses:
    """Worker processes for one burst: started on entry, collecting once :meth:`collect`
    lets them go, stopped (and if need be killed) on exit."""

    def __init__(
        self,
        jobs: Sequence[Job],
        settings: Settings,
        *,
        concurrency: int,
        processes: int,
        now: Callable[[], datetime],
    ) -> None:
        self.method = start_method()
        spawned = self.method == "spawn"
        context = (multiprocessing.get_context("spawn") if spawned
                   else multiprocessing.get_context("fork"))
        sent = _by_name(jobs) if spawned else list(jobs)  # refused here, before any work
        now = _picklable(now) if spawned else now
        self._stop = context.Event()
        self._go = context.Event()
        # Kept: Process.start() drops its arguments, and a spawned child can open a shared
        # lock or counter only while the parent still holds it.
        self._plan = plan = _Plan(
            jobs=sent,
            settings=settings,
            now=now,
            next_job=context.Value("q", 0),
            stop=self._stop,
            go=self._go,
            parent=os.getpid(),
            logging=_log_setup() if spawned else None,
            secrets=registered_secrets() if spawned else frozenset(),
        )
        self.threads = threads_per_process(concurrency, min(processes, concurrency, len(jobs)))
        self._workers = []
        for number, threads in enumerate(self.threads, start=1):
            results, sender = context.Pipe(duplex=False)
            process = context.Process(target=_worker_main, args=(plan, threads, sender),
                                      name=f"burst-{number}", daemon=True)
            self._workers.append(_Worker(process, results, sender))

    def __enter__(self) -> WorkerProcesses:
        log.debug("burst: %d worker processes (%s), threads %s", len(self._workers),
                  self.method, self.threads)
        try:
            with _sigint_blocked():
                for worker in self._workers:
                    worker.process.start()
                    worker.sender.close()  # so that its end of file means the child ended
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def collect(self) -> list[RunReport]:
        """Let the workers go; their reports once every one has stopped.

        The first failure (an outage, an unexpected error, a worker that died) stops the
        others' next jobs and is raised once every worker has stopped.
        """
        self._go.set()
        found: list[RunReport] = []
        failure: BaseException | None = None
        for outcome in self._outcomes(timeout=None):
            if isinstance(outcome, BaseException):
                failure = outcome if failure is None else failure
                self._stop.set()
            else:
                found.extend(outcome)
        if failure is not None:
            raise failure
        return found

    def close(self) -> None:
        """Stop the workers: each finishes the snapshot in hand; late ones are killed."""
        self._stop.set()
        self._go.set()
        try:
            for _ in self._outcomes(timeout=STOP_GRACE_SECONDS):
                pass  # read and dropped: a worker may be blocked writing its report
        finally:
            for worker in self._workers:
                if worker.started and worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join()
                worker.results.close()
                worker.sender.close()

    def _outcomes(self, *, timeout: float | None) -> Iterator[list[RunReport] | BaseException]:
        """Each worker's outcome as it ends, until all have or ``timeout`` passes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        waiting = {w.results: w for w in self._workers if w.started and not w.done}
        while waiting:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready = wait(list(waiting), remaining)
            if not ready:
                return
            for results in ready:
                assert isinstance(results, Connection)
                yield waiting.pop(results).finish()


def _worker_main(plan: _Plan, threads: int, results: Connection) -> None:
    """A worker process: collect until the shared jobs run out, then send the reports."""
    # Ctrl-C reaches the whole process group; the parent alone handles it and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    this_owner.cache_clear()  # forked, it would still name the parent in claims
    outcome: list[RunReport] | _Failure = []
    try:
        if plan.logging is not None:
            _configure_logging(*plan.logging)
            register_environment_secrets()  # what this process's clients may read
            for secret in plan.secrets:
                register_secret(secret)
        jobs = [sent if isinstance(sent, Job) else Job(datasets.get(sent[0]), sent[1])
                for sent in plan.jobs]
        store = open_store(plan.settings.backends)  # while the parent recovers
        if _wait_for_go(plan):
            queue = _SharedQueue(jobs, plan)
            outcome = work_in_threads(queue, threads, plan.settings, store, plan.now)
    except BaseException as exc:
        plan.stop.set()
        outcome = _Failure.of(exc)
    try:
        results.send(outcome)
    except OSError:
        pass  # the parent is gone: nobody is left to tell
    finally:
        results.close()


class _SharedQueue:
    """Hands out the burst's jobs across processes, by index, until they run out or stop."""

    def __init__(self, jobs: Sequence[Job], plan: _Plan) -> None:
        self._jobs = jobs
        self._next = plan.next_job
        self._stop = plan.stop
        self._parent = plan.parent

    def next(self) -> Job | None:
        # A worker whose parent died stops too: nobody would deliver or report its work.
        if self._stop.is_set() or os.getppid() != self._parent:
            return None
        with self._next.get_lock():
            index = int(self._next.value)
            if index >= len(self._jobs):
                return None
            self._next.value = index + 1
        return self._jobs[index]

    def close(self) -> None:
        self._stop.set()


def _wait_for_go(plan: _Plan) -> bool:
    """Wait until the parent has recovered; False if it stopped the burst or died."""
    while not plan.go.wait(0.2):
        if os.getppid() != plan.parent:
            return False
    return not plan.stop.is_set()


@dataclass(frozen=True)
class _Failure:
    """An exception raised in a worker process, on its way to the parent."""

    error: BaseException
    trace: str
    pid: int

    @classmethod
    def of(cls, exc: BaseException) -> _Failure:
        trace = "".join(traceback.format_exception(exc))
        try:
            pickle.loads(pickle.dumps(exc))
            error = exc
        except Exception:  # not every exception survives pickling; its text does
            error = RuntimeError(f"{type(exc).__name__}: {exc}")
        return cls(error, trace, os.getpid())

    def raised(self) -> BaseException:
        if self.trace:
            self.error.add_note(f"raised in worker process {self.pid}:\n{self.trace}")
        return self.error


def _exit_status(code: int | None) -> str:
    if code is not None and code < 0:
        return f"exit code {code}: killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Block SIGINT while workers start: they inherit the mask (across exec too) and
    unblock it only once they ignore it, so a Ctrl-C then prints no traceback from them.
    A Ctrl-C meanwhile reaches this process when the mask is restored."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _by_name(jobs: Sequence[Job]) -> list[tuple[str, Slot]]:
    """The jobs as a spawned worker rebuilds them: registered datasets, by name."""
    for dataset in {job.dataset.name: job.dataset for job in jobs}.values():
        try:
            registered = datasets.get(dataset.name)
        except ConfigurationError:
            registered = None
        if registered != dataset:
            raise ValueError(f"{dataset.name} is not a registered dataset: spawned worker "
                             "processes find datasets by name")
    return [(job.dataset.name, job.slot) for job in jobs]


def _picklable(now: Callable[[], datetime]) -> Callable[[], datetime]:
    try:
        pickle.dumps(now)
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise ValueError(f"now={now!r} cannot be sent to spawned worker processes ({exc}); "
                         "pass a module-level function") from None
    return now


def _log_setup() -> tuple[int, tuple[str, str] | None]:
    """The root log level, and what :func:`logs.configure` set up, if it ran."""
    return logging.getLogger().level, logs.configured()


def _configure_logging(level: int, configured: tuple[str, str] | None) -> None:
    if configured is None:
        logging.getLogger().setLevel(level)  # no handler of ours in the parent either
    else:
        logs.configure(*configured)
        logging.getLogger().setLevel(level)


__all__ = ["START_METHOD", "WorkerDied", "WorkerProcesses", "start_method",
           "threads_per_process"]
