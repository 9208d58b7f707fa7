"""``gridcollect watch`` end to end: the real command against a local server that
publishes a new MISO-shaped snapshot every slot, on a seconds-scale cadence."""

from __future__ import annotations

import gzip
import json
import math
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gridcollect import datasets, keys
from gridcollect.digest import sha256_of
from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample

from ..support.processes import free_port
from .cli import clean_env, run_cli

BASE = datetime(2026, 3, 2, 12, tzinfo=UTC)
STEPS = {"RealTimeTotalLoad": timedelta(minutes=5), "CsatSupplyDemand": timedelta(minutes=15),
         "BindingConstraints/Reserve": timedelta(minutes=5)}
NAMES = {"RealTimeTotalLoad": "miso_realtime_total_load",
         "CsatSupplyDemand": "miso_csat_supply_demand",
         "BindingConstraints/Reserve": "miso_binding_constraints_reserve"}


@dataclass
class Publisher:
    """Publishes publication ``n`` of an endpoint from ``phase`` seconds into slot ``n``
    (slots ``period`` seconds long, on the wall clock, like the watch's), and records
    which publications were served. ``down`` maps publication numbers to a failure."""

    endpoint: str
    period: float
    phase: float
    first: int = field(init=False)
    served: set[int] = field(default_factory=set)
    down: range = range(0)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.first = self.number(time.time())

    def number(self, at: float) -> int:
        return math.floor((at - self.phase) / self.period)

    def payload(self, n: int) -> Any:
        return sample(self.endpoint, "wire", BASE + (n - self.first) * STEPS[self.endpoint])

    def __call__(self) -> Reply:
        n = self.number(time.time())
        if n in self.down:
            return Reply(status=500, body={"error": "upstream failure"})
        with self.lock:
            self.served.add(n)
        return Reply(body=self.payload(n))

    def latest(self) -> int | None:
        with self.lock:
            return max(self.served, default=None)

    def digests(self, numbers: set[int]) -> set[str]:
        return {sha256_of(self.payload(n)) for n in numbers}


@contextmanager
def watch(*args: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The real ``gridcollect watch`` in a subprocess, killed if the test fails."""
    with open(log, "ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gridcollect", "watch", "--max-retries", "0",
             "--timeout", "5", *args],
            stdout=sink, stderr=subprocess.STDOUT, env=clean_env(),
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def stop(process: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM, then expect a clean exit 0 within a few seconds."""
    process.send_signal(signal.SIGTERM)
    code = process.wait(15)
    assert code == 0, log.read_text()[-3000:]


def scrape(port: int, path: str = "/metrics") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    prefix = f"{name}{{{wanted}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    raise AssertionError(f"{prefix.strip()} not in the metrics")


def wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass  # the metrics server is not up yet
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def stored_digests(root: Path, name: str) -> list[str]:
    """The payload digest of every object stored for dataset ``name`` (checks each unzips)."""
    unwrap = datasets.get(name).unwrap
    return [sha256_of(unwrap(json.loads(gzip.decompress(path.read_bytes()))))
            for path in sorted((root / "sourcing" / name).rglob("*.json.gz"))]


def assert_captured_once(root: Path, publisher: Publisher, *, skip: range = range(0)) -> None:
    """Every publication from the first served to the last was stored, each exactly once,
    under its own as-of instant."""
    served = publisher.served
    assert served, "nothing was served"
    expected = set(range(min(served), max(served) + 1)) - set(skip)
    assert served == expected, f"publications never fetched: {sorted(expected - served)}"
    digests = stored_digests(root, NAMES[publisher.endpoint])
    assert len(digests) == len(set(digests)), "a snapshot was stored twice"
    assert set(digests) == publisher.digests(served)
    assert_keys_are_as_of_instants(root, NAMES[publisher.endpoint])


def stored_as_of(root: Path, name: str) -> dict[str, datetime]:
    """Stored key (under the prefix) -> the as-of instant its content states."""
    dataset = datasets.get(name)
    assert dataset.as_of is not None
    base = root / "sourcing"
    return {str(path.relative_to(base)):
            dataset.as_of(dataset.unwrap(json.loads(gzip.decompress(path.read_bytes()))))
            for path in sorted((base / name).rglob("*.json.gz"))}


def assert_keys_are_as_of_instants(root: Path, name: str) -> None:
    """Every stored key carries its own content's as-of instant (``_N`` for revisions)."""
    template = datasets.get(name).key_template
    for key, as_of in stored_as_of(root, name).items():
        stem = keys.render(template, as_of, {}).removesuffix(".json.gz")
        assert re.fullmatch(re.escape(stem) + r"(_\d+)?\.json\.gz", key), (key, as_of)


def assert_nothing_half_written(root: Path) -> None:
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def miso():
    with ReplayServer() as server:
        yield server


def publish(server: ReplayServer, endpoint: str, period: float, **options: Any) -> Publisher:
    publisher = Publisher(endpoint, period, phase=0.3 * period, **options)
    server.set_publisher(f"/{endpoint}", publisher)
    return publisher


def test_watch_stores_every_published_snapshot_exactly_once(miso, tmp_path):
    """Over a fixed run every snapshot published is stored once, promptly, and shutting
    down with SIGTERM exits 0 with nothing half-written; metrics and status agree."""
    publishers = [publish(miso, endpoint, 2.0) for endpoint in STEPS]
    port, out, log = free_port(), tmp_path / "out", tmp_path / "watch.log"
    cadences = [arg for name in NAMES.values() for arg in ("--cadence", f"{name}=2")]
    # The datasets published here; the schema-declared ones have tests of their own.
    with watch(*NAMES.values(), "--output-dir", str(out), "--api-base-url", miso.url, *cadences,
               "--metrics-port", str(port), log=log) as process:
        time.sleep(9)
        text = scrape(port).text
        health = scrape(port, "/healthz")
        stop(process, log)

    assert (health.status_code, health.text) == (200, "ok\n")
    for publisher in publishers:
        assert_captured_once(out, publisher)
    assert_nothing_half_written(out)
    for name in NAMES.values():
        stored = metric(text, "gridcollect_stored_total", dataset=name)
        polls = metric(text, "gridcollect_polls_total", dataset=name)
        assert stored >= 3
        assert polls / stored < 8, f"{name}: {polls} polls for {stored} snapshots"
        # The lag is stored-at minus the snapshot's own as-of instant (here months: the
        # stand-in's RefIds start in March 2026, five minutes apart every 2 s).
        lag = metric(text, "gridcollect_last_publication_lag_seconds", dataset=name)
        as_of = metric(text, "gridcollect_last_as_of_timestamp_seconds", dataset=name)
        stored_at = metric(text, "gridcollect_last_stored_timestamp_seconds", dataset=name)
        assert lag == pytest.approx(stored_at - as_of)
        # The newest stored when scraped (more may have been stored before the stop).
        assert as_of in {a.timestamp() for a in stored_as_of(out, name).values()}
    assert metric(text, "gridcollect_notifications_pending") == 0

    status = run_cli("status", "--output-dir", str(out), "--json")
    assert status.code == 0, status.stderr
    rows = {row["dataset"]: row for row in json.loads(status.stdout)["datasets"]}
    for name in NAMES.values():
        assert rows[name]["stored"] == len(stored_digests(out, name))
        assert rows[name]["failures"] == 0
        assert rows[name]["last_location"].startswith("file://")
        newest = max(stored_as_of(out, name).values())
        assert rows[name]["newest_as_of"] == newest.astimezone(UTC).isoformat()
        assert rows[name]["as_of_age_seconds"] > 0
    table = run_cli("status", "--output-dir", str(out))
    watched = [line for line in table.stdout.splitlines() if line.startswith(tuple(NAMES.values()))]
    assert len(watched) == len(NAMES) and not any("never" in line for line in watched)


@dataclass
class Timetable:
    """Serves publication ``(number, seed)`` from its own Unix time on: RefIds five minutes
    apart per number, a different seed for a revision. Logs what each request got."""

    endpoint: str
    times: list[tuple[float, int, int]]
    log: list[tuple[float, tuple[int, int]]] = field(default_factory=list)

    def payload(self, number: int, seed: int) -> Any:
        return sample(self.endpoint, "wire", BASE + number * STEPS[self.endpoint], seed)

    def __call__(self) -> Reply:
        now = time.time()
        shown = [(n, s) for at, n, s in sorted(self.times) if at <= now][-1]
        self.log.append((now, shown))
        return Reply(body=self.payload(*shown))


def test_late_and_missing_publications_are_each_stored_under_their_own_time(miso, tmp_path):
    """The real command on a 1.2 s cadence (--offset 40 %, publications at 30 %): one
    publication 110 % of a cadence late with the next close behind it, then a slot
    without any. Every publication is stored once, under its own as-of instant, and the
    watch settles back to one request per snapshot."""
    c = 1.2
    first = math.floor(time.time() / c) + 1
    slots = {k: ((first + k + 0.3) * c, k + 1, 0) for k in range(-1, 16) if k != 9}
    slots[4] = ((first + 4 + 1.1) * c, 5, 0)  # slot 4's, late...
    slots[5] = ((first + 5 + 0.6) * c, 6, 0)  # ...and slot 5's, held up behind it
    # Numbered in order of publication: the RefId moves five minutes per publication.
    feed = Timetable("RealTimeTotalLoad",
                     [(at, i, 0) for i, (at, _, _) in enumerate(sorted(slots.values()))])
    miso.set_publisher("/RealTimeTotalLoad", feed)
    out, log = tmp_path / "out", tmp_path / "watch.log"
    with watch("realtime-total-load", "--cadence", f"realtime-total-load={c}",
               "--offset", f"realtime-total-load={0.4 * c}", "--output-dir", str(out),
               "--api-base-url", miso.url, log=log) as process:
        wait_for(lambda: feed.log and feed.log[-1][0] > (first + 15.5) * c, 40, "15 slots")
        stop(process, log)

    served = {shown for _, shown in feed.log}
    numbers = sorted(n for n, _ in served)
    assert numbers == list(range(numbers[0], numbers[-1] + 1)), "a publication was missed"
    name = NAMES["RealTimeTotalLoad"]
    digests = stored_digests(out, name)
    assert sorted(digests) == sorted(sha256_of(feed.payload(*p)) for p in served)
    assert_keys_are_as_of_instants(out, name)
    tail = [shown for at, shown in feed.log if at >= (first + 11) * c]
    assert len(tail) / len(set(tail)) <= 1.3, feed.log
    assert len(feed.log) / len(served) <= 2.5, feed.log


@pytest.mark.servers
def test_replicas_sharing_redis_store_each_snapshot_once(miso, tmp_path, redis_db):
    """Two watch processes sharing one Redis registry and store keep one copy of each."""
    publishers = [publish(miso, "RealTimeTotalLoad", 1.0),
                  publish(miso, "BindingConstraints/Reserve", 1.0)]
    out = tmp_path / "out"
    args = ["realtime-total-load", "binding-constraints-reserve",
            "--cadence", "realtime-total-load=1", "--cadence", "binding-constraints-reserve=1",
            "--output-dir", str(out), "--api-base-url", miso.url, "--redis-url", redis_db.url]
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with watch(*args, "--state-dir", str(tmp_path / "first"), log=first_log) as first, \
            watch(*args, "--state-dir", str(tmp_path / "second"), log=second_log) as second:
        time.sleep(7)
        stop(first, first_log)
        stop(second, second_log)

    for publisher in publishers:
        assert len(publisher.served) >= 4
        assert_captured_once(out, publisher)
    assert_nothing_half_written(out)
    notified = [json.loads(line)["urn"] for state in ("first", "second")
                for line in (tmp_path / state / "notifications.jsonl").read_text().splitlines()]
    assert len(notified) == len(set(notified)) == sum(
        len(stored_digests(out, name)) for name in ("miso_realtime_total_load",
                                                    "miso_binding_constraints_reserve"))


def test_a_failing_endpoint_neither_stops_the_others_nor_stays_down(miso, tmp_path):
    """While one endpoint answers 500 the others keep being collected; /healthz names
    the failing one, and it is collected again once it recovers."""
    load = publish(miso, "RealTimeTotalLoad", 1.0)
    reserve = Publisher("BindingConstraints/Reserve", 1.0, phase=0.3)
    outage = range(reserve.first + 3, reserve.first + 7)
    reserve.down = outage
    miso.set_publisher("/BindingConstraints/Reserve", reserve)
    port, out, log = free_port(), tmp_path / "out", tmp_path / "watch.log"
    with watch("realtime-total-load", "binding-constraints-reserve",
               "--cadence", "realtime-total-load=1", "--cadence", "binding-constraints-reserve=1",
               "--unhealthy-after", "1.5", "--output-dir", str(out), "--api-base-url", miso.url,
               "--metrics-port", str(port), log=log) as process:
        wait_for(lambda: scrape(port, "/healthz").status_code == 503, 8, "/healthz to fail")
        unhealthy = scrape(port, "/healthz").text
        wait_for(lambda: (reserve.latest() or 0) >= outage.stop + 1, 8,
                 "the endpoint to recover")
        wait_for(lambda: scrape(port, "/healthz").status_code == 200, 4, "/healthz to heal")
        text = scrape(port).text
        stop(process, log)

    assert "miso_binding_constraints_reserve" in unhealthy
    assert "miso_realtime_total_load" not in unhealthy
    assert metric(text, "gridcollect_failures_total", dataset="miso_binding_constraints_reserve",
                  reason="unavailable") >= 2
    assert_captured_once(out, load)
    assert_captured_once(out, reserve, skip=outage)


def test_sigterm_during_a_slow_fetch_finishes_it_then_exits(miso, tmp_path):
    """SIGTERM while a snapshot is on its way waits for it, stores it whole, and exits 0."""
    body = sample("RealTimeTotalLoad", "wire", BASE)
    miso.set("/RealTimeTotalLoad", Reply(body=body, delay_seconds=1.5))
    out, log = tmp_path / "out", tmp_path / "watch.log"
    with watch("realtime-total-load", "--output-dir", str(out), "--api-base-url", miso.url,
               log=log) as process:
        wait_for(lambda: miso.requests_for("/RealTimeTotalLoad"), 10, "the first request")
        stop(process, log)
    assert stored_digests(out, "miso_realtime_total_load") == [sha256_of(body)]
    assert_nothing_half_written(out)
    assert "received SIGTERM" in log.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["miso_nope"], "unknown dataset 'miso_nope'; choose from: miso_ace (ace), "),
    (["--cadence", "realtime-total-load"], "is not DATASET=SECONDS"),
    (["--cadence", "realtime-total-load=0"], "cadence must be positive"),
    (["--cadence", "realtime-total-load=inf"], "is not DATASET=SECONDS"),
    (["realtime-total-load", "--offset", "csat-supply-demand=5"], "is not being watched"),
    (["--offset", "realtime-total-load=300"], "offset must be at least 0 and below"),
    (["--param", "csat-supply-demand.zone=SOUTH"], "has no parameter 'zone'"),
    (["--param", "csat-supply-demand.region=WEST"], "'WEST' is not one of"),
    (["--force"], "--force does not apply to watch"),
    (["--skip-hash-check"], "--skip-hash-check does not apply to watch"),
    (["--min-poll-interval", "realtime-total-load=-1"], "is not DATASET=SECONDS"),
    (["realtime-total-load", "--min-poll-interval", "csat-supply-demand=5"],
     "is not being watched"),
    (["realtime-total-load", "--prefix", "../x"], "error: prefix '../x' must be a relative"),
])
def test_bad_watch_options_are_usage_errors(args, message):
    """Unknown datasets and malformed per-dataset options exit 2 with a clear line."""
    result = run_cli("watch", *args, timeout=20)
    assert result.code == 2, result.stderr
    assert message in result.stderr.replace("\n", " ")


def test_watch_collects_every_value_of_a_repeated_param(miso, tmp_path):
    """--param given twice for one parameter polls each value, as collect does."""
    publish(miso, "CsatSupplyDemand", 1.0)
    out, log = tmp_path / "out", tmp_path / "watch.log"
    region = "miso_csat_supply_demand.region"
    with watch("csat-supply-demand", "--output-dir", str(out), "--api-base-url", miso.url,
               "--cadence", "csat-supply-demand=1", "--param", f"{region}=SOUTH",
               "--param", f"{region}=north", log=log) as process:
        wait_for(lambda: {"SOUTH", "NORTH"} <= {
            value for r in miso.requests_for("/CsatSupplyDemand")
            for value in r.query.get("region", [])}, 10, "a poll of each region")
        stop(process, log)


def test_a_metrics_port_in_use_is_one_line_and_exit_2(tmp_path):
    """--metrics-port on a port something else holds ends watch at once, naming the port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("watch", "realtime-total-load", "--output-dir", str(tmp_path),
                         "--metrics-port", str(port), timeout=20)
    assert result.code == 2, result.stderr
    assert f"error: cannot serve metrics on 127.0.0.1:{port}: " in result.stderr
    assert "Traceback" not in result.stderr
