"""``gridcollect collect``: the current snapshot of several datasets in one run."""

from datetime import UTC, datetime

from gridcollect.datasets import all_datasets
from gridcollect.datasets.miso.realtime_total_load import DATASET as LOAD
from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import WIRE_ENDPOINTS, sample

from .cli import run_cli, stored_files

NOW = datetime.now(UTC)
EVERY_DATASET = sorted(d.name for d in all_datasets())
# One snapshot per dataset, and a second region of CSAT.
EVERY_SNAPSHOT = len(EVERY_DATASET) + 1


def miso():
    routes = {f"/{endpoint}": Reply(body=sample(endpoint, "wire", NOW, seed=seed))
              for seed, endpoint in enumerate(
                  ("RealTimeTotalLoad", "BindingConstraints/Reserve", *WIRE_ENDPOINTS))}
    server = ReplayServer(routes)
    # Regions differ in content, as at MISO.
    regions = iter(range(100))
    server.set_publisher("/CsatSupplyDemand", lambda: Reply(
        body=sample("CsatSupplyDemand", "wire", NOW, seed=10 + next(regions))))
    return server


def test_every_dataset_and_each_region_asked_for_is_collected(tmp_path):
    """All datasets by default; two values of a parameter give two snapshots."""
    with miso() as server:
        result = run_cli("collect", "--param", "miso_csat_supply_demand.region=SOUTH",
                         "--param", "csat-supply-demand.region=north", "--concurrency", "3",
                         "--api-base-url", server.url, "--output-dir", str(tmp_path))
        regions = sorted(r.query["region"][0] for r in server.requests_for("/CsatSupplyDemand"))
    assert result.code == 0, result.stderr
    summary = result.summary
    assert (summary["requested"], summary["collected"], summary["failed"],
            summary["notifications_pending"]) == (EVERY_SNAPSHOT, EVERY_SNAPSHOT, 0, 0)
    assert [d["dataset"] for d in summary["datasets"]] == EVERY_DATASET
    assert regions == ["NORTH", "SOUTH"]
    files = stored_files(tmp_path)
    assert len(files) == EVERY_SNAPSHOT and any(f.endswith("Z_south.json.gz") for f in files)


def test_named_datasets_only(tmp_path):
    """Naming a dataset collects just that one, under its payload's as-of instant."""
    with miso() as server:
        result = run_cli("collect", "realtime-total-load", "--api-base-url", server.url,
                         "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    [report] = result.summary["datasets"]
    as_of = LOAD.as_of(sample("RealTimeTotalLoad", "wire", NOW, seed=0))
    assert report["stored"] == [f"sourcing/miso_realtime_total_load/{as_of:%Y/%m/%d}/"
                                f"realtime_total_load_{as_of:%Y%m%d_%H%M%S}.json.gz"]
    assert (report["requested"], report["warnings"]) == (1, [])


def test_a_failed_snapshot_sets_the_exit_code(tmp_path):
    """One failing dataset: exit 1, the others still stored."""
    with miso() as server:
        server.set("/BindingConstraints/Reserve", Reply(status=400))
        result = run_cli("collect", "--api-base-url", server.url, "--max-retries", "0",
                         "--output-dir", str(tmp_path))
    assert result.code == 1
    assert (result.summary["collected"], result.summary["failed"]) == (len(EVERY_DATASET) - 1, 1)


def test_a_parameter_of_a_dataset_not_collected_is_a_usage_error(tmp_path):
    """--param must name a dataset being collected, a real parameter and a valid value."""
    for args in (["realtime-total-load", "--param", "miso_csat_supply_demand.region=SOUTH"],
                 ["--param", "miso_csat_supply_demand.zone=SOUTH"],
                 ["--param", "miso_csat_supply_demand.region=MARS"],
                 ["--concurrency", "0"]):
        result = run_cli("collect", *args, "--output-dir", str(tmp_path))
        assert result.code == 2, (args, result.stderr)
    assert stored_files(tmp_path) == []
