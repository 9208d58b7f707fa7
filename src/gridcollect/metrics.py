"""Prometheus metrics and the health check of ``gridcollect watch``.

Each :class:`WatchMetrics` owns its own registry (never the process-wide default), so
several can live in one process, as they do in the tests. ``docs/metrics.md`` says what
each metric means.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app

# A fixed set, so the failure series stay few and alert rules can name them.
FAILURE_REASONS = (
    "unavailable",  # no useful answer after the HTTP client's retries (5xx, timeouts, refused)
    "rejected",     # an unusable answer: unexpected status, not JSON, too large
    "no_data",      # the endpoint says it has nothing, and the dataset stores no placeholder
    "invalid",      # the payload failed validation
    "store",        # the object could not be written
    "backend",      # the registry, store or outbox could not be reached
    "internal",     # a bug: logged with its traceback
)
LAG_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600)


@dataclass(frozen=True, slots=True)
class Stale:
    """A dataset without a successful poll for ``seconds`` (more than allowed)."""

    dataset: str
    seconds: float


class WatchMetrics:
    """Counters and gauges per dataset, and what ``/healthz`` needs to judge staleness."""

    def __init__(
        self, *, unhealthy_after: float = 3.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.unhealthy_after = unhealthy_after
        self._clock = clock
        self._lock = threading.Lock()
        self._cadence: dict[str, float] = {}
        self._last_success: dict[str, float] = {}
        self._newest_as_of: dict[str, float] = {}
        r = self.registry
        self.polls = Counter("gridcollect_polls", "Polls of a dataset's endpoint.",
                             ["dataset"], registry=r)
        self.stored = Counter("gridcollect_stored", "Snapshots stored.", ["dataset"], registry=r)
        self.duplicates = Counter(
            "gridcollect_duplicates", "Polls whose content was stored already.",
            ["dataset"], registry=r)
        self.failures = Counter("gridcollect_failures", "Failed polls, by reason.",
                                ["dataset", "reason"], registry=r)
        self.last_stored = Gauge(
            "gridcollect_last_stored_timestamp_seconds",
            "Unix time the latest snapshot was stored.", ["dataset"], registry=r)
        self.last_success = Gauge(
            "gridcollect_last_success_timestamp_seconds",
            "Unix time of the latest poll that got usable content.", ["dataset"], registry=r)
        self.lag = Histogram(
            "gridcollect_publication_lag_seconds",
            "Seconds from a snapshot's as-of instant (read from its payload) to the "
            "moment it was stored.", ["dataset"], buckets=LAG_BUCKETS, registry=r)
        self.last_lag = Gauge(
            "gridcollect_last_publication_lag_seconds",
            "Publication lag of the latest stored snapshot.", ["dataset"], registry=r)
        self.last_as_of = Gauge(
            "gridcollect_last_as_of_timestamp_seconds",
            "Newest as-of instant (Unix time) of the snapshots stored.", ["dataset"],
            registry=r)
        self.cadence = Gauge("gridcollect_cadence_seconds", "A dataset's polling cadence.",
                             ["dataset"], registry=r)
        self.pending = Gauge("gridcollect_notifications_pending",
                             "Notifications in the outbox waiting for delivery.", registry=r)

    def track(self, dataset: str, cadence: float) -> None:
        """Start reporting ``dataset``: zeroed series, and a health grace period from now."""
        self.cadence.labels(dataset).set(cadence)
        for counter in (self.polls, self.stored, self.duplicates):
            counter.labels(dataset)
        for reason in FAILURE_REASONS:
            self.failures.labels(dataset, reason)
        with self._lock:
            self._cadence[dataset] = cadence
            self._last_success[dataset] = self._clock()

    def record_poll(self, dataset: str) -> None:
        self.polls.labels(dataset).inc()

    def record_stored(self, dataset: str, *, as_of: float | None, stored_at: float) -> None:
        """A snapshot whose as-of instant is ``as_of`` was stored at ``stored_at`` (both
        Unix seconds). The lag is what a user of the data feels: how old the snapshot
        already was when it became available. A clock behind MISO's would make it
        negative: it is counted as 0."""
        self.stored.labels(dataset).inc()
        self.last_stored.labels(dataset).set(stored_at)
        if as_of is not None:
            lag = max(0.0, stored_at - as_of)
            self.lag.labels(dataset).observe(lag)
            self.last_lag.labels(dataset).set(lag)
            with self._lock:  # a revision of an older snapshot does not move it back
                newest = max(as_of, self._newest_as_of.get(dataset, as_of))
                self._newest_as_of[dataset] = newest
            self.last_as_of.labels(dataset).set(newest)
        self._succeeded(dataset, stored_at)

    def record_duplicate(self, dataset: str, *, at: float) -> None:
        self.duplicates.labels(dataset).inc()
        self._succeeded(dataset, at)

    def record_failure(self, dataset: str, reason: str) -> None:
        if reason not in FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r}")
        self.failures.labels(dataset, reason).inc()

    def set_pending(self, pending: int) -> None:
        self.pending.set(pending)

    def stale(self) -> list[Stale]:
        """Datasets with no successful poll for more than ``unhealthy_after`` cadences."""
        now = self._clock()
        with self._lock:
            return [
                Stale(name, now - last)
                for name, last in sorted(self._last_success.items())
                if now - last > self.unhealthy_after * self._cadence[name]
            ]

    def _succeeded(self, dataset: str, at: float) -> None:
        self.last_success.labels(dataset).set(at)
        with self._lock:
            self._last_success[dataset] = at


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # scrapes every few seconds would drown the collector's own log


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a slow scraper must not hold up shutdown


class MetricsServer:
    """Serves ``/metrics`` and ``/healthz`` from a daemon thread until :meth:`close`."""

    def __init__(self, metrics: WatchMetrics, host: str = "127.0.0.1", port: int = 0) -> None:
        self._httpd = make_server(host, port, _app(metrics), _ThreadingServer,
                                  handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name="metrics-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(2.0)


def _app(metrics: WatchMetrics) -> Callable[..., Iterable[bytes]]:
    exposition = make_wsgi_app(metrics.registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "/").rstrip("/") == "/healthz":
            return _health(metrics, start_response)
        return exposition(environ, start_response)  # type: ignore[no-any-return]

    return app


def _health(metrics: WatchMetrics, start_response: Callable[..., Any]) -> Iterator[bytes]:
    stale = metrics.stale()
    if stale:
        lines = [f"stale: {s.dataset} (no successful poll for {s.seconds:.0f}s)" for s in stale]
        body, status = "\n".join(lines) + "\n", "503 Service Unavailable"
    else:
        body, status = "ok\n", "200 OK"
    data = body.encode()
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                            ("Content-Length", str(len(data)))])
    yield data


__all__ = ["FAILURE_REASONS", "MetricsServer", "Stale", "WatchMetrics"]
