"""``export`` reads the tables when they cover the range, with the same result."""

from __future__ import annotations

from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from gridcollect import datasets
from gridcollect.export import export, parse_range
from gridcollect.stores.local import LocalStore
from gridcollect.tables.sync import TableSync

from .support import NAMES, START, CountingStore, fill

RANGE = parse_range("2026-10-01", "2026-10-03")


@pytest.mark.parametrize("all_revisions", [False, True], ids=["latest", "all"])
@pytest.mark.parametrize("name", NAMES)
def test_export_from_the_tables_equals_export_from_the_snapshots(name, all_revisions,
                                                                 tmp_path):
    """Same file, schema and metadata included, and the same counts in the summary."""
    fill(tmp_path / "lake", name, slots=4)
    # A later variant of one slot: keys _2 and the base compete on snapshot_ref.
    fill(tmp_path / "lake", name, slots=1)
    dataset, store = datasets.get(name), LocalStore(tmp_path / "lake")
    TableSync(dataset, store, "sourcing").run()
    reports = {}
    for use_tables in (True, False):
        reports[use_tables] = export(dataset, store, "sourcing", RANGE, fmt="parquet",
                                     output=tmp_path / f"{use_tables}.parquet",
                                     all_revisions=all_revisions, use_tables=use_tables)
    assert (reports[True].source, reports[False].source) == ("tables", "snapshots")
    from_tables, from_snapshots = (pq.read_table(tmp_path / f"{u}.parquet")
                                  for u in (True, False))
    assert from_tables.schema.equals(from_snapshots.schema, check_metadata=True)
    assert from_tables.to_pylist() == from_snapshots.to_pylist()
    assert from_tables.num_rows > 0
    summary = {k: v for k, v in reports[True].as_dict().items() if k not in ("source",
                                                                              "output")}
    assert summary == {k: v for k, v in reports[False].as_dict().items()
                       if k not in ("source", "output")}


def test_a_snapshot_the_tables_lack_sends_export_to_the_snapshots(tmp_path):
    """One stored snapshot not synced yet: export reads snapshots, and sees it."""
    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=1)
    dataset, store = datasets.get(name), LocalStore(tmp_path)
    TableSync(dataset, store, "sourcing").run()
    fill(tmp_path, name, START + timedelta(hours=1), slots=1)
    report = export(dataset, store, "sourcing", RANGE, output=tmp_path / "out.parquet",
                    fmt="parquet")
    assert (report.source, report.stats.snapshots) == ("snapshots", 2)


def test_an_export_without_tables_lists_each_snapshot_folder_once(tmp_path):
    """No table yet: export lists the key folders only to read the snapshots."""
    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=3)
    dataset, store = datasets.get(name), CountingStore(tmp_path)
    report = export(dataset, store, "sourcing", RANGE, output=tmp_path / "out.parquet",
                    fmt="parquet")
    folders = {prefix: n for prefix, n in store.listings.items() if "/tables/" not in prefix}
    assert report.source == "snapshots" and report.stats.snapshots > 0
    assert folders and set(folders.values()) == {1}
