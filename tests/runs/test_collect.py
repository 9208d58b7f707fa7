"""One collect run over a window: past slots answered by one request now, each future
slot polled until a snapshot as of that slot appears, everything filed under its as-of."""

import gzip
import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from gridcollect.datasets.miso.realtime_total_load import DATASET as LOAD
from gridcollect.errors import BackendUnavailable, ConfigurationError
from gridcollect.replay import ReplayServer, Reply
from gridcollect.runs.collect import collect
from gridcollect.samples import sample
from gridcollect.settings import BackendSettings, HttpSettings, Settings

from ..support.toy import TOY

START = datetime(2025, 12, 5, 12, 0, tzinfo=UTC)
FIVE = timedelta(minutes=5)


class FakeClock:
    """A clock that sleeping moves forward, so windows run instantly."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.slept = 0.0

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += timedelta(seconds=seconds)


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def waiting(self, slot, index, total):
        self.events.append(("waiting", slot, index, total))

    def finished(self, result):
        self.events.append(("finished", result))


class Publisher:
    """A MISO stand-in on the simulated clock: each five-minute interval's snapshot (its
    RefId that interval) is published ``delay`` into the interval; from ``stall`` on,
    nothing new is published. Records the simulated time of every request."""

    def __init__(self, clock: FakeClock, delay: timedelta, stall: datetime | None = None):
        self.clock, self.delay, self.stall = clock, delay, stall
        self.asked: list[datetime] = []

    def __call__(self) -> Reply:
        self.asked.append(self.clock.now)
        published = self.clock.now - self.delay
        if self.stall is not None:
            published = min(published, self.stall)
        return Reply(body=sample("RealTimeTotalLoad", "wire", published))


def settings_for(server, tmp_path, **backend):
    return Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                    backends=BackendSettings(output_dir=tmp_path, **backend))


def load_key(at: datetime) -> str:
    return (f"sourcing/miso_realtime_total_load/{at:%Y/%m/%d}/"
            f"realtime_total_load_{at:%Y%m%d_%H%M%S}.json.gz")


def assert_filed_under_own_as_of(tmp_path, keys):
    """Every stored object's key carries the as-of instant its own payload states."""
    for key in keys:
        envelope = json.loads(gzip.decompress((tmp_path / key).read_bytes()))
        as_of = LOAD.as_of(LOAD.unwrap(envelope))
        assert key == load_key(as_of)
        assert envelope["collection_metadata"]["as_of"].startswith(f"{as_of:%Y-%m-%dT%H:%M:%S}")


def test_every_interval_is_captured_under_its_own_time_once_and_the_last_included(
    server, tmp_path
):
    """12:00-12:20 run at 12:02, MISO publishing 30 % into each interval: five snapshots,
    each under its own as-of instant, none twice, 12:20 included, a minute between polls."""
    clock = FakeClock(START + timedelta(minutes=2))
    publisher = Publisher(clock, delay=0.3 * FIVE)
    server.set_publisher("/RealTimeTotalLoad", publisher)
    recorder = Recorder()
    report = collect(LOAD, settings_for(server, tmp_path), start=START, end=START + 4 * FIVE,
                     now=clock, sleep=clock.sleep, observer=recorder)
    expected = [load_key(START + i * FIVE) for i in range(5)]
    assert report.stored == expected
    assert (report.requested, report.collected, report.skipped_duplicate, report.failed) == (
        5, 5, 0, 0)
    assert_filed_under_own_as_of(tmp_path, report.stored)
    finished = [event[1] for event in recorder.events if event[0] == "finished"]
    assert [(r.slot, r.as_of, r.stored_key) for r in finished] == [
        (START + i * FIVE, START + i * FIVE, expected[i]) for i in range(1, 5)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(publisher.asked)]
    assert min(gaps) >= timedelta(seconds=60)
    assert report.total_candidates == len(publisher.asked) <= 1 + 4 * 3
    assert "already past" in report.warnings[0] and len(report.warnings) == 1


def test_a_slot_whose_snapshot_never_appears_fails_by_name_and_nothing_is_mislabelled(
    server, tmp_path
):
    """MISO stalls at 12:05: the 12:10 slot fails after one cadence with a named reason,
    and the 12:05 snapshot is neither stored again nor filed under 12:10."""
    clock = FakeClock(START + timedelta(minutes=2))
    publisher = Publisher(clock, delay=0.3 * FIVE, stall=START + FIVE)
    server.set_publisher("/RealTimeTotalLoad", publisher)
    recorder = Recorder()
    report = collect(LOAD, settings_for(server, tmp_path), start=START, end=START + 2 * FIVE,
                     now=clock, sleep=clock.sleep, observer=recorder)
    assert report.stored == [load_key(START), load_key(START + FIVE)]
    assert (report.requested, report.collected, report.failed, report.exit_code) == (3, 2, 1, 1)
    [error] = report.errors
    assert error["candidate"] == "miso_realtime_total_load@2025-12-05T12:10:00+00:00"
    assert error["error"].startswith(
        "no snapshot as of 2025-12-05T12:10:00Z or later appeared by 2025-12-05T12:15:00Z")
    assert "still served the snapshot as of 2025-12-05T12:05:00Z" in error["error"]
    assert publisher.asked[-1] <= START + 3 * FIVE
    assert recorder.events[-1][1].failure == error["error"]
    assert_filed_under_own_as_of(tmp_path, report.stored)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json.gz")) == (
        report.stored)


def test_a_late_publication_is_stored_under_its_own_older_time_not_the_awaited_slot(
    server, tmp_path
):
    """Published at 110 % of the cadence, each snapshot shows up while the next slot is
    awaited: it is kept under its own time and the slots it did not reach fail."""
    clock = FakeClock(START + timedelta(minutes=7))
    publisher = Publisher(clock, delay=1.1 * FIVE)
    server.set_publisher("/RealTimeTotalLoad", publisher)
    report = collect(LOAD, settings_for(server, tmp_path), start=START, end=START + 2 * FIVE,
                     now=clock, sleep=clock.sleep)
    # 12:00 and 12:05 are past; 12:05's snapshot appears while 12:10 is awaited, and
    # 12:10's only after its deadline.
    assert report.stored == [load_key(START), load_key(START + FIVE)]
    assert_filed_under_own_as_of(tmp_path, report.stored)
    assert (report.collected, report.failed) == (2, 1)
    assert "still served the snapshot as of 2025-12-05T12:05:00Z" in report.errors[0]["error"]


def test_future_slots_of_a_feed_without_time_are_keyed_by_the_collection_time(server, tmp_path):
    """A payload without an as-of instant: the collection time floored to the cadence."""
    server.set("/Toy/Feed", Reply(body={"value": 1}), Reply(body={"value": 2}),
               Reply(body={"value": 3}))
    clock, recorder = FakeClock(START + timedelta(seconds=30)), Recorder()
    report = collect(TOY, settings_for(server, tmp_path), start=START,
                     end=START + 2 * FIVE, now=clock, sleep=clock.sleep, observer=recorder)
    assert report.collected == 3 and report.total_candidates == 3 and report.requested == 3
    assert [e[0] for e in recorder.events] == ["waiting", "finished"] * 2
    assert recorder.events[0][1:] == (START + FIVE, 1, 2)
    assert report.stored == [
        f"sourcing/toy_feed/2025/12/toy_{START + i * FIVE:%Y%m%d_%H%M%S}.json.gz"
        for i in range(3)]


def test_unchanged_content_in_later_slots_is_reported_as_duplicates(server, tmp_path):
    """The same snapshot at every slot is stored once."""
    server.set("/Toy/Feed", Reply(body={"value": 1}))
    clock = FakeClock(START)
    report = collect(TOY, settings_for(server, tmp_path), start=START,
                     end=START + 2 * FIVE, now=clock, sleep=clock.sleep)
    assert (report.collected, report.skipped_duplicate) == (1, 2)


def test_a_past_window_warns_naming_the_range_and_the_as_of_stored(server, tmp_path):
    """A past window is one request; the warning names the slots asked for and the
    as-of instant actually stored, and the summary carries it."""
    server.set("/RealTimeTotalLoad", Reply(body=sample("RealTimeTotalLoad", "wire", START)))
    report = collect(LOAD, settings_for(server, tmp_path), start=START,
                     end=START + timedelta(hours=1), now=lambda: START + timedelta(days=1))
    assert report.total_candidates == 1 and len(server.requests) == 1
    assert report.requested == 13 and report.stored == [load_key(START)]
    [warning] = report.warnings
    assert "13 slots from 2025-12-05T12:00:00Z to 2025-12-05T13:00:00Z" in warning
    assert "as of 2025-12-05T12:00:00Z" in warning and "history is not available" in warning
    assert report.as_dict()["warnings"] == [warning]


def test_one_past_slot_is_warned_about_too(server, tmp_path):
    """A window of one past slot stores the current snapshot under its own time, and says so."""
    server.set("/RealTimeTotalLoad", Reply(body=sample("RealTimeTotalLoad", "wire", START)))
    day = datetime(2020, 1, 1, tzinfo=UTC)
    report = collect(LOAD, settings_for(server, tmp_path), start=day, end=day,
                     now=lambda: START + timedelta(minutes=1))
    assert report.stored == [load_key(START)]
    [warning] = report.warnings
    assert "slot 2020-01-01T00:00:00Z, already past" in warning
    assert "as of 2025-12-05T12:00:00Z" in warning


def test_windowed_dataset_without_a_window_is_a_configuration_error(server, tmp_path):
    """The window is required for datasets that declare one."""
    with pytest.raises(ConfigurationError, match="--start"):
        collect(TOY, settings_for(server, tmp_path))


def test_unusable_state_directory_stops_the_run_before_fetching(server, tmp_path):
    """A state directory that cannot be created is a backend error, and nothing is fetched."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BackendUnavailable):
        collect(TOY, settings_for(server, tmp_path, state_dir=blocker / "state"), start=START,
                end=START, now=lambda: START)
    assert server.requests == []


def test_a_collect_run_records_the_newest_as_of_instant_it_stored(tmp_path):
    """status learns the as-of instant of what a one-shot collect stored, not only watch."""
    from gridcollect.activity import read_activity
    from gridcollect.datasets.miso.binding_constraints_reserve import DATASET as RESERVE
    from gridcollect.replay import Reply
    from gridcollect.runs.collect import collect as run_collect
    from gridcollect.settings import BackendSettings, HttpSettings, Settings

    body = {"RefId": "05-Dec-2025 - Interval 07:00 EST", "Constraint": []}
    with ReplayServer({"/BindingConstraints/Reserve": Reply(body=body)}) as miso:
        settings = Settings(http=HttpSettings(api_base_url=miso.url),
                            backends=BackendSettings(output_dir=tmp_path))
        report = run_collect(RESERVE, settings)
    assert report.collected == 1
    recorded = read_activity(tmp_path / ".gridcollect")[RESERVE.name]
    assert recorded.newest_as_of == datetime(2025, 12, 5, 12, 0, tzinfo=UTC)
