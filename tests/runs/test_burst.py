"""Bursts: many snapshots through the pipeline by a bounded pool of workers."""

import itertools
import json
import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from gridcollect.errors import BackendUnavailable
from gridcollect.model import Slot
from gridcollect.replay import Reply
from gridcollect.runs import burst_processes
from gridcollect.runs.burst import Job, collect_many, current_slot
from gridcollect.settings import BackendSettings, HttpSettings, Settings

from ..support.toy import TOY

PATH = "/Toy/Feed"
START = datetime(2025, 12, 5, 12, 0, tzinfo=UTC)


def unique_content(server, *, delay=0.0):
    counter = itertools.count()
    server.set_publisher(PATH, lambda: Reply(body={"value": next(counter)}, delay_seconds=delay))


def jobs(count):
    return [Job(TOY, Slot(START + timedelta(minutes=5 * i), {"zone": "EAST"}))
            for i in range(count)]


def settings_for(server, tmp_path):
    return Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                    backends=BackendSettings(output_dir=tmp_path))


def notifications(tmp_path):
    path = tmp_path / ".gridcollect" / "notifications.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_distinct_snapshot_is_stored_and_announced_once(server, tmp_path):
    """Twenty jobs, four workers: twenty objects, twenty notifications, one report."""
    unique_content(server)
    [report] = collect_many(jobs(20), settings_for(server, tmp_path), concurrency=4)
    assert (report.collected, report.failed, report.notifications_pending) == (20, 0, 0)
    assert report.stored == sorted(report.stored) and len(set(report.stored)) == 20
    assert len(server.requests_for(PATH)) == 20
    assert sorted(n["urn"].rpartition(":")[2] for n in notifications(tmp_path)) == report.stored


def test_identical_content_is_stored_once(server, tmp_path):
    """Workers fetching the same snapshot at once store it once; the rest are duplicates."""
    server.set(PATH, Reply(body={"value": 7}))
    [report] = collect_many(jobs(12), settings_for(server, tmp_path), concurrency=6)
    assert (report.collected, report.skipped_duplicate) == (1, 11)
    assert len(notifications(tmp_path)) == 1


def test_no_more_requests_are_in_flight_than_the_concurrency(server, tmp_path):
    """With slow answers, four workers start four requests, and the fifth waits for one."""
    unique_content(server, delay=0.3)
    collect_many(jobs(8), settings_for(server, tmp_path), concurrency=4)
    arrivals = sorted(r.received_at for r in server.requests_for(PATH))
    assert arrivals[3] - arrivals[0] < 0.2  # the first four together
    assert arrivals[4] - arrivals[0] >= 0.25  # the fifth once an answer came


def test_failed_jobs_are_reported_and_others_stored(server, tmp_path):
    """A job whose fetch fails is recorded against its slot; the burst goes on."""
    server.set(PATH, Reply(body={"value": 1}), Reply(status=503), Reply(body={"value": 2}))
    [report] = collect_many(jobs(3), settings_for(server, tmp_path), concurrency=1)
    assert (report.collected, report.failed) == (2, 1)
    assert "HTTP 503" in report.errors[0]["error"]


def test_reports_come_per_dataset_in_order_of_first_appearance(server, tmp_path):
    """Jobs of several datasets give one merged report each."""
    from ..support.toy import NO_PLACEHOLDER

    unique_content(server)
    mixed = [Job(dataset, job.slot) for job, dataset in
             zip(jobs(6), itertools.cycle((NO_PLACEHOLDER, TOY)), strict=False)]
    reports = collect_many(mixed, settings_for(server, tmp_path), concurrency=3)
    assert [r.dataset for r in reports] == ["toy_strict", "toy_feed"]
    assert [r.collected for r in reports] == [3, 3]


@pytest.mark.parametrize("processes", [1, 2])
def test_an_unusable_registry_stops_the_burst_before_any_request(
    server, tmp_path, processes, monkeypatch
):
    """A backend outage is raised, as for a single collect run; worker processes never
    start collecting, and none is left behind."""
    # Forked: the toy datasets are not registered by name, which spawned workers need.
    monkeypatch.setattr(burst_processes, "START_METHOD", "fork")
    unique_content(server)
    (tmp_path / "state").write_text("not a directory")
    settings = Settings(http=HttpSettings(api_base_url=server.url),
                        backends=BackendSettings(output_dir=tmp_path,
                                                 state_dir=tmp_path / "state"))
    with pytest.raises(BackendUnavailable):
        collect_many(jobs(3), settings, concurrency=2, processes=processes)
    assert server.requests_for(PATH) == []
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("concurrency", [0, 65])
def test_concurrency_is_bounded(server, tmp_path, concurrency):
    """Zero workers or an unbounded pool is refused."""
    with pytest.raises(ValueError):
        collect_many(jobs(1), settings_for(server, tmp_path), concurrency=concurrency)


def test_the_current_slot_is_aligned_to_the_cadence():
    """12:07:31 falls in the 12:05 slot of five-minute data."""
    assert current_slot(TOY, START + timedelta(minutes=7, seconds=31)) == START + timedelta(
        minutes=5)
