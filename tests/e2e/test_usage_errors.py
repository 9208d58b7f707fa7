"""Bad user input: exit 2, one clear line, no traceback, nothing fetched or stored."""

from __future__ import annotations

import pytest

from gridcollect.replay import ReplayServer, Reply

from .cli import run_cli

LOAD = ["miso", "realtime-total-load", "--start-date", "2025-12-05", "--end-date", "2025-12-05"]
CASES = {
    "end-before-start": (["miso", "realtime-total-load", "--start-date", "2025-12-06",
                          "--end-date", "2025-12-05"], "before"),
    "bad-date": (["miso", "realtime-total-load", "--start-date", "2025-02-30",
                  "--end-date", "2025-03-01"], "is not a date"),
    "missing-window": (["miso", "realtime-total-load"], "Missing option"),
    "unknown-region": (["miso", "csat-supply-demand", "--start-datetime", "2025-12-05T00:00:00",
                        "--end-datetime", "2025-12-05T00:00:00", "--region", "WEST"], "WEST"),
    "unknown-dataset": (["miso", "fuel-mix"], "No such command"),
    "bad-api-url": ([*LOAD, "--api-base-url", "ftp://example"], "http(s) URL"),
    "bad-redis-url": ([*LOAD, "--redis-url", "http://localhost:6379"], "redis://"),
    "bad-redis-port": ([*LOAD, "--redis-port", "-1"], "redis-port"),
    "negative-timeout": ([*LOAD, "--timeout", "-3"], "timeout"),
    "negative-retries": ([*LOAD, "--max-retries", "-1"], "max-retries"),
    "bad-environment": ([*LOAD, "--environment", "qa"], "qa"),
    "bad-bucket": ([*LOAD, "--s3-bucket", "Not_A_Bucket"], "bucket"),
    "escaping-prefix": ([*LOAD, "--prefix", "../../etc"], "prefix"),
}


@pytest.mark.parametrize(("args", "needle"), CASES.values(), ids=CASES.keys())
def test_malformed_input_is_a_usage_error_with_one_clear_line(tmp_path, args, needle):
    """Exit 2, the problem named, no traceback, no request, no file."""
    with ReplayServer({"/RealTimeTotalLoad": Reply(body={})}) as miso:
        result = run_cli(*args, "--output-dir", str(tmp_path / "out"), "--api-base-url",
                         miso.url) if "--api-base-url" not in args else run_cli(
            *args, "--output-dir", str(tmp_path / "out"))
        assert miso.requests == []
    assert result.code == 2, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "sourcing").exists()
