"""The benchmark's MISO stand-in, run in its own process so it shares no GIL or CPU
accounting with the collector: ``python -m bench.server --mode unique --latency 0.1``.

Prints ``READY <port>`` once listening; ``GET /_bench/stats`` answers the request count,
and, in ``timed`` mode, ``GET /_bench/published`` every snapshot published since the
first request: its digest, the as-of instant it states and when it was published.
Stops on SIGTERM or when its standard input closes (so it never outlives the bench).
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from gridcollect.replay import ReplayServer, Reply

from .content import ENDPOINT, Schedule, UniqueBodies, as_of_at, big_body, body_at, digest_at

STATS = "/_bench/stats"
PUBLISHED = "/_bench/published"


class Timed:
    """Publishes on a :class:`Schedule` and records each publication as it happens (the
    lag of what the collector stored is measured from these records)."""

    def __init__(self, schedule: Schedule, latency: float) -> None:
        self.schedule, self.latency = schedule, latency
        self._lock = threading.Lock()
        self._published: dict[int, dict[str, Any]] = {}
        self._last: int | None = None

    def _publish_until(self, now: float) -> int:
        current = self.schedule.current(now)
        with self._lock:
            first = current if self._last is None else self._last + 1
            for k in range(first, current + 1):
                self._published[k] = {"digest": digest_at(k), "as_of": as_of_at(k).isoformat(),
                                      "published_at": self.schedule.published_at(k)}
            self._last = current if self._last is None else max(self._last, current)
        return current

    def __call__(self) -> Reply:
        return Reply(body=body_at(self._publish_until(time.time())),
                     delay_seconds=self.latency)

    def record(self) -> Reply:
        self._publish_until(time.time())
        with self._lock:
            return Reply(body={"publications": list(self._published.values())})


def _producer(args: argparse.Namespace) -> Callable[[], Reply]:
    delay, framing = args.latency, args.framing
    if args.mode == "identical":
        body = body_at(0)
        return lambda: Reply(body=body, delay_seconds=delay)
    if args.mode == "unique":
        bodies, counter = UniqueBodies(), itertools.count()
        return lambda: Reply(body=bodies.body(next(counter)), delay_seconds=delay)
    if args.mode == "big":
        big = big_body(args.size)
        return lambda: Reply(body=big, delay_seconds=delay, framing=framing)
    return Timed(Schedule(args.cadence, args.delay, args.jitter, args.seed), delay)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    parser.add_argument("--mode", choices=("unique", "identical", "timed", "big"),
                        default="unique")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    parser.add_argument("--cadence", type=float, default=2.0, help="timed: slot length")
    parser.add_argument("--delay", type=float, default=0.4, help="timed: least delay")
    parser.add_argument("--jitter", type=float, default=0.1, help="timed: extra delay, max")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=50_000_000, help="big: body bytes")
    parser.add_argument("--framing", choices=("length", "chunked"), default="length")
    args = parser.parse_args()
    server = ReplayServer()
    producer = _producer(args)
    server.set_publisher(ENDPOINT, producer)
    if isinstance(producer, Timed):
        server.set_publisher(PUBLISHED, producer.record)
    server.set_publisher(STATS, lambda: Reply(
        body={"requests": len(server.requests_for(ENDPOINT))}))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The parent holds our stdin; when it goes away, so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    with server:
        print(f"READY {server.url.rpartition(':')[2]}", flush=True)
        while not stop.wait(0.5):
            pass


if __name__ == "__main__":
    main()


__all__ = ["PUBLISHED", "STATS", "Timed", "main"]
