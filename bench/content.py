"""What the benchmark server answers: MISO-shaped total-load payloads, as bytes.

Shared by the server process (which serves them) and the benchmark (which knows, from
the same functions, each snapshot's digest and publication time).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from gridcollect.digest import sha256_of
from gridcollect.samples import sample

ENDPOINT = "RealTimeTotalLoad"
DATASET = "miso_realtime_total_load"
# A late-evening instant: the payload then holds almost a whole day of five-minute rows.
BASE = datetime(2026, 3, 2, 23, 55, tzinfo=UTC)
_MARK = "__bench_counter__"


def payload_at(index: int) -> Any:
    """Snapshot number ``index``: its RefId is five minutes after number ``index - 1``'s,
    so a run's as-of instants only move forward (they wrap once in 100 000 snapshots)."""
    return sample(ENDPOINT, "wire", as_of_at(index))


def as_of_at(index: int) -> datetime:
    """The as-of instant snapshot number ``index`` states (its RefId)."""
    return BASE + timedelta(minutes=5 * (index % 100_000))


@lru_cache(maxsize=512)
def body_at(index: int) -> bytes:
    return json.dumps(payload_at(index), separators=(",", ":")).encode()


def digest_at(index: int) -> str:
    return sha256_of(payload_at(index))


class UniqueBodies:
    """A different valid body for every call, cheaply: one number in a fixed template."""

    def __init__(self) -> None:
        payload = payload_at(0)
        payload["LoadInfo"]["FiveMinTotalLoad"][-1]["Load"]["Value"] = _MARK
        text = json.dumps(payload, separators=(",", ":")).encode()
        self._head, self._tail = text.split(f'"{_MARK}"'.encode())

    def body(self, n: int) -> bytes:
        return b'%s"%d"%s' % (self._head, n, self._tail)


def big_body(size: int) -> bytes:
    """A valid wire-shape payload of about ``size`` bytes: a very long five-minute array."""
    row = '{"Load":{"Time":"%s","Value":"%s"}}'
    rows = []
    total, n = 200, 0
    while total < size:
        text = row % (f"{n // 12 % 24:02d}:{n % 12 * 5:02d}", f"{60000 + n % 30000:,}")
        rows.append(text)
        total += len(text) + 1
        n += 1
    head = ('{"LoadInfo":{"RefId":"02-Mar-2026 - Interval 23:55 EST","ClearedMW":[],'
            '"MediumTermLoadForecast":[],"FiveMinTotalLoad":[')
    return (head + ",".join(rows) + "]}}").encode()


class Schedule:
    """Time-scaled publication: slot ``k`` (``cadence`` seconds long, on the wall clock)
    publishes snapshot ``k`` at ``k * cadence + delay_k``, ``delay_k`` drawn from
    ``[base, base + jitter)`` with a fixed seed."""

    def __init__(self, cadence: float, base: float, jitter: float, seed: int = 0) -> None:
        if base < 0 or base + jitter >= cadence:
            raise ValueError("publications must fall inside their slot")
        self.cadence, self.base, self.jitter, self.seed = cadence, base, jitter, seed

    def published_at(self, k: int) -> float:
        u = random.Random(f"bench|{self.seed}|{k}").random()
        return k * self.cadence + self.base + self.jitter * u

    def current(self, now: float) -> int:
        """The slot whose snapshot is the latest published at ``now``."""
        k = int(now // self.cadence)
        return k if self.published_at(k) <= now else k - 1
