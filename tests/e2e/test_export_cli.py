"""``gridcollect export`` and ``plot`` end to end: snapshots collected by the real command
from MISO's recorded responses, then read back from local files or S3."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from gridcollect.replay import ReplayServer, Reply

from .cli import WIRE, run_cli

SLOT = "2026-10-02T21:45:00"  # when MISO's responses were recorded (16:45 EST)
COLLECT = {
    "RealTimeTotalLoad": ["miso", "realtime-total-load", "--start-date", SLOT, "--end-date", SLOT],
    "CsatSupplyDemand": ["miso", "csat-supply-demand", "--start-datetime", SLOT,
                         "--end-datetime", SLOT],
}
TWO_DAYS = ["--from", "2026-10-02", "--to", "2026-10-03"]


def collect_recorded(endpoint, *store_args, env=None):
    """Run the collect command once against MISO's recorded response for ``endpoint``."""
    with ReplayServer() as miso:
        miso.set(f"/{endpoint}", Reply(body=(WIRE / f"{endpoint}.json").read_bytes()))
        result = run_cli(*COLLECT[endpoint], "--api-base-url", miso.url, *store_args, env=env)
    assert result.code == 0, result.stderr
    return result.summary["stored"]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    """A local store holding the recorded total load and CSAT snapshots."""
    root = tmp_path_factory.mktemp("lake")
    for endpoint in COLLECT:
        collect_recorded(endpoint, "--output-dir", str(root))
    return root


def test_export_writes_parquet_with_the_recorded_load(lake, tmp_path):
    """Total load over two days: 250 rows; the 16:45 EST load is 83808 MW at 21:45 UTC."""
    output = tmp_path / "load.parquet"
    result = run_cli("export", "realtime-total-load", *TWO_DAYS, "--output-dir", str(lake),
                     "--output", str(output))
    assert result.code == 0, result.stderr
    summary = result.summary
    assert (summary["snapshots"], summary["rows"], summary["revisions"]) == (1, 250, "latest")
    rows = pq.read_table(output).to_pylist()
    [row] = [r for r in rows if r["series"] == "load_5min"
             and r["interval_start"] == datetime(2026, 10, 2, 21, 45, tzinfo=UTC)]
    assert row["mw"] == 83808.0
    assert row["snapshot_key"].endswith("realtime_total_load_20261002_214500.json.gz")


def test_csv_export_matches_parquet_export(lake, tmp_path):
    """--format csv writes the same rows as the default Parquet output."""
    outputs = {fmt: tmp_path / f"csat.{fmt}" for fmt in ("parquet", "csv")}
    for fmt, output in outputs.items():
        result = run_cli("export", "miso_csat_supply_demand", *TWO_DAYS, "--format", fmt,
                         "--output-dir", str(lake), "--output", str(output))
        assert result.code == 0, result.stderr
        assert result.summary["rows"] == 81
    parquet = pq.read_table(outputs["parquet"])
    options = pacsv.ConvertOptions(column_types=parquet.schema, strings_can_be_null=True)
    assert pacsv.read_csv(outputs["csv"], convert_options=options).to_pylist() == (
        parquet.to_pylist())


def test_one_day_keeps_only_intervals_starting_that_utc_day(lake, tmp_path):
    """--from alone is one UTC day: the hours after 00:00 UTC on the 3rd are left out."""
    output = tmp_path / "day.csv"
    result = run_cli("export", "realtime-total-load", "--from", "2026-10-02", "--output-dir",
                     str(lake), "--output", str(output))
    assert result.code == 0, result.stderr
    assert result.summary["rows"] == 202 + 19 + 19
    assert result.summary["format"] == "csv"  # taken from the output's suffix


def test_export_reads_snapshots_from_s3(s3_server, s3_bucket, tmp_path):
    """Snapshots collected into a bucket export from it, as from local files."""
    store = ["--s3-bucket", s3_bucket, "--s3-endpoint-url", s3_server.endpoint_url]
    collect_recorded("RealTimeTotalLoad", *store, "--output-dir", str(tmp_path / "state"))
    output = tmp_path / "load.parquet"
    result = run_cli("export", "realtime-total-load", *TWO_DAYS, *store, "--output",
                     str(output))
    assert result.code == 0, result.stderr
    assert result.summary["rows"] == 250
    assert pq.read_table(output).num_rows == 250


def test_an_unreadable_snapshot_is_named_and_exits_1(lake, tmp_path):
    """A damaged object fails the export's exit code but not the rows of the others."""
    shutil.copytree(lake / "sourcing", tmp_path / "lake/sourcing")
    junk = "sourcing/miso_realtime_total_load/2026/10/02/realtime_total_load_x.json.gz"
    (tmp_path / "lake" / junk).write_bytes(b"junk")
    result = run_cli("export", "realtime-total-load", *TWO_DAYS, "--output-dir",
                     str(tmp_path / "lake"), "--output", str(tmp_path / "out.parquet"))
    assert result.code == 1
    assert (result.summary["unreadable"], result.summary["rows"]) == ([junk], 250)


def test_plot_writes_a_png_of_one_day(lake, tmp_path):
    """plot draws the day's series into a PNG."""
    output = tmp_path / "load.png"
    result = run_cli("plot", "realtime-total-load", "--date", "2026-10-02", "--output-dir",
                     str(lake), "--output", str(output))
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["lines"] == 3
    assert output.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize(("args", "message"), [
    (["export", "no-such-dataset", "--from", "2026-10-02"], "unknown dataset"),
    (["export", "realtime-total-load", "--from", "2026-10-03", "--to", "2026-10-02"],
     "before --from"),
    (["plot", "realtime-total-load", "--date", "yesterday"], "not a day"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, args, message):
    """Unknown datasets and bad dates are refused before anything is read."""
    result = run_cli(*args, "--output-dir", str(tmp_path))
    assert result.code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def run_limited(*args, max_file_bytes):
    """The real command with files capped at ``max_file_bytes``, as on a full disk
    (Python ignores SIGXFSZ, so a write past the cap fails with EFBIG)."""
    import os
    import resource
    import subprocess
    import sys

    from .cli import Result

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDCOLLECT_")}
    done = subprocess.run([sys.executable, "-m", "gridcollect", *args], capture_output=True,
                          text=True, env=env, timeout=60, check=False, preexec_fn=cap)
    return Result(done.returncode, done.stdout, done.stderr)


def assert_one_error_line(result, *needles):
    assert result.code == 2, (result.stdout, result.stderr)
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and all(n in line for n in needles), line


@pytest.mark.parametrize("command", [
    ["export", "realtime-total-load", *TWO_DAYS, "--output"],
    ["plot", "realtime-total-load", "--date", "2026-10-02", "--output"],
])
def test_an_output_that_cannot_be_created_is_one_line(lake, tmp_path, command):
    """An output under a path that is a file (cannot be created) exits 2 with one line."""
    (tmp_path / "file").write_text("not a directory")
    output = tmp_path / "file" / ("out.parquet" if command[0] == "export" else "out.png")
    result = run_cli(*command, str(output), "--output-dir", str(lake))
    assert_one_error_line(result, f"cannot write {output}")


@pytest.mark.parametrize(("command", "name"), [
    (["export", "realtime-total-load", *TWO_DAYS], "load.parquet"),
    (["plot", "realtime-total-load", "--date", "2026-10-02"], "load.png"),
])
def test_a_full_disk_leaves_no_partial_file(lake, tmp_path, command, name):
    """A write that fails half-way exits 2 with one line and leaves no file behind."""
    output = tmp_path / "out" / name
    result = run_limited(*command, "--output-dir", str(lake), "--output", str(output),
                         max_file_bytes=2048)
    assert_one_error_line(result, f"cannot write {output}")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(("output", "fmt", "message"), [
    ("load.xlsx", None, "unknown file extension; end the name with one of: .parquet, .csv"),
    ("load", None, "no file extension"),
    ("load.csv", "parquet", "names csv, but --format is parquet"),
])
def test_export_refuses_an_output_whose_extension_names_no_format(lake, tmp_path, output,
                                                                  fmt, message):
    """Parquet is never written under another format's name."""
    extra = ["--format", fmt] if fmt else []
    result = run_cli("export", "realtime-total-load", *TWO_DAYS, *extra, "--output-dir",
                     str(lake), "--output", str(tmp_path / output))
    assert_one_error_line(result, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "magic"), [
    ("load.jpg", b"\xff\xd8\xff"), ("load.svg", b"<?xml"), ("load.pdf", b"%PDF"),
    ("load.PNG", b"\x89PNG"),
])
def test_plot_writes_the_format_its_extension_names(lake, tmp_path, name, magic):
    """--output x.jpg is a JPEG, x.svg an SVG: the extension names the format."""
    output = tmp_path / name
    result = run_cli("plot", "realtime-total-load", "--date", "2026-10-02", "--output-dir",
                     str(lake), "--output", str(output))
    assert result.code == 0, result.stderr
    assert output.read_bytes().startswith(magic)


def test_plot_refuses_an_image_format_it_cannot_write(lake, tmp_path):
    """An extension matplotlib cannot write is refused before anything is read."""
    result = run_cli("plot", "realtime-total-load", "--date", "2026-10-02", "--output-dir",
                     str(lake), "--output", str(tmp_path / "load.xlsx"))
    assert_one_error_line(result, "unknown file extension", ".png", ".svg")
    assert list(tmp_path.iterdir()) == []


def test_plot_without_pyarrow_says_plot_needs_it(lake, tmp_path):
    """Without pyarrow, plot names itself (not export) in the one-line error."""
    import os

    hidden = tmp_path / "hide" / "pyarrow"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    path = os.pathsep.join(filter(None, [str(tmp_path / "hide"), os.environ.get("PYTHONPATH")]))
    result = run_cli("plot", "realtime-total-load", "--date", "2026-10-02", "--output-dir",
                     str(lake), "--output", str(tmp_path / "load.png"),
                     env={"PYTHONPATH": path})
    assert_one_error_line(result, "plot needs pyarrow: pip install 'gridcollect[analysis]'")
