"""The schema-declared datasets through the real ``watch`` and ``collect`` commands: no
code of their own beyond the declaration, yet polled, deduplicated and stored."""

from __future__ import annotations

import json
import time

from gridcollect.replay import ReplayServer, Reply

from .cli import WIRE, run_cli, stored_files
from .test_watch_cli import stop, watch

RECORDED = {"fuel-mix": ("FuelMix", "sourcing/miso_fuel_mix/year=2026/month=10/day=02/"
                                    "fuel_mix_20261002_2145.json.gz"),
            "lmp-five-min-expost": (
                "MarketPricing/GetRealTimeFiveMinExPost/Current",
                "sourcing/miso_lmp_five_min_expost/year=2026/month=10/day=02/"
                "lmp_five_min_expost_20261002_2150.json.gz")}


def recorded_miso() -> ReplayServer:
    return ReplayServer({f"/{endpoint}": Reply(body=(WIRE / f"{endpoint}.json").read_bytes())
                         for endpoint, _key in RECORDED.values()})


def test_watch_polls_declared_datasets_and_stores_each_snapshot_once(tmp_path):
    """Polled every second for a few seconds, an unchanged answer is stored once, under
    its documented key; every later poll is a duplicate."""
    out, log = tmp_path / "out", tmp_path / "watch.log"
    cadences = [arg for command in RECORDED for arg in ("--cadence", f"{command}=1")]
    with recorded_miso() as miso, watch(*RECORDED, *cadences, "--output-dir", str(out),
                                        "--api-base-url", miso.url, log=log) as process:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not all(
                len(miso.requests_for(f"/{endpoint}")) >= 3 for endpoint, _ in RECORDED.values()):
            time.sleep(0.2)
        stop(process, log)
        polls = {endpoint: len(miso.requests_for(f"/{endpoint}"))
                 for endpoint, _ in RECORDED.values()}
    assert all(count >= 3 for count in polls.values()), polls
    assert stored_files(out) == sorted(key for _endpoint, key in RECORDED.values())


def test_collect_names_declared_datasets_by_command(tmp_path):
    """gridcollect collect takes the new datasets by command and stores each once."""
    with recorded_miso() as miso:
        result = run_cli("collect", *RECORDED, "--api-base-url", miso.url,
                         "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["collected"], summary["failed"]) == (2, 0)
    assert stored_files(tmp_path) == sorted(key for _endpoint, key in RECORDED.values())


def test_datasets_lists_every_declared_dataset_and_the_readme_names_them():
    """gridcollect datasets lists the 22 datasets; README's list names each command."""
    from gridcollect.datasets import all_datasets

    from .cli import REPO

    result = run_cli("datasets")
    assert result.code == 0, result.stderr
    rows = result.stdout.strip().splitlines()[1:]
    assert len(rows) == len(all_datasets()) == 22
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for dataset in all_datasets():
        assert any(row.split()[0] == dataset.name for row in rows)
        assert f"| `{dataset.name}` | `{dataset.command}` |" in readme, dataset.name
