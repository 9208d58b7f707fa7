"""Helpers for the table tests: stores filled by the real pipeline, a store that counts
reads, and the table's rows as the manifest names them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from gridcollect import datasets
from gridcollect.export import parse_range
from gridcollect.export.engine import ReadStats, read_rows
from gridcollect.settings import BackendSettings
from gridcollect.stores.local import LocalStore
from gridcollect.tables.layout import table_root
from gridcollect.tables.manifest import Manifest

from ..export.support import binding_seed, collect_samples

NAMES = ("miso_binding_constraints_reserve", "miso_csat_supply_demand",
         "miso_realtime_total_load")
# Three UTC days, so that market days, key folders and past partitions all vary.
START = datetime(2026, 10, 1, 21, 30, tzinfo=UTC)
EVERYTHING = parse_range("2026-09-28", "2026-10-08")


def fill(root: Path, name: str, start: datetime = START, slots: int = 3,
         revise: bool = True) -> list[str]:
    """Store ``slots`` snapshots of ``name``, one cadence apart; with ``revise`` each
    request gets new values, so later snapshots revise earlier intervals."""
    dataset = datasets.get(name)
    seed = binding_seed(start)
    keys: list[str] = []
    for n in range(slots):
        at = start + dataset.cadence * n * 97  # hours apart: several days and folders
        keys += collect_samples(dataset, BackendSettings(output_dir=root), at, 1,
                                seed=(lambda r, n=n: seed + n) if revise else (lambda r: seed))
    return keys


class CountingStore(LocalStore):
    """A local store that counts every read, by key, and every listing, by prefix."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: Counter[str] = Counter()
        self.listings: Counter[str] = Counter()

    def keys(self, prefix: str) -> Any:
        self.listings[prefix] += 1
        return super().keys(prefix)

    def get(self, key: str) -> bytes | None:
        self.reads[key] += 1
        return super().get(key)

    def snapshot_reads(self) -> int:
        return sum(n for key, n in self.reads.items() if key.endswith(".json.gz")
                   and "/tables/" not in key)


def revisions(root: Path, name: str, prefix: str = "sourcing") -> list[dict[str, Any]]:
    """Every row of the table's live files (as the manifest says), sorted."""
    store = LocalStore(root)
    table = table_root(prefix, name)
    state = Manifest(store, table).load()
    rows: list[dict[str, Any]] = []
    for path in state.revision_files():
        rows += pq.read_table(root / table / path).to_pylist()
    return sorted(rows, key=lambda r: (r["snapshot_key"], r["snapshot_row"]))


def snapshot_rows(root: Path, name: str, *, all_revisions: bool = True) -> list[dict[str, Any]]:
    """What the snapshot-reading export finds over every day of the tests."""
    dataset = datasets.get(name)
    table = dataset.table
    assert table is not None
    names = [c.name for c in table.columns] + ["snapshot_ref", "snapshot_key"]
    rows = read_rows(dataset, LocalStore(root), "sourcing", EVERYTHING,
                     all_revisions=all_revisions, stats=ReadStats())
    return [dict(zip(names, row, strict=True)) for row in rows]


def without_extras(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the table-only columns, in export's (snapshot, row) order."""
    return [{k: v for k, v in row.items() if k not in ("snapshot_row", "date")} for row in rows]


def files_on_disk(root: Path, name: str) -> set[str]:
    base = root / table_root("sourcing", name)
    return {str(p.relative_to(base)) for p in base.rglob("*.parquet")}
