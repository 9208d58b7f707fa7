"""Watch metrics: what each record does, staleness, and the /metrics and /healthz server."""

from __future__ import annotations

import httpx
import pytest

from gridcollect.metrics import FAILURE_REASONS, MetricsServer, WatchMetrics


class Clock:
    """A hand-driven clock for staleness tests."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def value(metrics: WatchMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_tracked_datasets_start_with_zeroed_series():
    """Every counter and failure reason of a tracked dataset exists at 0 before any poll."""
    metrics = WatchMetrics()
    metrics.track("load", 300)
    for name in ("gridcollect_polls_total", "gridcollect_stored_total",
                 "gridcollect_duplicates_total"):
        assert value(metrics, name, dataset="load") == 0
    for reason in FAILURE_REASONS:
        assert value(metrics, "gridcollect_failures_total", dataset="load", reason=reason) == 0
    assert value(metrics, "gridcollect_cadence_seconds", dataset="load") == 300


def test_a_stored_snapshot_sets_time_and_lag():
    """Storing records the time, and the lag from the snapshot's as-of instant to the
    store: how old the data already was when users could have it."""
    metrics = WatchMetrics()
    metrics.track("load", 300)
    metrics.record_stored("load", as_of=1200.0, stored_at=1242.5)
    assert value(metrics, "gridcollect_stored_total", dataset="load") == 1
    assert value(metrics, "gridcollect_last_stored_timestamp_seconds", dataset="load") == 1242.5
    assert value(metrics, "gridcollect_last_publication_lag_seconds", dataset="load") == 42.5
    assert value(metrics, "gridcollect_publication_lag_seconds_sum", dataset="load") == 42.5
    assert value(metrics, "gridcollect_publication_lag_seconds_bucket", dataset="load",
                 le="60.0") == 1
    assert value(metrics, "gridcollect_last_success_timestamp_seconds", dataset="load") == 1242.5
    assert value(metrics, "gridcollect_last_as_of_timestamp_seconds", dataset="load") == 1200.0


def test_a_clock_behind_the_source_counts_as_no_lag_and_no_as_of_no_lag():
    """An as-of instant ahead of our clock is lag 0; a snapshot without one adds none."""
    metrics = WatchMetrics()
    metrics.record_stored("load", as_of=1300.0, stored_at=1242.5)
    metrics.record_stored("load", as_of=None, stored_at=1250.0)
    assert value(metrics, "gridcollect_last_publication_lag_seconds", dataset="load") == 0
    assert value(metrics, "gridcollect_publication_lag_seconds_count", dataset="load") == 1
    assert value(metrics, "gridcollect_stored_total", dataset="load") == 2


def test_the_as_of_gauge_keeps_the_newest_instant():
    """A revision of an older snapshot, stored later, does not move the newest back."""
    metrics = WatchMetrics()
    metrics.record_stored("load", as_of=1500.0, stored_at=1510.0)
    metrics.record_stored("load", as_of=1200.0, stored_at=1520.0)
    assert value(metrics, "gridcollect_last_as_of_timestamp_seconds", dataset="load") == 1500
    assert value(metrics, "gridcollect_last_publication_lag_seconds", dataset="load") == 320


def test_failure_reasons_are_a_fixed_set():
    """A reason outside the fixed set is refused rather than creating a new series."""
    metrics = WatchMetrics()
    metrics.record_failure("load", "unavailable")
    assert value(metrics, "gridcollect_failures_total", dataset="load",
                 reason="unavailable") == 1
    with pytest.raises(ValueError):
        metrics.record_failure("load", "HTTP 500 from upstream")


def test_a_dataset_goes_stale_after_the_allowed_cadences():
    """No successful poll for more than N cadences makes a dataset stale; one success heals."""
    clock = Clock()
    metrics = WatchMetrics(unhealthy_after=3, clock=clock)
    metrics.track("load", 300)
    metrics.track("csat", 900)
    clock.now += 900
    assert metrics.stale() == []
    clock.now += 1
    [stale] = metrics.stale()
    assert (stale.dataset, stale.seconds) == ("load", 901)
    metrics.record_failure("load", "unavailable")
    assert [s.dataset for s in metrics.stale()] == ["load"]
    metrics.record_duplicate("load", at=clock.now)
    assert metrics.stale() == []


def test_two_metric_sets_live_in_one_process():
    """Each WatchMetrics has its own registry: no clash, no shared counts."""
    first, second = WatchMetrics(), WatchMetrics()
    first.record_poll("load")
    assert value(first, "gridcollect_polls_total", dataset="load") == 1
    assert value(second, "gridcollect_polls_total", dataset="load") is None


def test_the_server_serves_metrics_and_health():
    """/metrics is Prometheus text; /healthz is 200 "ok" until a dataset is stale, then 503."""
    clock = Clock()
    metrics = WatchMetrics(unhealthy_after=2, clock=clock)
    metrics.track("load", 10)
    metrics.set_pending(4)
    server = MetricsServer(metrics, "127.0.0.1", 0)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        scraped = httpx.get(f"{server.url}/metrics", timeout=5)
        assert scraped.status_code == 200
        assert 'gridcollect_polls_total{dataset="load"} 0.0' in scraped.text
        assert "gridcollect_notifications_pending 4.0" in scraped.text
        health = httpx.get(f"{server.url}/healthz", timeout=5)
        assert (health.status_code, health.text) == (200, "ok\n")
        clock.now += 21
        health = httpx.get(f"{server.url}/healthz", timeout=5)
        assert health.status_code == 503
        assert "stale: load (no successful poll for 21s)" in health.text
    finally:
        server.close()


def test_a_busy_port_is_reported():
    """Binding a port that is taken raises OSError (the CLI turns it into a usage error)."""
    metrics = WatchMetrics()
    first = MetricsServer(metrics, "127.0.0.1", 0)
    try:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            MetricsServer(metrics, "127.0.0.1", port)
    finally:
        first.close()
