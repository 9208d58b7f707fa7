"""The benchmarks' smoke mode: every scenario, in seconds, with its JSON results."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_benchmark_smoke_run_completes_and_writes_its_results(tmp_path):
    """``python -m bench --smoke`` prints the table and writes one row per figure."""
    output = tmp_path / "latest.json"
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--output", str(output)],
                            cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("| scenario | backends | metric | median |")
    document = json.loads(output.read_text())
    assert document["mode"] == "smoke"
    metrics = {(row["scenario"].split(",")[0].split(":")[0], row["metric"])
               for row in document["rows"]}
    for expected in [("day window (289 slots)", "requests per distinct snapshot"),
                     ("watch", "capture rate"),
                     ("burst", "floor / pipeline time per snapshot"),
                     ("cold start", "wall time"),
                     ("memory", "peak RSS"),
                     ("tables", "sync throughput (bulk)")]:
        assert expected in metrics
    for row in document["rows"]:
        assert row["values"] and row["min"] <= row["median"] <= row["max"]
