"""``gridcollect.read``: a dataset's rows over a range as a pandas DataFrame."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import gridcollect
from gridcollect import datasets
from gridcollect.errors import ConfigurationError
from gridcollect.export import export, parse_range
from gridcollect.stores.local import LocalStore
from gridcollect.tables.sync import TableSync

from .support import fill


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    fill(root, "miso_realtime_total_load", slots=4)
    fill(root, "miso_realtime_total_load", slots=1)  # a _2 variant of the first slot
    TableSync(datasets.get("miso_realtime_total_load"), LocalStore(root), "sourcing").run()
    return root


def test_read_latest_equals_the_export(lake, tmp_path):
    """The DataFrame holds the export's rows and columns, in its order."""
    import pyarrow.parquet as pq

    frame = gridcollect.read("miso_realtime_total_load", "2026-10-01", "2026-10-03",
                             output_dir=lake)
    export(datasets.get("miso_realtime_total_load"), LocalStore(lake), "sourcing",
           parse_range("2026-10-01", "2026-10-02"), output=tmp_path / "x.parquet",
           fmt="parquet", use_tables=False)
    expected = pq.read_table(tmp_path / "x.parquet").to_pandas()
    assert list(frame.columns) == list(expected.columns)
    assert len(frame) == len(expected) > 0
    assert frame.mw.tolist() == expected.mw.tolist()
    assert frame.snapshot_key.tolist() == expected.snapshot_key.tolist()
    assert str(frame.interval_start.dt.tz) == "UTC"


def test_every_revision_on_request_and_end_exclusive(lake):
    """revisions='all' keeps every revision; rows at ``end`` are left out."""
    start = datetime(2026, 10, 2, tzinfo=UTC)
    end = datetime(2026, 10, 2, 12, tzinfo=UTC)
    every = gridcollect.read("miso_realtime_total_load", start, end, revisions="all",
                             output_dir=lake)
    latest = gridcollect.read("miso_realtime_total_load", start, end, output_dir=lake)
    assert len(every) > len(latest) > 0
    assert every.interval_start.max() < end <= every.interval_start.max() + (end - start)
    assert len(latest.drop_duplicates(["series", "interval_start"])) == len(latest)


def test_store_options_default_to_the_environment(lake, monkeypatch):
    """GRIDCOLLECT_OUTPUT_DIR names the store when output_dir is not given."""
    monkeypatch.setenv("GRIDCOLLECT_OUTPUT_DIR", str(lake))
    assert len(gridcollect.read("realtime-total-load", "2026-10-02", "2026-10-03")) > 0


@pytest.mark.parametrize("kwargs", [{"revisions": "some"}, {"end": "2026-09-01"}])
def test_bad_arguments_are_configuration_errors(lake, kwargs):
    """Unknown revision modes and empty ranges say what is wrong."""
    arguments = {"start": "2026-10-02", "end": "2026-10-03", "output_dir": lake, **kwargs}
    with pytest.raises(ConfigurationError):
        gridcollect.read("miso_realtime_total_load", **arguments)
