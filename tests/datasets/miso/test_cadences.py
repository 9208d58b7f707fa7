"""Cadences respect MISO's once-a-minute limit, the documented request rate of ``watch``
with no argument is the catalogue's, and a rolling window polled at its cadence loses no
interval."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from gridcollect import datasets
from gridcollect.runs.schedule import SOURCE_MIN_INTERVAL

from .catalogue import rows_of, wire
from .examples import REPO
from .rolling import exported, ref, shifted, store, twelve_hour


def test_no_cadence_is_faster_than_once_a_minute() -> None:
    """MISO asks for at most one request a minute per endpoint: no cadence is shorter."""
    assert min(d.cadence for d in datasets.all_datasets()) >= SOURCE_MIN_INTERVAL


def test_deployment_docs_state_the_first_polls_per_hour_of_the_whole_catalogue() -> None:
    """docs/deployment.md gives the hourly first polls of `watch` over every dataset."""
    per_hour = sum(timedelta(hours=1) / d.cadence for d in datasets.all_datasets())
    docs = " ".join((REPO / "docs" / "deployment.md").read_text(encoding="utf-8").split())
    assert f"**{per_hour:g} first polls an hour**" in docs, per_hour


def _nsi(payload: dict[str, Any], n: int) -> dict[str, Any]:
    def advance(row: dict[str, str], k: int) -> dict[str, str]:
        stamp = datetime.fromisoformat(row["timestamp"]) + timedelta(minutes=5 * k)
        return {**row, "timestamp": f"{stamp:%Y-%m-%d %H:%M:%S}"}
    moment = datetime.strptime(payload["RefId"], "%d-%b-%Y - Interval %H:%M EST")
    return {**payload, "instance": shifted(payload["instance"], n, advance),
            "RefId": ref(moment + timedelta(minutes=5 * n))}


def _ace(payload: dict[str, Any], n: int) -> dict[str, Any]:
    def advance(row: dict[str, str], k: int) -> dict[str, str]:
        stamp = datetime.strptime(row["instantEST"], "%Y-%m-%d %I:%M:%S %p")
        return {**row, "instantEST": twelve_hour(stamp + timedelta(seconds=30 * k))}
    moment = datetime.strptime(payload["RefId"], "%d-%b-%Y - Interval %H:%M:%S EST")
    return {**payload, "ACE": shifted(payload["ACE"], 10 * n, advance),
            "RefId": ref(moment + timedelta(minutes=5 * n), seconds=True)}


def _rdt(payload: dict[str, Any], n: int) -> dict[str, Any]:
    def advance(row: dict[str, str], k: int) -> dict[str, str]:
        stamp = datetime.strptime(row["instantEST"], "%Y-%m-%d %I:%M:%S %p")
        return {**row, "instantEST": twelve_hour(stamp + timedelta(minutes=5 * k), pad=True)}
    moment = datetime.strptime(payload["RefId"], "%d-%b-%Y - Interval %H:%M EST")
    return {**payload, "Interval": shifted(payload["Interval"], n, advance),
            "RefId": ref(moment + timedelta(minutes=5 * n))}


ROLLING = {
    "miso_nsi_five_minute": ("Interchange/GetNsi/FiveMinute", _nsi, timedelta(minutes=5)),
    "miso_ace": ("Ace", _ace, timedelta(seconds=30)),
    "miso_regional_directional_transfer": ("RegionalDirectionalTransfer", _rdt,
                                           timedelta(minutes=5)),
}


@pytest.mark.parametrize("name", sorted(ROLLING))
def test_a_rolling_window_polled_at_its_cadence_loses_no_interval(name: str,
                                                                  tmp_path: Path) -> None:
    """The window spans many cadences; twelve polls one cadence apart export every step
    from the first poll's oldest interval to the last poll's newest, none twice."""
    fixture, move, step = ROLLING[name]
    dataset = datasets.get(name)
    recorded = wire(fixture)
    starts = sorted({row["interval_start"] for row in rows_of(name, recorded)})
    window = starts[-1] - starts[0]
    assert window >= 20 * dataset.cadence  # a poll can fail many times before loss
    polls = [move(recorded, n) for n in range(12)]
    store(tmp_path, name, polls)
    rows = exported(tmp_path, name, "2026-09-30", "2026-10-03", all_revisions=False)
    assert dataset.table is not None
    series = dataset.table.plot_series
    for label in {row[series] for row in rows}:
        times = [r["interval_start"] for r in rows if r[series] == label]
        assert times == sorted(set(times))
        assert times[0] == starts[0]
        assert times[-1] == starts[-1] + 11 * dataset.cadence
        assert all(b - a == step for a, b in zip(times, times[1:], strict=False)), label
