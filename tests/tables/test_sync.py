"""``tables sync``: every snapshot into market-day partitions, once, incrementally."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest

from gridcollect import datasets
from gridcollect.stores.local import LocalStore
from gridcollect.tables import manifest as manifest_module
from gridcollect.tables.layout import is_latest, market_day, parse_file, table_root
from gridcollect.tables.manifest import Manifest
from gridcollect.tables.sync import TableSync

from .support import (
    NAMES,
    START,
    CountingStore,
    files_on_disk,
    fill,
    revisions,
    snapshot_rows,
    without_extras,
)

LATER = datetime(2026, 12, 1, tzinfo=UTC)  # every market day of the tests is over


def sync(root, name, **options):
    store = CountingStore(root)
    report = TableSync(datasets.get(name), store, "sourcing", now=lambda: LATER,
                       **options).run()
    return report, store


@pytest.mark.parametrize("name", NAMES)
def test_every_revision_of_every_snapshot_lands_in_its_market_day(name, tmp_path):
    """The table holds exactly the rows export finds, each in its EST day's partition."""
    keys = fill(tmp_path, name)
    report, _ = sync(tmp_path, name)
    assert (report.read, report.unreadable) == (len(keys), [])
    rows = revisions(tmp_path, name)
    expected = snapshot_rows(tmp_path, name)
    key = lambda r: (r["snapshot_key"], r["interval_start"], str(r))  # noqa: E731
    assert sorted(without_extras(rows), key=key) == sorted(expected, key=key)
    assert report.rows == len(rows) > 0
    base = tmp_path / table_root("sourcing", name)
    for path in files_on_disk(tmp_path, name):
        day, _ = parse_file(path)
        starts = pq.read_table(base / path, columns=["interval_start"]).column(0).to_pylist()
        assert {market_day(s) for s in starts} == {day}


def test_files_are_typed_zstd_parquet(tmp_path):
    """UTC millisecond timestamps, doubles, strings, zstd, documented fields."""
    fill(tmp_path, "miso_realtime_total_load", slots=1)
    sync(tmp_path, "miso_realtime_total_load")
    base = tmp_path / table_root("sourcing", "miso_realtime_total_load")
    path = base / sorted(files_on_disk(tmp_path, "miso_realtime_total_load"))[0]
    schema = pq.read_schema(path)
    assert str(schema.field("interval_start").type) == "timestamp[ms, tz=UTC]"
    assert str(schema.field("interval_start_est").type) == "timestamp[ms]"
    assert str(schema.field("mw").type) == "double"
    assert str(schema.field("series").type) == "string"
    assert schema.field("mw").metadata[b"unit"] == b"MW"
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"


def test_a_second_sync_reads_no_snapshot(tmp_path):
    """Idempotent: nothing new, nothing read, nothing written, the same rows."""
    fill(tmp_path, "miso_realtime_total_load")
    sync(tmp_path, "miso_realtime_total_load")
    before = revisions(tmp_path, "miso_realtime_total_load")
    report, store = sync(tmp_path, "miso_realtime_total_load")
    assert (report.read, report.commits, report.files, store.snapshot_reads()) == (0, 0, 0, 0)
    assert revisions(tmp_path, "miso_realtime_total_load") == before


def test_a_sync_reads_only_the_new_snapshots_each_once(tmp_path):
    """Incremental: snapshots stored since the last sync are read, once each."""
    first = fill(tmp_path, "miso_realtime_total_load", slots=2)
    sync(tmp_path, "miso_realtime_total_load")
    added = fill(tmp_path, "miso_realtime_total_load", START + timedelta(days=3), slots=2)
    report, store = sync(tmp_path, "miso_realtime_total_load")
    assert report.read == len(added) == 2
    assert {k for k in store.reads if k.endswith(".json.gz")} == set(added)
    assert all(store.reads[k] == 1 for k in added)
    assert len({r["snapshot_key"] for r in revisions(tmp_path, "miso_realtime_total_load")}
               ) == len(first) + len(added)


def test_batches_commit_separately_and_keep_every_row(tmp_path):
    """A sync bigger than one batch commits several times; the rows are the same."""
    fill(tmp_path, "miso_realtime_total_load", slots=4)
    report, _ = sync(tmp_path, "miso_realtime_total_load", batch_rows=100, compact_files=1000)
    assert report.commits >= 2
    rows = without_extras(revisions(tmp_path, "miso_realtime_total_load"))
    assert len(rows) == len(snapshot_rows(tmp_path, "miso_realtime_total_load"))


def test_a_finished_day_is_compacted_into_one_file(tmp_path):
    """Files of a past market day merge into one; the rows and snapshots stay."""
    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=1)
    TableSync(datasets.get(name), LocalStore(tmp_path), "sourcing").run(compact=False)
    fill(tmp_path, name, START + timedelta(minutes=30), slots=1)
    TableSync(datasets.get(name), LocalStore(tmp_path), "sourcing").run(compact=False)
    before = revisions(tmp_path, name)
    days = [parse_file(p)[0] for p in files_on_disk(tmp_path, name) if not is_latest(p)]
    assert len(days) > len(set(days))  # some day has two files
    report, _ = sync(tmp_path, name)
    assert report.compacted >= 1
    days = [parse_file(p)[0] for p in files_on_disk(tmp_path, name) if not is_latest(p)]
    assert len(days) == len(set(days))  # one file a day, the old ones deleted
    assert revisions(tmp_path, name) == before
    state = Manifest(LocalStore(tmp_path), table_root("sourcing", name)).load()
    assert set().union(*(set(f.snapshots) for f in state.files.values())) == state.read
    assert len(state.current_latest()) == len(set(days))  # each finished day: its latest


def test_the_latest_view_ranks_every_revision_the_same_way(tmp_path):
    """Latest files of finished days, plus ranking the days not settled, give exactly
    the rows of ranking every revision; a late snapshot unsettles its day at once."""
    from gridcollect.tables.query import arrow_table, connect, latest_sql

    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=3)
    fill(tmp_path, name, slots=1)  # a _2 variant
    sync(tmp_path, name)
    dataset = datasets.get(name)

    def both() -> tuple[list, list]:
        connection = connect(LocalStore(tmp_path), "sourcing", [dataset])
        order = " ORDER BY series, interval_start"
        view = connection.sql(f"SELECT * FROM {name}{order}")
        ranked = connection.sql(f"SELECT * FROM ({latest_sql(name, dataset.table)}){order}")
        return arrow_table(view).to_pylist(), arrow_table(ranked).to_pylist()

    view, ranked = both()
    assert view == ranked and len(view) > 0
    state = Manifest(LocalStore(tmp_path), table_root("sourcing", name)).load()
    assert state.current_latest()
    fill(tmp_path, name, START + timedelta(minutes=10), slots=1)  # a late snapshot
    TableSync(dataset, LocalStore(tmp_path), "sourcing").run(compact=False)
    view, ranked = both()
    assert view == ranked


def test_a_day_without_revisions_is_its_own_latest_without_ranking(tmp_path, monkeypatch):
    """One revision per identity: the latest file holds the day's rows, and nothing
    ranks them (a day of five-minute prices is ~760,000 rows to hold twice)."""
    from gridcollect.tables import sync as sync_module

    def ranked(*_args):
        raise AssertionError("ranked a day whose identities do not repeat")

    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=1)
    monkeypatch.setattr(sync_module, "_latest_rows", ranked)
    report, _ = sync(tmp_path, name)
    state = Manifest(LocalStore(tmp_path), table_root("sourcing", name)).load()
    latest = state.current_latest()
    assert latest and report.rows > 0
    root = tmp_path / table_root("sourcing", name)
    in_latest = sorted(map(str, sum((pq.read_table(root / p).to_pylist() for p in latest), [])))
    assert in_latest == sorted(map(str, revisions(tmp_path, name)))


def test_today_is_compacted_only_past_the_threshold(tmp_path):
    """A running day keeps its files until there are ``compact_files`` of them."""
    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=1)
    TableSync(datasets.get(name), LocalStore(tmp_path), "sourcing").run(compact=False)
    fill(tmp_path, name, START + timedelta(minutes=30), slots=1)
    today = lambda: START  # noqa: E731
    store = LocalStore(tmp_path)
    report = TableSync(datasets.get(name), store, "sourcing", now=today,
                       compact_files=3).run()
    assert report.compacted == 0
    report = TableSync(datasets.get(name), store, "sourcing", now=today,
                       compact_files=2).run()
    assert report.compacted >= 1


def test_an_unreadable_snapshot_is_recorded_once_and_named(tmp_path):
    """A damaged object is reported, recorded, and not read again by the next sync."""
    fill(tmp_path, "miso_realtime_total_load", slots=1)
    junk = "sourcing/miso_realtime_total_load/2026/10/01/realtime_total_load_x.json.gz"
    (tmp_path / junk).write_bytes(gzip.compress(b"{not json"))
    report, _ = sync(tmp_path, "miso_realtime_total_load")
    assert report.unreadable == [junk]
    report, store = sync(tmp_path, "miso_realtime_total_load")
    assert (report.read, store.reads[junk]) == (0, 0)


def test_files_no_commit_names_are_ignored_then_removed(tmp_path):
    """A crashed writer's file (no commit) is never read and the next sync deletes it."""
    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=1)
    sync(tmp_path, name)
    base = tmp_path / table_root("sourcing", name)
    live = sorted(files_on_disk(tmp_path, name))[0]
    orphan = live.replace(live.rsplit("-", 1)[1], "deadbeef.parquet")
    (base / orphan).write_bytes((base / live).read_bytes())
    assert len(revisions(tmp_path, name)) == len(snapshot_rows(tmp_path, name))
    report, _ = sync(tmp_path, name)
    assert report.removed_orphans == 1 and not (base / orphan).exists()


def test_checkpoints_replace_old_commits(tmp_path, monkeypatch):
    """Every few commits the state is checkpointed and older commits are dropped; the
    state read back is the same."""
    monkeypatch.setattr(manifest_module, "CHECKPOINT_EVERY", 2)
    name = "miso_realtime_total_load"
    for day in range(3):
        fill(tmp_path, name, START + timedelta(days=2 * day), slots=3)
        sync(tmp_path, name, batch_rows=100, compact_files=1000)
    root = table_root("sourcing", name)
    manifest_dir = tmp_path / root / "_manifest"
    checkpoints = sorted((manifest_dir / "checkpoint").iterdir())
    logs = sorted(int(p.name.split(".")[0]) for p in (manifest_dir / "log").iterdir())
    assert 1 <= len(checkpoints) <= 2
    state = Manifest(LocalStore(tmp_path), root).load()
    assert min(logs) > 1 and state.seq == max(logs)
    assert set(state.files) == files_on_disk(tmp_path, name)
    assert len(revisions(tmp_path, name)) == len(snapshot_rows(tmp_path, name))


def test_a_concurrent_commit_is_retried_without_duplicates(tmp_path):
    """Two syncs racing for the same commit: one wins, the other drops what the winner
    holds; no row twice, no file left behind."""
    name = "miso_realtime_total_load"
    fill(tmp_path, name, slots=2)
    dataset, store = datasets.get(name), LocalStore(tmp_path)
    first, second = (TableSync(dataset, store, "sourcing") for _ in range(2))
    commit = first.manifest.commit
    raced = []

    def racing(state, **changes):
        if not raced:
            raced.append(second.run())  # commits the same snapshots first
        return commit(state, **changes)

    first.manifest.commit = racing
    report = first.run()
    assert raced[0].commits == 1 and report.commits == 0
    assert len(revisions(tmp_path, name)) == len(snapshot_rows(tmp_path, name))
    state = Manifest(store, table_root("sourcing", name)).load()
    assert files_on_disk(tmp_path, name) == set(state.files)
