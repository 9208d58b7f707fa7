"""Helpers for the export tests: recorded payloads, tabulation, and stores filled by the
real pipeline from generated samples on a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gridcollect import datasets
from gridcollect.model import Dataset, TableContext
from gridcollect.replay import ReplayServer, Reply
from gridcollect.runs.collect import collect
from gridcollect.samples import sample
from gridcollect.settings import BackendSettings, HttpSettings, Settings

REPO = Path(__file__).resolve().parents[2]
WIRE = REPO.parent / "shared" / "fixtures" / "miso" / "wire"
ENDPOINTS = {
    "miso_realtime_total_load": "RealTimeTotalLoad",
    "miso_csat_supply_demand": "CsatSupplyDemand",
    "miso_binding_constraints_reserve": "BindingConstraints/Reserve",
}


def wire(name: str) -> Any:
    """A recorded MISO response, read from the shared fixtures (never copied)."""
    return json.loads((WIRE / f"{name}.json").read_text(encoding="utf-8"))


def tabulate(name: str, payload: Any, stored: Any = None) -> tuple[list[dict[str, Any]], Any]:
    """Rows of ``payload`` for dataset ``name`` and the snapshot's ref (None without rows)."""
    table = datasets.get(name).table
    assert table is not None
    context = TableContext(key="k.json.gz", stored=stored)
    rows = [dict(row) for row in table.rows(payload, context)]
    assert context.skipped == []
    return rows, (table.ref(payload, context) if rows else None)


class FakeClock:
    """A clock that sleeping moves forward, so a window of slots runs at once."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def collect_samples(
    dataset: Dataset,
    backends: BackendSettings,
    start: datetime,
    slots: int,
    *,
    shape: str = "wire",
    seed: Callable[[int], int] = lambda request: request,
) -> list[str]:
    """Collect ``slots`` slots of ``dataset`` through the real pipeline, MISO replaced by
    generated samples of the fake clock's time; request ``n`` gets ``seed(n)``, so
    changing seeds revise values of intervals already published. Returns stored keys."""
    clock = FakeClock(start)
    served = 0

    def answer() -> Reply:
        nonlocal served
        body = sample(ENDPOINTS[dataset.name], shape, clock.now, seed=seed(served))  # type: ignore[arg-type]
        served += 1
        return Reply(body=body)

    with ReplayServer() as server:
        server.set_publisher(f"/{dataset.endpoint}", answer)
        settings = Settings(http=HttpSettings(api_base_url=server.url, max_retries=0),
                            backends=backends)
        end = start + dataset.cadence * (slots - 1) if dataset.window else None
        report = collect(dataset, settings, start=start if dataset.window else None, end=end,
                         now=clock, sleep=clock.sleep)
    assert report.failed == 0, report.errors
    return report.stored


def binding_seed(at: datetime) -> int:
    """A sample seed whose reserve answer at ``at`` has binding constraints (not None - None)."""
    return next(seed for seed in range(50) if sample(
        "BindingConstraints/Reserve", "wire", at, seed=seed)["Constraint"][0]["Name"]
        != "None - None")
