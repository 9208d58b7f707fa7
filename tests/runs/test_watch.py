"""Watch timing (pure) and watch workers against a real local server, in-process."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gridcollect.metrics import WatchMetrics
from gridcollect.replay import ReplayServer, Reply
from gridcollect.runs.watch import Target, run_watch
from gridcollect.runs.watch_timing import Timing
from gridcollect.settings import BackendSettings, HttpSettings, Settings

from ..support.toy import TOY

SLOT = datetime(2026, 3, 2, 12, 5, tzinfo=UTC).timestamp()


# -- timing (the adversarial timings are in test_watch_timing.py) -----------------


def test_slots_align_to_the_wall_clock():
    """Five-minute slots start at :00, :05...; a publication is expected offset later."""
    timing = Timing.for_cadence(300, offset=40)
    assert timing.slot_at(SLOT) == SLOT
    assert timing.slot_at(SLOT + 299.9) == SLOT
    assert timing.slot_at(SLOT + 300) == SLOT + 300
    assert timing.expected(timing.slot_index(SLOT)) == SLOT + 40


def test_delays_never_exceed_the_cadence():
    """Retry settings larger than the cadence are capped at it."""
    timing = Timing.for_cadence(2, first_retry=10, max_retry=60)
    assert (timing.first_retry, timing.max_retry) == (2, 2)


@pytest.mark.parametrize(("cadence", "offset"), [(0, 0), (-5, 0), (60, -1), (60, 60)])
def test_impossible_timings_are_refused(cadence, offset):
    """A cadence must be positive and an offset within it."""
    with pytest.raises(ValueError):
        Timing.for_cadence(cadence, offset=offset)


# -- workers, in-process --------------------------------------------------------------


def toy(name: str, endpoint: str, **changes):
    """A toy dataset variant with its own name and endpoint."""
    return dataclasses.replace(TOY, name=name, command=name.replace("_", "-"),
                               endpoint=endpoint, **changes)


def settings_for(tmp_path, url: str, **http) -> Settings:
    http = {"timeout_seconds": 5.0, "max_retries": 0, **http}
    return Settings(http=HttpSettings(api_base_url=url, **http),
                    backends=BackendSettings(output_dir=tmp_path))


def watching(targets, settings, seconds: float, *, check: Callable[[], bool] | None = None,
             metrics: WatchMetrics | None = None,
             clock: Callable[[], float] = time.time) -> WatchMetrics:
    """Run the watch for ``seconds`` (or until ``check()`` holds), then stop it."""
    metrics = metrics or WatchMetrics()
    stop = threading.Event()
    thread = threading.Thread(target=run_watch, args=(targets, settings),
                              kwargs={"stop": stop, "metrics": metrics, "clock": clock})
    thread.start()
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and not (check and check()):
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "the watch did not stop"
    return metrics


def value(metrics: WatchMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def changing(period: float) -> Callable[[], Reply]:
    """A toy feed whose value changes every ``period`` seconds."""
    return lambda: Reply(body={"value": int(time.time() // period) % 1000})


@pytest.fixture
def server():
    with ReplayServer() as replay:
        yield replay


def test_failures_are_counted_by_reason(server, tmp_path):
    """Each way a poll fails is counted under its fixed reason label."""
    cases = {
        "toy_down": ("Down", Reply(status=500), "unavailable"),
        "toy_refused": ("Refused", Reply(status=400), "rejected"),
        "toy_invalid": ("Invalid", Reply(body={"value": "nine"}), "invalid"),
    }
    targets = []
    for name, (path, reply, _reason) in cases.items():
        server.set(f"/{path}", reply)
        targets.append(Target(toy(name, path), Timing.for_cadence(1)))
    server.set("/Empty", Reply(status=404))
    targets.append(Target(toy("toy_empty", "Empty", placeholder=None), Timing.for_cadence(1)))
    cases["toy_empty"] = ("Empty", Reply(), "no_data")

    metrics = watching(targets, settings_for(tmp_path, server.url), 0.6)
    for name, (_path, _reply, reason) in cases.items():
        assert value(metrics, "gridcollect_failures_total", dataset=name, reason=reason) >= 1
        assert value(metrics, "gridcollect_stored_total", dataset=name) == 0


def test_a_slow_endpoint_does_not_hold_up_another(server, tmp_path):
    """While one endpoint takes seconds to answer, another is polled on its own cadence;
    the slow answer, in flight when the watch stops, is still stored."""
    server.set("/Slow", Reply(body={"value": 1}, delay_seconds=2.5))
    server.set_publisher("/Fast", changing(0.5))
    targets = [Target(toy("toy_slow", "Slow"), Timing.for_cadence(0.5)),
               Target(toy("toy_fast", "Fast"), Timing.for_cadence(0.5))]
    metrics = watching(targets, settings_for(tmp_path, server.url), 1.8)
    assert value(metrics, "gridcollect_stored_total", dataset="toy_fast") >= 3
    assert value(metrics, "gridcollect_polls_total", dataset="toy_slow") == 1
    assert value(metrics, "gridcollect_stored_total", dataset="toy_slow") == 1


def test_stopping_abandons_a_fetch_waiting_to_retry(server, tmp_path):
    """A stop ends a fetch's long wait between retries at once; nothing is stored."""
    server.set("/Busy", Reply(status=503, headers={"Retry-After": "30"}))
    settings = settings_for(tmp_path, server.url, max_retries=3, backoff_max_seconds=30)
    target = Target(toy("toy_busy", "Busy"), Timing.for_cadence(60))
    started = time.monotonic()
    watching([target], settings, 0.5)
    assert time.monotonic() - started < 3
    assert len(server.requests_for("/Busy")) == 1
    assert not list(tmp_path.rglob("*.json.gz"))


def test_each_publication_is_stored_once_and_notified(server, tmp_path):
    """Every new value is stored once, announced, and recorded for status."""
    from gridcollect.activity import read_activity

    server.set_publisher("/Feed", changing(0.5))
    target = Target(toy("toy_feed", "Feed"), Timing.for_cadence(0.5))
    settings = settings_for(tmp_path, server.url)
    metrics = watching([target], settings, 1.8)
    stored = value(metrics, "gridcollect_stored_total", dataset="toy_feed")
    assert stored >= 3
    assert len(list(tmp_path.rglob("*.json.gz"))) == stored
    notifications = (tmp_path / ".gridcollect" / "notifications.jsonl").read_text().splitlines()
    assert len(notifications) == stored
    assert value(metrics, "gridcollect_notifications_pending") == 0
    activity = read_activity(tmp_path / ".gridcollect")["toy_feed"]
    assert activity.stored == stored
    assert activity.last_key and activity.last_location.startswith("file://")


@pytest.mark.servers
def test_a_registry_outage_is_waited_out(server, tmp_path, start_redis_server):
    """With Redis down at start-up the worker retries, and stores once Redis is back."""
    redis = start_redis_server()
    redis.stop()
    server.set_publisher("/Feed", changing(0.5))
    target = Target(toy("toy_feed", "Feed"), Timing.for_cadence(0.5))
    settings = dataclasses.replace(
        settings_for(tmp_path, server.url),
        backends=BackendSettings(output_dir=tmp_path, redis_url=redis.url),
    )
    metrics = WatchMetrics()
    timer = threading.Timer(1.0, redis.start)
    timer.start()
    try:
        watching([target], settings, 8, metrics=metrics, check=lambda: value(
            metrics, "gridcollect_stored_total", dataset="toy_feed") >= 2)
    finally:
        timer.join()
    assert value(metrics, "gridcollect_failures_total", dataset="toy_feed",
                 reason="backend") >= 1
    assert value(metrics, "gridcollect_stored_total", dataset="toy_feed") >= 2


def test_a_clock_set_back_does_not_stall_polling(server, tmp_path):
    """A wall clock set back an hour while a worker waits does not make it wait an hour."""
    shift = [0.0]
    server.set("/Feed", Reply(body={"value": 1}))
    target = Target(toy("toy_feed", "Feed"), Timing.for_cadence(5))
    metrics = WatchMetrics()

    def polls() -> float:
        return value(metrics, "gridcollect_polls_total", dataset="toy_feed")

    def set_back_while_waiting() -> bool:
        if polls() >= 1 and not shift[0]:
            time.sleep(0.1)  # the worker now waits for its first re-poll, 0.25 s on
            shift[0] = -3600.0
        return polls() >= 3

    watching([target], settings_for(tmp_path, server.url), 3, metrics=metrics,
             clock=lambda: time.time() + shift[0], check=set_back_while_waiting)
    assert shift[0] == -3600.0
    assert polls() >= 3


@pytest.mark.parametrize(("extra", "floor"), [
    ((), 60.0),  # MISO's once-a-minute limit at the dataset's own cadence
    (("--cadence", "realtime-total-load=3"), 0.6),  # compressed time: in proportion
    (("--cadence", "realtime-total-load=3", "--min-poll-interval",
      "realtime-total-load=0.1"), 0.1),
])
def test_the_request_floor_follows_the_cadence_unless_set(extra, floor, monkeypatch):
    """watch's least interval between requests: 60 s, scaled with --cadence, or as set."""
    from click.testing import CliRunner

    from gridcollect.cli import cli
    from gridcollect.cli import watch as commands_watch

    seen = {}

    def capture(targets, settings, options):
        seen["floor"] = targets[0].timing.floor
        return 0

    monkeypatch.setattr(commands_watch, "_run", capture)
    result = CliRunner().invoke(cli, ["watch", "realtime-total-load", *extra])
    assert result.exit_code == 0, result.output
    assert seen["floor"] == pytest.approx(floor)
