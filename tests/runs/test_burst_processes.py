"""Bursts over worker processes: the same outcome as threads, with more than one core."""

import functools
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from gridcollect import logs
from gridcollect.datasets import get
from gridcollect.digest import sha256_of
from gridcollect.errors import BackendUnavailable
from gridcollect.model import Slot
from gridcollect.replay import Reply
from gridcollect.runs import burst_processes
from gridcollect.runs.burst import Job, collect_many
from gridcollect.runs.burst_processes import WorkerDied, start_method, threads_per_process
from gridcollect.samples import sample
from gridcollect.secrets import register_secret
from gridcollect.settings import BackendSettings, HttpSettings, Settings

from ..reliability.faults import when_asked
from ..reliability.state import assert_consistent, local_state
from ..support.toy import NO_PLACEHOLDER, TOY
from .test_burst import PATH, START, jobs, notifications, settings_for, unique_content

LOAD = "/RealTimeTotalLoad"
WAIT_SECONDS = 60  # bounds every burst a test runs in a thread: a hang fails, never blocks


@pytest.fixture
def fork(monkeypatch):
    """Fork workers although the replay server's threads run in this process: the
    children never touch what those threads hold."""
    monkeypatch.setattr(burst_processes, "START_METHOD", "fork")


@pytest.fixture
def spawn(monkeypatch):
    monkeypatch.setattr(burst_processes, "START_METHOD", "spawn")


def note_pid(path, moment=lambda: datetime.now(UTC)):
    """A ``now`` that also notes which process called it (module level: spawn pickles it)."""
    with open(path, "a") as notes:
        notes.write(f"{os.getpid()}\n")
    return moment()


def pids_in(path):
    return set(path.read_text().split())


def load_jobs(count):
    """Jobs of a registered dataset, which spawned workers can find by name."""
    dataset = get("miso_realtime_total_load")
    return [Job(dataset, Slot(START + timedelta(minutes=5 * i))) for i in range(count)]


def unique_load(server, *, delay=0.0):
    seeds = iter(range(10_000))
    server.set_publisher(LOAD, lambda: Reply(
        body=sample("RealTimeTotalLoad", "wire", START, seed=next(seeds)),
        delay_seconds=delay))


def in_thread(action):
    """Run ``action`` in a thread and return what it returned or raised, within a bound."""
    outcome = {}

    def run():
        try:
            outcome["value"] = action()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT_SECONDS)
    assert not thread.is_alive(), "the burst hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_two_processes_store_what_threads_store(fork, server, tmp_path):
    """Twenty distinct snapshots: the same keys, notifications and reports as threads."""
    unique_content(server)
    [threaded] = collect_many(jobs(20), settings_for(server, tmp_path / "threads"),
                              concurrency=4)
    [report] = collect_many(jobs(20), settings_for(server, tmp_path / "processes"),
                            concurrency=4, processes=2)
    assert report.as_dict() == threaded.as_dict()
    assert (report.collected, report.failed, report.notifications_pending) == (20, 0, 0)
    assert len(set(report.stored)) == 20 and len(server.requests_for(PATH)) == 40
    announced = [n["urn"].rpartition(":")[2] for n in notifications(tmp_path / "processes")]
    assert sorted(announced) == report.stored


def test_the_work_is_shared_by_the_worker_processes(fork, server, tmp_path):
    """Each worker process collects some of the snapshots; the caller collects none."""
    unique_content(server, delay=0.05)
    notes = tmp_path / "pids"
    collect_many(jobs(20), settings_for(server, tmp_path), concurrency=4, processes=2,
                 now=functools.partial(note_pid, notes))
    workers = pids_in(notes)
    assert len(workers) == 2 and str(os.getpid()) not in workers


def test_processes_are_capped_at_the_concurrency(fork, server, tmp_path):
    """Sixteen processes for two snapshots at a time: two processes."""
    unique_content(server, delay=0.05)
    notes = tmp_path / "pids"
    collect_many(jobs(8), settings_for(server, tmp_path), concurrency=2, processes=16,
                 now=functools.partial(note_pid, notes))
    assert len(pids_in(notes)) == 2


@pytest.mark.parametrize(("concurrency", "processes", "threads"), [
    (4, 2, [2, 2]), (5, 2, [3, 2]), (2, 2, [1, 1]), (7, 3, [3, 2, 2]),
])
def test_the_concurrency_is_split_among_the_processes(concurrency, processes, threads):
    """As evenly as possible, at least one thread each."""
    assert threads_per_process(concurrency, processes) == threads


def test_identical_content_is_stored_once(fork, server, tmp_path):
    """Workers of different processes fetching one snapshot store it once."""
    server.set(PATH, Reply(body={"value": 7}))
    [report] = collect_many(jobs(12), settings_for(server, tmp_path), concurrency=6,
                            processes=3)
    assert (report.collected, report.skipped_duplicate) == (1, 11)
    assert len(notifications(tmp_path)) == 1


def test_failed_jobs_are_reported_and_others_stored(fork, server, tmp_path):
    """A job whose fetch fails is recorded against its slot; the burst goes on."""
    server.set(PATH, Reply(body={"value": 1}), Reply(status=503), Reply(body={"value": 2}))
    [report] = collect_many(jobs(3), settings_for(server, tmp_path), concurrency=2,
                            processes=2)
    assert (report.collected, report.failed) == (2, 1)
    assert "HTTP 503" in report.errors[0]["error"]


def test_reports_come_per_dataset_in_order_of_first_appearance(fork, server, tmp_path):
    """Jobs of several datasets give one merged report each."""
    unique_content(server)
    mixed = [Job(NO_PLACEHOLDER if i % 2 == 0 else TOY, job.slot)
             for i, job in enumerate(jobs(6))]
    reports = collect_many(mixed, settings_for(server, tmp_path), concurrency=3, processes=3)
    assert [r.dataset for r in reports] == ["toy_strict", "toy_feed"]
    assert [r.collected for r in reports] == [3, 3]


@pytest.mark.servers
@pytest.mark.parametrize("processes", [1, 2])
def test_redis_going_down_mid_burst_stops_it_with_the_outage(
    fork, server, tmp_path, start_redis_server, processes
):
    """Threads or processes: the first outage is raised once every worker has stopped."""
    redis = start_redis_server()
    server.set_publisher(PATH, when_asked(redis.stop, Reply(body={"value": 1},
                                                            delay_seconds=0.05)))
    settings = Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                        backends=BackendSettings(output_dir=tmp_path, redis_url=redis.url))
    with pytest.raises(BackendUnavailable, match=f"{redis.host}:{redis.port}"):
        in_thread(lambda: collect_many(jobs(40), settings, concurrency=4,
                                       processes=processes))
    assert len(server.requests_for(PATH)) < 40  # stopped, not run to the end
    assert multiprocessing.active_children() == []


class ZoneFeed:
    """A real HTTP server answering ``/Toy/Feed?zone=Z<n>`` with ``{"value": n}`` after a
    short delay: the same snapshot for the same job, run after run."""

    def __init__(self):
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                zone = parse_qs(urlsplit(self.path).query)["zone"][0]
                time.sleep(0.02)
                body = json.dumps({"value": int(zone[1:])}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._httpd.server_port}"

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


def zone_jobs(count):
    return [Job(TOY, Slot(START, {"zone": f"Z{n}"})) for n in range(count)]


def hold_before_registering(flag, moment=lambda: datetime.now(UTC)):
    """A ``now`` that, in the first worker to reach its first registration, notes its pid
    and stops there: the object is stored and announced, the claim not yet registered."""
    calls = hold_before_registering.calls = getattr(hold_before_registering, "calls", 0) + 1
    if calls == 2:  # the first call stamps the fetch, the second the registration
        try:
            fd = os.open(flag, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return moment()  # another worker holds already
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        time.sleep(WAIT_SECONDS)
    return moment()


def test_a_killed_worker_stops_the_burst_and_the_next_run_completes_it(fork, tmp_path):
    """A worker killed while holding a claim: a clear error, no hang; the next run
    recovers its object and collects the rest, storing each snapshot once."""
    feed = ZoneFeed()
    settings = Settings(http=HttpSettings(api_base_url=feed.url, max_retries=0),
                        backends=BackendSettings(output_dir=tmp_path))
    flag = tmp_path / "holding"

    def kill_the_holder():
        deadline = time.monotonic() + WAIT_SECONDS
        while not (flag.exists() and flag.read_text()) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(int(flag.read_text()), signal.SIGKILL)

    try:
        killer = threading.Thread(target=kill_the_holder, daemon=True)
        killer.start()
        with pytest.raises(WorkerDied, match=r"exit code -9: killed by SIGKILL"):
            # One thread per process, so a process's second call of now() registers.
            in_thread(lambda: collect_many(zone_jobs(16), settings, concurrency=2,
                                           processes=2,
                                           now=functools.partial(hold_before_registering, flag)))
        assert multiprocessing.active_children() == []

        [report] = in_thread(lambda: collect_many(zone_jobs(16), settings, concurrency=4,
                                                  processes=2))
    finally:
        feed.close()
    assert report.recovered == 1 and report.failed == 0
    assert report.collected + report.skipped_duplicate == 16
    assert_consistent(local_state(tmp_path), TOY, {sha256_of({"value": n}) for n in range(16)})


def test_an_error_in_a_worker_is_raised_with_its_message(fork, server, tmp_path):
    """An unexpected exception in a worker process reaches the caller, not swallowed."""
    unique_content(server)

    def broken_clock():
        raise RuntimeError("the clock broke")

    with pytest.raises(RuntimeError, match="the clock broke") as raised:
        collect_many(jobs(4), settings_for(server, tmp_path), concurrency=2, processes=2,
                     now=broken_clock)
    assert any("raised in worker process" in note for note in raised.value.__notes__)


def test_spawned_workers_store_what_threads_store(spawn, server, tmp_path):
    """With spawn (a fresh interpreter per worker) the outcome is the same."""
    unique_load(server, delay=0.1)  # longer than the gap between the workers' start-ups
    notes = tmp_path / "pids"
    [threaded] = collect_many(load_jobs(16), settings_for(server, tmp_path / "threads"),
                              concurrency=4)
    [report] = in_thread(lambda: collect_many(
        load_jobs(16), settings_for(server, tmp_path / "processes"), concurrency=4,
        processes=2, now=functools.partial(note_pid, notes)))
    assert report.as_dict() == threaded.as_dict() and report.collected == 16
    assert len(notifications(tmp_path / "processes")) == 16
    assert len(pids_in(notes)) == 2 and str(os.getpid()) not in pids_in(notes)


@pytest.fixture
def json_logs():
    """Logging set up by :func:`logs.configure` for one test, then put back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    logs.configure("INFO", "json")
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_spawned_workers_log_like_the_caller_and_mask_its_secrets(
    spawn, server, tmp_path, json_logs, capfd, monkeypatch
):
    """Their log lines come in the caller's format, with credentials masked: those of
    the environment and those the caller registered (from its options)."""
    secret, registered = "zsecret-access-key-42", "zregistered-by-the-caller-7"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    register_secret(registered)
    unique_load(server)
    settings = settings_for(server, tmp_path / secret / registered)  # in every "stored" line
    in_thread(lambda: collect_many(load_jobs(4), settings, concurrency=2, processes=2))
    stored = [json.loads(line) for line in capfd.readouterr().err.splitlines()
              if "stored" in line]
    assert len(stored) == 4
    assert all("/***/***/" in entry["message"] and secret not in entry["message"]
               and registered not in entry["message"] for entry in stored)


def test_spawn_refuses_what_it_cannot_send(spawn, server, tmp_path):
    """Unregistered datasets and a lambda for ``now`` are refused before any work."""
    unique_content(server)
    with pytest.raises(ValueError, match="toy_feed is not a registered dataset"):
        collect_many(jobs(2), settings_for(server, tmp_path), processes=2)
    with pytest.raises(ValueError, match="module-level function"):
        collect_many(load_jobs(2), settings_for(server, tmp_path), processes=2,
                     now=lambda: datetime.now(UTC))
    assert server.requests == [] and multiprocessing.active_children() == []


def test_workers_are_spawned_while_other_threads_run(server, monkeypatch):
    """A fork would copy locks other threads hold (the replay server runs threads here)."""
    monkeypatch.setattr(burst_processes, "START_METHOD", None)
    assert threading.active_count() > 1 and start_method() == "spawn"


@pytest.mark.parametrize("processes", [0, 17])
def test_processes_are_bounded(server, tmp_path, processes):
    """Zero processes or more than sixteen is refused."""
    with pytest.raises(ValueError):
        collect_many(jobs(1), settings_for(server, tmp_path), processes=processes)
