"""Hostile or odd answers from the API, seen through the real command: a named failure of
the candidate concerned and a summary, never a traceback."""

from __future__ import annotations

from datetime import UTC, datetime

from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample

from .cli import run_cli, stored_files

NOW = datetime.now(UTC)
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
        result = run_cli("collect", "--api-base-url", server.url, "--max-retries", "1",
                         "--output-dir", str(tmp_path))
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
