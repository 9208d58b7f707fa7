"""Writing tables: Parquet and CSV agree, files appear whole or not at all, plots draw."""

from datetime import UTC, datetime

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from gridcollect import datasets
from gridcollect.export import ReadStats, export, parse_range, read_table
from gridcollect.export.arrow import batches, schema_of
from gridcollect.export.plot import plot_day
from gridcollect.export.progress import PlainProgress
from gridcollect.settings import BackendSettings
from gridcollect.stores.local import LocalStore

from .support import binding_seed, collect_samples

START = datetime(2026, 10, 2, 21, 30, tzinfo=UTC)
DAY = parse_range("2026-10-02")


@pytest.fixture(scope="module", params=sorted(
    ["miso_realtime_total_load", "miso_csat_supply_demand", "miso_binding_constraints_reserve"]))
def stored(request, tmp_path_factory):
    """Two snapshots of one dataset stored by the pipeline (wire shape, then documented)."""
    dataset = datasets.get(request.param)
    root = tmp_path_factory.mktemp("store")
    seed = binding_seed(START)
    for shape in ("wire", "documented"):
        collect_samples(dataset, BackendSettings(output_dir=root), START, 1, shape=shape,
                        seed=lambda n: seed)
    return dataset, LocalStore(root)


def test_csv_and_parquet_hold_the_same_rows(stored, tmp_path):
    """The same export as CSV and as Parquet reads back to equal values."""
    dataset, store = stored
    reports = {fmt: export(dataset, store, "sourcing", DAY, output=tmp_path / f"out.{fmt}",
                           fmt=fmt) for fmt in ("parquet", "csv")}
    assert reports["csv"].stats.rows == reports["parquet"].stats.rows > 0
    parquet = pq.read_table(tmp_path / "out.parquet")
    # In CSV an empty cell is null: text columns never hold an empty string.
    options = pacsv.ConvertOptions(column_types=parquet.schema, strings_can_be_null=True)
    csv = pacsv.read_csv(tmp_path / "out.csv", convert_options=options)
    assert csv.column_names == parquet.column_names
    assert csv.to_pylist() == parquet.to_pylist()


def test_parquet_columns_are_typed_and_documented(stored, tmp_path):
    """Timestamps are UTC-aware, numbers are doubles, and each field names its unit."""
    dataset, store = stored
    export(dataset, store, "sourcing", DAY, output=tmp_path / "out.parquet", fmt="parquet")
    schema = pq.read_schema(tmp_path / "out.parquet")
    assert str(schema.field("interval_start").type) == "timestamp[ms, tz=UTC]"
    assert str(schema.field("interval_start_est").type) == "timestamp[ms]"
    assert schema.field("snapshot_ref").metadata[b"unit"] == b"UTC"
    numbers = [c for c in dataset.table.columns if c.kind == "number"]
    assert all(str(schema.field(c.name).type) == "double" for c in numbers)
    assert schema.metadata[b"gridcollect.revisions"] == b"latest"


def test_a_failed_export_leaves_no_file(stored, tmp_path, monkeypatch):
    """Rows are written to a temporary file renamed at the end: a crash leaves nothing."""
    dataset, store = stored

    def broken_get(key):
        raise OSError("disk on fire")

    monkeypatch.setattr(store, "get", broken_get)
    with pytest.raises(OSError):
        export(dataset, store, "sourcing", DAY, output=tmp_path / "out.parquet", fmt="parquet")
    assert list(tmp_path.iterdir()) == []


def test_batches_hold_at_most_one_row_group():
    """Rows become record batches of bounded size, so one row group is in memory at a time."""
    table = datasets.get("miso_realtime_total_load").table
    schema = schema_of([c for c in table.columns if c.name in ("series", "mw")], {})
    sizes = [batch.num_rows for batch in batches((("s", float(i)) for i in range(25)), schema,
                                                 size=10)]
    assert sizes == [10, 10, 5]


def test_plot_draws_a_png_of_the_day(stored, tmp_path):
    """plot_day writes a PNG with one line per series and plotted column."""
    dataset, store = stored
    rows = read_table(dataset, store, "sourcing", DAY, stats=ReadStats())
    lines = plot_day(dataset, rows, tmp_path / "day.png", "test")
    assert lines >= 1
    assert (tmp_path / "day.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_plain_progress_speaks_at_most_every_interval(capsys):
    """Short exports stay quiet; long ones print a line every so often on stderr."""
    now = [0.0]
    progress = PlainProgress(every=2.0, clock=lambda: now[0])
    progress.listing("p/2026/10/02/", 1, 3)
    for _ in range(5):
        now[0] += 0.5
        progress.snapshot("k", 10)
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["[1/3 p/2026/10/02/] 4 snapshots read, 40 rows in range"]
