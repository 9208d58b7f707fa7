"""Bad user input: exit 2, one clear line, no traceback, nothing fetched or stored."""

from __future__ import annotations

import pytest

from gridcollect.replay import ReplayServer, Reply

from .cli import run_cli

LOAD = ["miso", "realtime-total-load", "--start-date", "2025-12-05", "--end-date", "2025-12-05"]
CSAT = ["miso", "csat-supply-demand", "--start-datetime", "2025-12-05T00:00:00",
        "--end-datetime", "2025-12-05T00:00:00"]
S3 = ["--s3-bucket", "my-bucket"]
CASES = {
    # time windows
    "end-before-start": (["miso", "realtime-total-load", "--start-date", "2025-12-06",
                          "--end-date", "2025-12-05"], "before"),
    "end-before-start-across-zones": (["miso", "realtime-total-load", "--start-date",
                                       "2025-12-05T00:00:00+00:00", "--end-date",
                                       "2025-12-05T00:00:00+01:00"], "before"),
    "csat-end-before-start": (["miso", "csat-supply-demand", "--start-datetime",
                               "2025-12-05T01:00:00", "--end-datetime", "2025-12-05T00:00:00"],
                              "--end-datetime is before --start-datetime"),
    "bad-date": (["miso", "realtime-total-load", "--start-date", "2025-02-30",
                  "--end-date", "2025-03-01"], "is not a date"),
    "month-13": (["miso", "realtime-total-load", "--start-date", "2025-13-01",
                  "--end-date", "2025-13-01"], "is not a date"),
    "hour-25": (["miso", "realtime-total-load", "--start-date", "2025-12-05T25:00:00",
                 "--end-date", "2025-12-06"], "is not a date"),
    "empty-date": (["miso", "realtime-total-load", "--start-date", "",
                    "--end-date", "2025-12-05"], "is not a date"),
    "words-for-a-date": (["miso", "csat-supply-demand", "--start-datetime", "yesterday",
                          "--end-datetime", "2025-12-05T00:00:00"], "'yesterday' is not a date"),
    "missing-window": (["miso", "realtime-total-load"], "Missing option"),
    # what to collect
    "unknown-region": ([*CSAT, "--region", "WEST"], "WEST"),
    "empty-region": ([*CSAT, "--region", ""], "--region"),
    "unknown-dataset": (["miso", "no-such-dataset"], "No such command"),
    "unknown-operator": (["ercot", "load"], "No such command"),
    "unknown-option": ([*LOAD, "--colour", "red"], "No such option"),
    "bad-environment": ([*LOAD, "--environment", "qa"], "qa"),
    "bad-environment-from-env": (LOAD, "qa", {"GRIDCOLLECT_ENVIRONMENT": "qa"}),
    # URLs and connection strings
    "bad-api-url": ([*LOAD, "--api-base-url", "ftp://example"], "http(s) URL"),
    "api-url-without-host": ([*LOAD, "--api-base-url", "http://"], "http(s) URL"),
    "api-url-with-bad-port": ([*LOAD, "--api-base-url", "http://localhost:99999/api"],
                              "invalid port"),
    "api-url-from-env": (LOAD, "http(s) URL", {"MISO_API_BASE_URL": "not a url"}),
    "s3-endpoint-without-scheme": ([*LOAD, *S3, "--s3-endpoint-url", "localhost:9000"],
                                   "http(s) URL"),
    "bad-redis-url": ([*LOAD, "--redis-url", "http://localhost:6379"], "redis://"),
    "redis-url-with-bad-port": ([*LOAD, "--redis-url", "redis://localhost:abc/0"],
                                "invalid port"),
    "redis-url-with-bad-database": ([*LOAD, "--redis-url", "redis://localhost:6379/zero"],
                                    "the database must be a number"),
    "redis-socket-without-path": ([*LOAD, "--redis-url", "unix://"], "no socket path"),
    "bad-redis-port": ([*LOAD, "--redis-port", "-1"], "redis-port"),
    "redis-port-too-large": ([*LOAD, "--redis-port", "70000"], "redis-port"),
    "redis-port-from-env": (LOAD, "redis-port", {"REDIS_PORT": "abc"}),
    "negative-redis-db": ([*LOAD, "--redis-db", "-1"], "redis-db"),
    "kafka-without-port": ([*LOAD, "--kafka-connection-string", "kafka://broker"],
                           "is not host:port"),
    "kafka-port-too-large": ([*LOAD, "--kafka-connection-string", "kafka://broker:99999"],
                             "is not host:port"),
    "kafka-wrong-scheme": ([*LOAD, "--kafka-connection-string", "http://broker:9092"],
                           "scheme must be kafka://"),
    "kafka-unknown-option": ([*LOAD, "--kafka-connection-string",
                              "kafka://u:s3cret-pw@broker:9092?colour=red"], "unknown option"),
    "kafka-bad-topic": ([*LOAD, "--kafka-connection-string", "kafka://broker:9092/bad topic!"],
                        "topic"),
    "kafka-bad-topic-option": ([*LOAD, "--kafka-connection-string", "broker:9092",
                                "--kafka-topic", "bad topic"], "--kafka-topic"),
    "kafka-user-without-password": ([*LOAD, "--kafka-connection-string",
                                     "kafka://alice@broker:9092"], "only one was found"),
    "kafka-missing-sasl-file": ([*LOAD, "--kafka-connection-string",
                                 "kafka://broker:9092?X_sasl_file=/no/such/file.json"],
                                "cannot read X_sasl_file"),
    "bad-bucket": ([*LOAD, "--s3-bucket", "Not_A_Bucket"], "bucket"),
    "bucket-like-an-ip-address": ([*LOAD, "--s3-bucket", "192.168.1.1"], "bucket"),
    "bucket-with-two-dots": ([*LOAD, "--s3-bucket", "my..bucket"], "bucket"),
    "bad-bucket-from-env": (LOAD, "bucket", {"S3_BUCKET": "Bad_Bucket"}),
    # numbers
    "negative-timeout": ([*LOAD, "--timeout", "-3"], "timeout"),
    "timeout-not-a-number": ([*LOAD, "--timeout", "abc"], "timeout"),
    "timeout-nan": ([*LOAD, "--timeout", "nan"], "is not a number of seconds"),
    "timeout-infinite": ([*LOAD, "--timeout", "inf"], "timeout"),
    "negative-retries": ([*LOAD, "--max-retries", "-1"], "max-retries"),
    "too-many-retries": ([*LOAD, "--max-retries", "1000"], "max-retries"),
    "zero-response-cap": ([*LOAD, "--max-response-bytes", "0"], "max-response-bytes"),
    "negative-response-cap": ([*LOAD, "--max-response-bytes", "-5"], "max-response-bytes"),
    "zero-kafka-timeout": ([*LOAD, "--kafka-timeout", "0"], "kafka-timeout"),
    "kafka-timeout-nan": ([*LOAD, "--kafka-timeout", "nan"], "is not a number of seconds"),
    # logging, paths, prefixes
    "bad-log-level": ([*LOAD, "--log-level", "LOUD"], "--log-level"),
    "bad-log-format": ([*LOAD, "--log-format", "xml"], "--log-format"),
    "empty-output-dir": ([*LOAD, "--output-dir", ""], "must not be empty"),
    "empty-state-dir": ([*LOAD, "--state-dir", ""], "must not be empty"),
    "state-dir-is-a-file": ([*LOAD, "--state-dir", __file__], "is a file"),
    "escaping-prefix": ([*LOAD, "--prefix", "../../etc"], "prefix"),
    "escaping-prefix-mid-path": ([*LOAD, "--prefix", "a/../../b"], "prefix"),
    "escaping-prefix-from-env": (LOAD, "prefix", {"GRIDCOLLECT_PREFIX": "../up"}),
    "prefix-with-backslashes": ([*LOAD, "--prefix", "..\\..\\x"], "unsafe segment"),
    "prefix-percent-encoded": ([*LOAD, "--prefix", "%2e%2e"], "unsafe segment"),
    "prefix-with-space": ([*LOAD, "--prefix", "a b"], "unsafe segment"),
    "prefix-with-empty-segment": ([*LOAD, "--prefix", "a//b"], "prefix"),
}


def case_params():
    return [pytest.param(args, needle, env[0] if env else {}, id=name)
            for name, (args, needle, *env) in CASES.items()]


@pytest.mark.scenario(f"Malformed values for every kind of option or its environment variable "
                      f"({len(CASES)} cases: dates, windows, names, URLs, connection strings, "
                      f"numbers, paths, prefixes)",
                      outcome="exit 2, one 'error:' line (nothing else on stderr) naming "
                              "the problem, no traceback, "
                              "no request to MISO, no object stored")
@pytest.mark.parametrize(("args", "needle", "env"), case_params())
def test_malformed_input_is_a_usage_error_with_one_clear_line(tmp_path, args, needle, env):
    """Exit 2, the problem named on one line (all stderr holds), no traceback, no request,
    no file."""
    with ReplayServer({"/RealTimeTotalLoad": Reply(body={})}) as miso:
        extra = ["--output-dir", str(tmp_path / "out")] if "--output-dir" not in args else []
        if "--api-base-url" not in args and "MISO_API_BASE_URL" not in env:
            extra += ["--api-base-url", miso.url]
        result = run_cli(*args, *extra, env=env)
        assert miso.requests == []
    assert result.code == 2, (result.stdout, result.stderr)
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and needle in line
    assert "Traceback" not in result.stderr and "s3cret-pw" not in result.stderr
    assert not (tmp_path / "out" / "sourcing").exists()
