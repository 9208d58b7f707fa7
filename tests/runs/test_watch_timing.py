"""Adversarial publication timings, on a simulated clock driving the real watch worker.

The real :class:`Worker` and :class:`Cursor` poll a real local server, on real backends;
only time is simulated (five-minute cadence, the 60 s request floor, an offset of 90 s),
so a day of timings runs in a second. The stand-in publishes MISO-shaped total-load
snapshots whose ``RefId`` advances by five minutes with each publication; a revision
keeps the ``RefId`` and changes the values. For every timing: every stored key is its
content's as-of instant, every publication that stayed visible stored exactly once,
and requests per snapshot within bounds.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from gridcollect import datasets, keys
from gridcollect.digest import sha256_of
from gridcollect.metrics import WatchMetrics
from gridcollect.replay import ReplayServer, Reply
from gridcollect.runs.watch import Target, Worker
from gridcollect.runs.watch_timing import Cursor, Timing
from gridcollect.samples import sample
from gridcollect.settings import BackendSettings, HttpSettings, Settings

LOAD = datasets.get("miso_realtime_total_load")
C, P, OFF, F = 300.0, 60.0, 90.0, 60.0  # cadence, usual publication, --offset, floor
B = 5_900_000  # the slot the runs start in (any will do: nothing compares with it)
BASE = datetime(2026, 3, 2, 12, tzinfo=UTC)
VISIBLE = 0.3 * C  # a publication current this long must be captured

Publication = tuple[float, int, int]  # (published at, number: RefId step, revision seed)


@lru_cache(maxsize=256)
def payload(number: int, seed: int) -> Any:
    return sample("RealTimeTotalLoad", "wire", BASE + timedelta(minutes=5 * number), seed)


@dataclass
class Feed:
    """The MISO stand-in: serves the latest publication at the simulated time, answers
    500 while down, and logs every request with what it served."""

    clock: list[float]
    publications: list[Publication]
    down: list[tuple[float, float]] = field(default_factory=list)
    log: list[tuple[float, tuple[int, int] | None]] = field(default_factory=list)

    def current(self, at: float) -> tuple[int, int] | None:
        shown = [(n, s) for t, n, s in sorted(self.publications) if t <= at]
        return shown[-1] if shown else None

    def is_down(self, at: float) -> bool:
        return any(a <= at < b for a, b in self.down)

    def __call__(self) -> Reply:
        now = self.clock[0]
        if self.is_down(now):
            self.log.append((now, None))
            return Reply(status=500, body={"error": "down"})
        shown = self.current(now)
        assert shown is not None, "the feed had nothing to serve yet"
        self.log.append((now, shown))
        return Reply(body=payload(*shown))

    def must_capture(self, start: float, end: float) -> set[tuple[int, int]]:
        """Publications current when the watch started, or for ``VISIBLE`` seconds
        while the endpoint was up (before the last cadence of the run)."""
        times = sorted(self.publications)
        found = set()
        for i, (t, n, s) in enumerate(times):
            until = times[i + 1][0] if i + 1 < len(times) else end
            lo, hi = max(t, start), min(until, end - C)
            up = _length(lo, hi) - sum(_length(max(lo, a), min(hi, b)) for a, b in self.down)
            if (t <= start < until and not self.is_down(start)) or up >= VISIBLE:
                found.add((n, s))
        return found

    def ratio(self, lo: float, hi: float) -> float:
        """Requests answered in ``[lo, hi)`` per distinct publication they served."""
        answered = [shown for t, shown in self.log if lo <= t < hi and shown is not None]
        return len(answered) / max(len(set(answered)), 1)


def _length(lo: float, hi: float) -> float:
    return max(0.0, hi - lo)


def regular(first: int = -2, last: int = 24, at: float = P) -> list[Publication]:
    """One publication per slot, ``at`` seconds in, numbered on from 0."""
    return [((B + k) * C + at, k - first, 0) for k in range(first, last)]


def when(slot: int, seconds: float) -> float:
    """``seconds`` into slot ``slot`` of the run."""
    return (B + slot) * C + seconds


@dataclass
class Run:
    feed: Feed
    start: float
    end: float
    root: Path

    def stored(self) -> dict[str, Any]:
        """Stored key (under the prefix) -> payload."""
        base = self.root / "sourcing"
        return {str(p.relative_to(base)): LOAD.unwrap(json.loads(gzip.decompress(p.read_bytes())))
                for p in sorted((base / LOAD.name).rglob("*.json.gz"))}


def watch(tmp_path: Path, publications: list[Publication], *, start: float,
          slots: int = 20, down: list[tuple[float, float]] | None = None,
          offset: float = OFF, floor: float = F) -> Run:
    """Run the real worker over ``slots`` simulated slots from ``start``."""
    clock = [start]
    feed = Feed(clock, publications, down or [])
    end = start + slots * C
    stop = threading.Event()

    def wait(seconds: float) -> bool:
        clock[0] += seconds
        if clock[0] >= end:
            stop.set()
        return stop.is_set()

    root = tmp_path / "out"
    with ReplayServer() as server:
        server.set_publisher("/RealTimeTotalLoad", feed)
        settings = Settings(
            http=HttpSettings(api_base_url=server.url, timeout_seconds=5.0, max_retries=0),
            backends=BackendSettings(output_dir=root))
        timing = Timing.for_cadence(C, offset=offset, floor=floor)
        worker = Worker(Target(LOAD, timing), settings, stop=stop,
                        metrics=WatchMetrics(clock=lambda: clock[0]),
                        flush_lock=threading.Lock(), clock=lambda: clock[0], wait=wait)
        worker.run()
    return Run(feed, start, end, root)


def check(run: Run, *, steady: float = 1.3, overall: float = 2.0) -> None:
    """Keys are as-of instants; visible publications stored once; requests economical."""
    stored = run.stored()
    for key, content in stored.items():
        expected = keys.render(LOAD.key_template, LOAD.as_of(content), {})
        stem = expected.removesuffix(".json.gz")
        assert re.fullmatch(re.escape(stem) + r"(_\d+)?\.json\.gz", key), (key, expected)
    digests = [sha256_of(content) for content in stored.values()]
    assert len(digests) == len(set(digests)), "a snapshot was stored twice"
    wanted = run.feed.must_capture(run.start, run.end)
    missing = sorted(p for p in wanted if sha256_of(payload(*p)) not in digests)
    assert not missing, f"publications never stored: {missing}"
    served = {sha256_of(payload(*shown)) for _, shown in run.feed.log if shown}
    assert set(digests) <= served
    assert run.feed.ratio(run.start, run.end) <= overall
    assert run.feed.ratio(run.end - 10 * C, run.end) <= steady


# -- the timings -------------------------------------------------------------------


def test_regular_publications_cost_one_request_each(tmp_path):
    """Publications 60 s into each slot, --offset 90 s: one request per snapshot."""
    run = watch(tmp_path, regular(), start=when(0, 100))
    check(run)
    assert run.feed.ratio(when(1, 0), run.end) == 1.0


@pytest.mark.parametrize("lateness", [0.8, 1.1])
def test_a_late_publication(tmp_path, lateness):
    """One publication 80 % or 110 % of a cadence into its slot (the next one, held up
    behind it, follows half a slot later): both stored, each under its own time."""
    publications = regular()
    late = next(i for i, (t, _, _) in enumerate(publications) if t == when(6, P))
    publications[late] = (when(6, lateness * C), *publications[late][1:])
    follower = publications[late + 1]
    publications[late + 1] = (max(follower[0], when(6, lateness * C + 0.4 * C)),
                              *follower[1:])
    check(watch(tmp_path, publications, start=when(0, 100)))


def test_an_early_publication(tmp_path):
    """One publication out before its slot starts (an old one coming back is in the
    A-B-A test): stored once, under its own time, and the next one too."""
    publications = regular()
    early = next(i for i, (t, _, _) in enumerate(publications) if t == when(6, P))
    publications[early] = (when(5, 270), *publications[early][1:])
    check(watch(tmp_path, publications, start=when(0, 100)))


def test_a_mid_slot_revision_seen_before_the_next_publication(tmp_path):
    """A revision (same RefId, new values) mid-slot, still current at the next expected
    poll because the next publication is late: stored beside the original under the
    same time, and the late publication after it is still caught."""
    publications = regular()
    number = next(n for t, n, _ in publications if t == when(6, P))
    publications.append((when(6, 200), number, 1))
    nxt = next(i for i, (t, _, _) in enumerate(publications) if t == when(7, P))
    publications[nxt] = (when(7, 200), *publications[nxt][1:])
    run = watch(tmp_path, publications, start=when(0, 100))
    check(run)
    time = keys.render(LOAD.key_template, LOAD.as_of(payload(number, 1)), {})
    assert {time, time.replace(".json.gz", "_2.json.gz")} <= set(run.stored())


def test_an_a_b_a_revert(tmp_path):
    """A, then B, then A again, then B revised, then the next one: A and B stored once
    each, the revision beside B under B's time, the next one under its own."""
    publications = [p for p in regular() if p[0] != when(8, P)]
    a = next(n for t, n, _ in publications if t == when(6, P))
    publications += [(when(8, 30), a, 0), (when(8, 140), a + 1, 1), (when(8, 240), a + 2, 0)]
    run = watch(tmp_path, publications, start=when(0, 100))
    check(run)
    assert (when(8, OFF), (a, 0)) in run.feed.log  # the revert was what a poll saw
    time = keys.render(LOAD.key_template, LOAD.as_of(payload(a + 1, 1)), {})
    assert time.replace(".json.gz", "_2.json.gz") in run.stored()


@pytest.mark.parametrize("quiet", [1, 2])
def test_quiet_slots(tmp_path, quiet):
    """One or two slots without a publication: the next ones are stored under their own
    times, and polling settles back to one request per snapshot."""
    publications = [(t, n, s) for t, n, s in regular() if not when(6, 0) <= t < when(6 + quiet, 0)]
    publications = [(t, i, s) for i, (t, _, s) in enumerate(publications)]
    check(watch(tmp_path, publications, start=when(0, 100)))


def test_publications_exactly_on_the_boundary(tmp_path):
    """Every publication at the very start of its slot, and --offset 0."""
    check(watch(tmp_path, regular(at=0.0), start=when(0, 100), offset=0.0))


def test_a_publication_exactly_on_the_boundary(tmp_path):
    """One publication lands at the end of its slot, the start of the next."""
    publications = regular()
    late = next(i for i, (t, _, _) in enumerate(publications) if t == when(6, P))
    publications[late] = (when(7, 0), *publications[late][1:])
    publications[late + 1] = (when(7, 150), *publications[late + 1][1:])
    check(watch(tmp_path, publications, start=when(0, 100)))


def test_an_outage_of_two_slots(tmp_path):
    """The endpoint answers 500 for two slots: what was published while it was down is
    lost, everything after is stored, and polling settles (at most 2 requests per
    snapshot over the four slots after the outage)."""
    down = [(when(6, 0), when(8, 30))]
    run = watch(tmp_path, regular(), start=when(0, 100), down=down)
    check(run)
    assert run.feed.ratio(when(8, 30), when(12, 30)) <= 2.0


@pytest.mark.parametrize("phase", [i / 10 for i in range(10)])
def test_start_up_at_any_phase_of_the_slot(tmp_path, phase):
    """Started at ten phases of a slot: the snapshot current at start-up and every later
    one stored under its own time; at most 2 requests per snapshot over the first four
    slots, then one."""
    run = watch(tmp_path, regular(), start=when(0, phase * C))
    check(run)
    assert run.feed.ratio(run.start, run.start + 4 * C) <= 2.0


def test_the_request_floor_holds_between_any_two_requests(tmp_path):
    """Re-polls included, no two requests are less than the floor apart."""
    publications = regular()
    late = next(i for i, (t, _, _) in enumerate(publications) if t == when(6, P))
    publications[late] = (when(6, 280), *publications[late][1:])
    run = watch(tmp_path, publications, start=when(0, 100), down=[(when(10, 0), when(11, 0))])
    times = [t for t, _ in run.feed.log]
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= F


# -- the cursor alone --------------------------------------------------------------


SLOT = B * C
TIMING = Timing.for_cadence(C, offset=OFF, floor=F)


def test_delays_are_fractions_of_the_cadence_and_the_floor_holds():
    """Re-polls start at 5 % of the cadence, double, and stop growing at 25 %; the floor
    raises any shorter wait."""
    assert [TIMING.delay(n) for n in range(5)] == [15, 30, 60, 75, 75]
    cursor = Cursor(TIMING, SLOT + OFF)
    assert cursor.record("new", SLOT + OFF, SLOT + OFF) == SLOT + OFF + F  # not + 15


def test_once_found_the_next_poll_is_the_next_expected_publication():
    """After the slot's publication (and at start-up the one before), nothing until the
    next slot's expected publication."""
    cursor = Cursor(TIMING, SLOT + 100)
    assert cursor.record("new", SLOT + 100, SLOT + 100) == SLOT + 160  # start-up caution
    assert cursor.record("new", SLOT + 160, SLOT + 160) == SLOT + C + OFF
    assert cursor.record("new", SLOT + C + OFF, SLOT + C + OFF) == SLOT + 2 * C + OFF


def test_start_up_caution_ends_with_its_slot():
    """At start-up the slot before is sought too, but only until the slot ends."""
    cursor = Cursor(TIMING, SLOT + 250)
    assert cursor.record("new", SLOT + 250, SLOT + 250) == SLOT + C + OFF


def test_a_slot_without_its_publication_is_carried_one_slot():
    """A slot that ends without its publication is still sought in the next one: after
    the next one's own is found, polling goes on until the carried one is too."""
    cursor = Cursor(TIMING, SLOT + OFF)
    cursor.record("new", SLOT + OFF, SLOT + OFF)
    assert cursor.record("new", SLOT + OFF + F, SLOT + OFF + F) == SLOT + C + OFF
    cursor.record("unchanged", SLOT + C + OFF, SLOT + C + OFF)
    assert cursor.record("unchanged", SLOT + C + 250, SLOT + C + 250) == SLOT + 2 * C + 10
    assert cursor.record("new", SLOT + 2 * C + 10, SLOT + 2 * C + 10) == SLOT + 2 * C + 70
    assert cursor.seeking == 1
    assert cursor.record("new", SLOT + 2 * C + 70, SLOT + 2 * C + 70) == SLOT + 3 * C + OFF


def test_a_revision_does_not_end_the_search():
    """``unchanged`` (a revision included) keeps re-polling until the as-of moves on."""
    cursor = Cursor(TIMING, SLOT + C - 10)
    cursor.record("new", SLOT + C - 10, SLOT + C - 10)
    cursor.record("unchanged", SLOT + C + OFF, SLOT + C + OFF)
    assert cursor.due == SLOT + C + OFF + F


def test_failures_back_off_across_slots_until_a_success():
    """Failure delays grow across slot boundaries, but the next expected publication is
    still tried at once."""
    cursor = Cursor(TIMING, SLOT + OFF)
    assert cursor.record("failed", SLOT + OFF, SLOT + OFF) == SLOT + OFF + F
    assert cursor.record("failed", SLOT + 150, SLOT + 150) == SLOT + 210  # 30 s, floored
    assert cursor.record("failed", SLOT + 210, SLOT + 210) == SLOT + 270
    assert cursor.record("failed", SLOT + 270, SLOT + 270) == SLOT + 345
    assert cursor.record("failed", SLOT + 330, SLOT + 330) == SLOT + C + OFF  # not + 75
    assert cursor.consecutive_failures == 5
    cursor.record("unchanged", SLOT + C + OFF, SLOT + C + OFF)
    assert cursor.consecutive_failures == 0


def test_impossible_timings_are_refused():
    """A negative floor, like a cadence that is not positive, is refused."""
    for bad in ({"floor": -1.0}, {"offset": C}):
        with pytest.raises(ValueError):
            Timing.for_cadence(C, **bad)  # type: ignore[arg-type]

