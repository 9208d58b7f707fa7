"""What counts as the same snapshot, through the real command: the body's digest within
one dataset and one set of parameter values."""

from __future__ import annotations

from gridcollect.replay import ReplayServer, Reply

from .cli import WIRE, read_object, run_cli, stored_files

CSAT = WIRE / "CsatSupplyDemand.json"
REGIONS = ["--param", "miso_csat_supply_demand.region=SOUTH",
           "--param", "miso_csat_supply_demand.region=NORTH"]


def test_one_body_for_two_regions_is_stored_for_each(tmp_path):
    """MISO's wire CSAT names no region: the same body for SOUTH and NORTH is two snapshots."""
    with ReplayServer({"/CsatSupplyDemand": Reply(body=CSAT.read_bytes())}) as miso:
        result = run_cli("collect", "csat-supply-demand", *REGIONS, "--api-base-url", miso.url,
                         "--output-dir", str(tmp_path))
        again = run_cli("collect", "csat-supply-demand", *REGIONS, "--api-base-url", miso.url,
                        "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    assert (result.summary["collected"], result.summary["skipped_duplicate"]) == (2, 0)
    files = stored_files(tmp_path)
    assert [f.rsplit("_", 1)[1] for f in files] == ["north.json.gz", "south.json.gz"]
    assert (again.code, again.summary["collected"], again.summary["skipped_duplicate"]) == (0, 0, 2)


def test_each_slot_without_data_stores_its_own_placeholder(tmp_path):
    """A 404 in one slot and a 404 in the next are two placeholders, each naming its slot."""
    stored = []
    with ReplayServer({"/CsatSupplyDemand": Reply(status=404)}) as miso:
        for at in ("2025-12-05T12:00:00", "2025-12-05T12:15:00", "2025-12-05T12:15:00"):
            result = run_cli("miso", "csat-supply-demand", "--start-datetime", at,
                             "--end-datetime", at, "--region", "SOUTH",
                             "--api-base-url", miso.url, "--output-dir", str(tmp_path))
            assert result.code == 0, result.stderr
            stored += result.summary["stored"]
    assert len(stored) == 2 and stored == stored_files(tmp_path)
    slots = [read_object(tmp_path, key)["api_response"]["slot"] for key in stored]
    assert slots == ["2025-12-05T12:00:00Z", "2025-12-05T12:15:00Z"]
