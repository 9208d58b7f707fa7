"""One collect run over a window: past slots collapse, future slots are waited for."""

from datetime import UTC, datetime, timedelta

import pytest

from gridcollect.collect import collect
from gridcollect.errors import BackendUnavailable, ConfigurationError
from gridcollect.replay import ReplayServer, Reply
from gridcollect.settings import BackendSettings, HttpSettings, Settings

from .support.toy import TOY

START = datetime(2025, 12, 5, 12, 0, tzinfo=UTC)


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

    def collected(self, slot, stored_key):
        self.events.append(("collected", slot, stored_key))


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


def settings_for(server, tmp_path, **backend):
    return Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                    backends=BackendSettings(output_dir=tmp_path, **backend))


def test_future_slots_are_waited_for_and_each_new_snapshot_stored(server, tmp_path):
    """A window reaching 10 minutes ahead: one request now, then one per future slot."""
    server.set("/Toy/Feed", Reply(body={"value": 1}), Reply(body={"value": 2}),
               Reply(body={"value": 3}))
    clock, recorder = FakeClock(START + timedelta(seconds=30)), Recorder()
    report = collect(TOY, settings_for(server, tmp_path), start=START,
                     end=START + timedelta(minutes=10), now=clock, sleep=clock.sleep,
                     observer=recorder)
    assert report.collected == 3 and report.total_candidates == 3
    assert [e[0] for e in recorder.events] == ["waiting", "collected"] * 2
    assert recorder.events[0][1:] == (START + timedelta(minutes=5), 1, 2)
    assert clock.now >= START + timedelta(minutes=10)
    assert 560 <= clock.slept <= 580
    assert report.stored[-1].endswith("toy_20251205_121000.json.gz")


def test_unchanged_content_in_later_slots_is_reported_as_duplicates(server, tmp_path):
    """The same snapshot at every slot is stored once."""
    server.set("/Toy/Feed", Reply(body={"value": 1}))
    clock = FakeClock(START)
    report = collect(TOY, settings_for(server, tmp_path), start=START,
                     end=START + timedelta(minutes=10), now=clock, sleep=clock.sleep)
    assert (report.collected, report.skipped_duplicate) == (1, 2)


def test_past_window_warns_that_history_is_unavailable(server, tmp_path):
    """A past window is one request, and the report says history cannot be fetched."""
    server.set("/Toy/Feed", Reply(body={"value": 1}))
    report = collect(TOY, settings_for(server, tmp_path), start=START,
                     end=START + timedelta(hours=1), now=lambda: START + timedelta(days=1))
    assert report.total_candidates == 1 and len(server.requests) == 1
    assert "history is not available" in report.warnings[0]


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
