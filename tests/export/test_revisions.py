"""Revisions: snapshots stored by the real pipeline, read back latest-wins or all of them."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest

from gridcollect import datasets
from gridcollect.errors import ConfigurationError
from gridcollect.export import Range, ReadStats, columns_of, natural_order, read_rows
from gridcollect.samples import sample
from gridcollect.settings import BackendSettings
from gridcollect.stores.local import LocalStore

from ..support.toy import TOY
from .support import binding_seed, collect_samples

START = datetime(2026, 10, 2, 21, 30, tzinfo=UTC)  # 16:30 EST
DAY = Range(datetime(2026, 10, 2, tzinfo=UTC), datetime(2026, 10, 3, tzinfo=UTC))
LOAD = datasets.get("miso_realtime_total_load")


@pytest.fixture(scope="module")
def revised(tmp_path_factory):
    """Three total-load snapshots, 5 minutes apart, each from another seed: every interval
    already published is revised by each later snapshot."""
    root = tmp_path_factory.mktemp("store")
    stored = collect_samples(LOAD, BackendSettings(output_dir=root), START, 3)
    return LocalStore(root), stored


def read(store, *, all_revisions, dataset=LOAD, wanted=DAY, stats=None):
    names = [column.name for column in columns_of(dataset.table)]
    stats = stats if stats is not None else ReadStats()
    rows = read_rows(dataset, store, "sourcing", wanted, all_revisions=all_revisions,
                     stats=stats)
    return [dict(zip(names, row, strict=True)) for row in rows]


def expected_load(at, seed, minute_est):
    """The five-minute load a sample snapshot at ``at`` gives for ``minute_est``."""
    rows = sample("RealTimeTotalLoad", "wire", at, seed=seed)["LoadInfo"]["FiveMinTotalLoad"]
    [row] = [r["Load"] for r in rows if r["Load"]["Time"] == minute_est]
    return float(row["Value"])


def test_the_pipeline_stored_one_snapshot_per_slot(revised):
    """The fixture is what the collect command would have left: three distinct objects."""
    _store, stored = revised
    assert [key.rsplit("_", 1)[-1] for key in stored] == [
        "213000.json.gz", "213500.json.gz", "214000.json.gz"]


def test_latest_snapshot_wins_for_every_interval(revised):
    """Default: one row per (series, interval), valued as the latest snapshot says."""
    store, stored = revised
    rows = read(store, all_revisions=False)
    at_1630 = [r for r in rows if r["series"] == "load_5min"
               and r["interval_start"] == datetime(2026, 10, 2, 21, 30, tzinfo=UTC)]
    [row] = at_1630
    assert row["mw"] == expected_load(START + timedelta(minutes=10), 2, "16:30")
    assert row["snapshot_key"] == stored[-1]
    assert row["snapshot_ref"] == datetime(2026, 10, 2, 21, 40, tzinfo=UTC)
    identities = [(r["series"], r["interval_start"]) for r in rows]
    assert identities == sorted(set(identities))
    # The newest five-minute interval exists in the last snapshot only.
    assert max(r["interval_start"] for r in rows if r["series"] == "load_5min") == (
        datetime(2026, 10, 2, 21, 40, tzinfo=UTC))


def test_all_revisions_keeps_each_snapshot_s_value_with_its_time(revised):
    """--all-revisions: the 16:30 load appears once per snapshot, each with its own value."""
    store, _stored = revised
    rows = read(store, all_revisions=True)
    at_1630 = [(r["snapshot_ref"], r["mw"]) for r in rows if r["series"] == "load_5min"
               and r["interval_start"] == datetime(2026, 10, 2, 21, 30, tzinfo=UTC)]
    assert at_1630 == [
        (START + timedelta(minutes=5 * n), expected_load(START + timedelta(minutes=5 * n), n,
                                                         "16:30"))
        for n in range(3)
    ]
    assert len({mw for _ref, mw in at_1630}) == 3


def test_a_range_keeps_only_intervals_starting_inside_it(revised):
    """An hour's range gives that hour's twelve five-minute loads and its hourly rows."""
    store, _stored = revised
    hour = Range(datetime(2026, 10, 2, 20, tzinfo=UTC), datetime(2026, 10, 2, 21, tzinfo=UTC))
    rows = read(store, all_revisions=False, wanted=hour)
    assert sorted((r["series"], len([x for x in rows if x["series"] == r["series"]]))
                  for r in rows) == sorted(
        [("cleared_mw_hourly", 1), ("forecast_mtlf_hourly", 1)] + [("load_5min", 12)] * 12)


def test_equal_refs_are_ranked_by_key_with_numbers_compared_as_numbers(tmp_path):
    """Two snapshots of one RefId: the later key variant wins; _10 comes after _2."""
    store = LocalStore(tmp_path)
    base = "sourcing/miso_realtime_total_load/2026/10/02/realtime_total_load_20261002_214500"
    for variant, seed in (("_10", 10), ("_2", 2), ("", 0)):
        payload = sample("RealTimeTotalLoad", "wire", START, seed=seed)
        body = gzip.compress(json.dumps({"data": payload}).encode())
        store.put(f"{base}{variant}.json.gz", body, sha256="x", overwrite=False)
    rows = read(store, all_revisions=False)
    assert {r["snapshot_key"] for r in rows} == {f"{base}_10.json.gz"}
    assert natural_order("a_2.json.gz") < natural_order("a_10.json.gz")
    assert natural_order("a.json.gz") < natural_order("a_2.json.gz")


def test_an_unreadable_object_is_reported_and_the_rest_exported(revised, tmp_path):
    """A damaged object is named in the stats; the other snapshots still give rows."""
    store, stored = revised
    broken = LocalStore(tmp_path)
    for key in stored:
        broken.put(key, store.get(key), sha256="x", overwrite=False)
    broken.put(stored[0].replace("213000", "213100"), b"not gzip", sha256="x", overwrite=False)
    stats = ReadStats()
    rows = read(broken, all_revisions=False, stats=stats)
    assert stats.unreadable == [stored[0].replace("213000", "213100")]
    assert stats.snapshots == 3 and rows


def test_all_revisions_streams_rows_before_reading_later_snapshots(revised):
    """Memory: with every revision kept, the first rows come out after one object is read."""
    store, stored = revised

    class CountingStore:
        def __init__(self):
            self.reads = 0

        def keys(self, prefix):
            return store.keys(prefix)

        def get(self, key):
            self.reads += 1
            return store.get(key)

    counting = CountingStore()
    rows = read_rows(LOAD, counting, "sourcing", DAY, all_revisions=True, stats=ReadStats())
    next(rows)
    assert counting.reads == 1
    assert sum(1 for _ in rows) > 0 and counting.reads == len(stored)


def test_csat_revisions_replace_forecasts_with_actuals(tmp_path):
    """A later CSAT snapshot's actual for 16:45 EST wins over an earlier forecast of it."""
    csat = datasets.get("miso_csat_supply_demand")
    store_root = tmp_path / "store"
    collect_samples(csat, BackendSettings(output_dir=store_root), START, 3, seed=lambda n: 0)
    store = LocalStore(store_root)
    target = datetime(2026, 10, 2, 21, 45, tzinfo=UTC)
    revisions = [r for r in read(store, all_revisions=True, dataset=csat)
                 if r["interval_start"] == target]
    assert [r["actual_demand_mw"] is None for r in revisions] == [True, True, False]
    [latest] = [r for r in read(store, all_revisions=False, dataset=csat)
                if r["interval_start"] == target]
    assert latest["actual_demand_mw"] == revisions[-1]["actual_demand_mw"]
    assert latest["forecast_demand_mw"] is None


def test_reserve_snapshots_are_found_under_their_refid_day(tmp_path):
    """Reserve keys carry the RefId's time; one collected snapshot exports its rows."""
    reserve = datasets.get("miso_binding_constraints_reserve")
    binding = binding_seed(START)
    stored = collect_samples(reserve, BackendSettings(output_dir=tmp_path), START, 1,
                             seed=lambda n: binding)
    payload = sample("BindingConstraints/Reserve", "wire", START, seed=binding)
    as_of = reserve.as_of(payload)
    assert stored == [f"sourcing/miso_binding_constraints_reserve/{as_of:%Y-%m-%d}/"
                      f"binding_constraints_reserve_{as_of:%Y%m%d_%H%M}.json.gz"]
    rows = read(LocalStore(tmp_path), all_revisions=False, dataset=reserve)
    assert [r["name"] for r in rows] == sorted(row["Name"] for row in payload["Constraint"])


def test_a_dataset_without_a_table_is_a_usage_error(tmp_path):
    """Exporting a dataset that declares no table says so instead of writing nothing."""
    rows = read_rows(TOY, LocalStore(tmp_path), "sourcing", DAY, all_revisions=False,
                     stats=ReadStats())
    with pytest.raises(ConfigurationError, match="declares no export table"):
        next(rows)
