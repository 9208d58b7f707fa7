"""Hostile or odd answers from the API, seen through the real command: a named failure of
the candidate concerned and a summary, never a traceback."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample

from ..support.drip import DripServer
from .cli import run_cli, stored_files

NOW = datetime.now(UTC)
SLOT = NOW.strftime("%Y-%m-%dT%H:%M:%S")
ENDPOINTS = ("RealTimeTotalLoad", "BindingConstraints/Reserve", "CsatSupplyDemand")


def miso() -> ReplayServer:
    """Every dataset answered with a valid sample of its own."""
    return ReplayServer({f"/{endpoint}": Reply(body=sample(endpoint, "wire", NOW, seed=seed))
                         for seed, endpoint in enumerate(ENDPOINTS)})


def failures(result):
    return {d["dataset"]: [e["error"] for e in d["errors"]] for d in result.summary["datasets"]}


def test_a_malformed_retry_after_fails_one_dataset_and_spares_the_others(tmp_path):
    """A Retry-After of '²' or a bad date is ignored: the retries run, the dataset fails by
    name, the others are stored and the summary is printed."""
    with miso() as server:
        server.set("/RealTimeTotalLoad", Reply(status=503, headers={"Retry-After": "\u00b2"}))
        server.set("/BindingConstraints/Reserve",
                   Reply(status=429, headers={"Retry-After": "Wed, 99 Foo 2025 00:00:00 GMT"}))
        result = run_cli("collect", "miso_realtime_total_load", "miso_binding_constraints_reserve",
                         "miso_csat_supply_demand", "--api-base-url", server.url,
                         "--max-retries", "1", "--output-dir", str(tmp_path))
        retried = len(server.requests_for("/RealTimeTotalLoad"))
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (result.summary["collected"], result.summary["failed"]) == (1, 2)
    assert failures(result)["miso_realtime_total_load"] == [
        "HTTP 503 (gave up after 2 attempts)"]
    assert failures(result)["miso_binding_constraints_reserve"] == [
        "HTTP 429 (gave up after 2 attempts)"]
    assert retried == 2
    assert [f.split("/")[1] for f in stored_files(tmp_path)] == ["miso_csat_supply_demand"]


def test_an_api_host_that_does_not_resolve_fails_at_once_with_the_way_forward(tmp_path):
    """Offline (here: a name under .invalid): no retries, one line naming the host, that it
    is unreachable from this machine, and `gridcollect demo` and --api-base-url."""
    started = time.monotonic()
    result = run_cli("miso", "realtime-total-load", "--start-date", SLOT, "--end-date", SLOT,
                     "--api-base-url", "https://miso.gridcollect-test.invalid/api",
                     "--output-dir", str(tmp_path))
    elapsed = time.monotonic() - started
    assert result.code == 1, result.stderr
    assert "Traceback" not in result.stderr and "retry" not in result.stderr
    [error] = result.summary["errors"]
    assert error["error"].startswith("cannot resolve miso.gridcollect-test.invalid: the API "
                                     "server is unreachable from this machine")
    assert "`gridcollect demo`" in error["error"] and "--api-base-url" in error["error"]
    assert "gaierror" not in result.stderr
    assert elapsed < 4


@pytest.mark.parametrize("phase", ["headers", "body", "chunked"])
@pytest.mark.scenario("MISO drips its answer a byte every 0.2 s (headers, a body of known "
                      "length, or a chunked body spooled to a file) with --timeout 2",
                      outcome="the attempt ends 2 s after it began, not after the hour the "
                              "answer would take: exit 1, 'timed out (no complete answer "
                              "within 2 s)', nothing stored")
def test_an_answer_dripping_for_ever_ends_the_run_soon_after_the_timeout(tmp_path, phase):
    """--timeout bounds the whole attempt, not each read: the run ends within seconds."""
    with DripServer(phase, interval=0.2) as drip:
        started = time.monotonic()
        result = run_cli("miso", "realtime-total-load", "--start-date", SLOT, "--end-date", SLOT,
                         "--api-base-url", drip.url, "--timeout", "2", "--max-retries", "0",
                         "--output-dir", str(tmp_path))
        elapsed = time.monotonic() - started
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert error["error"] == "timed out (no complete answer within 2 s) (gave up after 1 attempts)"
    assert elapsed < 2 + 3 and stored_files(tmp_path) == []
