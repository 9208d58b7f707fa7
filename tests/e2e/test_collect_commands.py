"""The three collect commands end to end: real command, real local HTTP server."""

from __future__ import annotations

import json
import signal
from datetime import UTC, datetime, timedelta

import pytest

from gridcollect.datasets import all_datasets
from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample

from .cli import SLOT, WIRE, read_object, run_cli, start_cli, stored_files, wait_for_line
from .cli import expected_key as key_at_as_of

COMMANDS = {
    "csat": ("CsatSupplyDemand",
             ["miso", "csat-supply-demand", "--start-datetime", SLOT, "--end-datetime", SLOT]),
    "load": ("RealTimeTotalLoad",
             ["miso", "realtime-total-load", "--start-date", SLOT, "--end-date", SLOT]),
    "reserve": ("BindingConstraints/Reserve", ["miso", "binding-constraints-reserve"]),
}
DATASETS = {d.endpoint: d for d in all_datasets()}


def body_for(endpoint: str, shape: str) -> bytes:
    if shape == "wire":
        return (WIRE / f"{endpoint}.json").read_bytes()
    documented = sample(endpoint, "documented", datetime(2025, 12, 5, 12, tzinfo=UTC))
    return json.dumps(documented).encode()


def as_of(endpoint: str, body: bytes) -> datetime:
    """The as-of instant the served payload states (the dataset's own reader)."""
    return DATASETS[endpoint].as_of(json.loads(body))


def expected_key(endpoint: str, body: bytes, **params: str) -> str:
    """Where a snapshot of ``body`` belongs: the key template at its payload's as-of."""
    return key_at_as_of(DATASETS[endpoint], body, **params)


@pytest.fixture
def miso():
    with ReplayServer() as server:
        yield server


def collect(miso, tmp_path, name, *extra):
    _endpoint, args = COMMANDS[name]
    return run_cli(*args, "--output-dir", str(tmp_path), "--api-base-url", miso.url, *extra)


def check_envelope(name, envelope, payload, when):
    """The documented envelope, its times those of the payload's as-of instant ``when``."""
    if name == "csat":
        assert envelope["api_response"] == payload
        assert envelope["metadata"]["data_type"] == "csat_supply_demand"
        assert envelope["metadata"]["timestamp"] == f"{when:%Y%m%dT%H%M%SZ}"
        assert envelope["metadata"]["as_of"].startswith(f"{when:%Y-%m-%dT%H:%M:%S}")
        assert envelope["collection_timestamp"].endswith("Z")
    elif name == "load":
        assert envelope["data"] == payload
        meta = envelope["collection_metadata"]
        assert (meta["data_type"], meta["date"], meta["timestamp"]) == (
            "realtime_total_load", f"{when:%Y-%m-%d}", f"{when:%Y%m%d_%H%M%S}")
        assert meta["source_url"].endswith("/RealTimeTotalLoad")
    else:
        assert envelope == payload


@pytest.mark.parametrize("shape", ["wire", "documented"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_collect_stores_the_documented_key_and_envelope(miso, tmp_path, name, shape):
    """Each command stores one object at the documented key with the documented envelope."""
    endpoint, _args = COMMANDS[name]
    body = body_for(endpoint, shape)
    miso.set(f"/{endpoint}", Reply(body=body))
    result = collect(miso, tmp_path, name)
    assert result.code == 0, result.stderr
    summary = result.summary
    assert (summary["collected"], summary["failed"], summary["skipped_duplicate"]) == (1, 0, 0)
    [key] = summary["stored"]
    assert key == expected_key(endpoint, body)
    assert stored_files(tmp_path) == [key]
    check_envelope(name, read_object(tmp_path, key), json.loads(body), as_of(endpoint, body))
    notifications = (tmp_path / ".gridcollect/notifications.jsonl").read_text().splitlines()
    assert [json.loads(n)["urn"] for n in notifications] == [f"urn:gridcollect:dev:{key}"]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_second_identical_run_is_a_duplicate_and_force_stores_again(miso, tmp_path, name):
    """Run twice: the second stores nothing; --force stores again."""
    endpoint, _args = COMMANDS[name]
    miso.set(f"/{endpoint}", Reply(body=body_for(endpoint, "wire")))
    assert collect(miso, tmp_path, name).code == 0
    again = collect(miso, tmp_path, name)
    assert again.code == 0
    assert (again.summary["skipped_duplicate"], again.summary["collected"]) == (1, 0)
    forced = collect(miso, tmp_path, name, "--force")
    assert forced.code == 0 and forced.summary["collected"] == 1


def test_a_past_day_window_makes_one_request_and_says_history_is_unavailable(miso, tmp_path):
    """A day of 5-minute slots in the past is one request, stored under the as-of instant
    of what MISO served, with a warning naming the window and that instant."""
    body = body_for("RealTimeTotalLoad", "wire")
    miso.set("/RealTimeTotalLoad", Reply(body=body))
    result = run_cli("miso", "realtime-total-load", "--start-date", "2025-12-05",
                     "--end-date", "2025-12-06", "--output-dir", str(tmp_path),
                     "--api-base-url", miso.url)
    assert result.code == 0 and len(miso.requests) == 1
    assert result.summary["stored"] == [expected_key("RealTimeTotalLoad", body)]
    assert result.summary["requested"] == 289
    [warning] = result.summary["warnings"]
    assert "289 slots from 2025-12-05T00:00:00Z to 2025-12-06T00:00:00Z" in warning
    assert f"as of {as_of('RealTimeTotalLoad', body):%Y-%m-%dT%H:%M:%SZ}" in warning
    assert "history is not available" in result.stderr and warning in result.stderr


def test_the_readme_headline_command_warns_that_its_one_past_slot_is_now(miso, tmp_path):
    """``--start-date now --end-date now`` is one past slot: stored under the as-of instant
    of the snapshot served, and the run says so on stderr and in the summary."""
    body = body_for("RealTimeTotalLoad", "wire")
    miso.set("/RealTimeTotalLoad", Reply(body=body))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    result = run_cli("miso", "realtime-total-load", "--start-date", now, "--end-date", now,
                     "--output-dir", str(tmp_path), "--api-base-url", miso.url)
    assert result.code == 0, result.stderr
    key = expected_key("RealTimeTotalLoad", body)
    assert result.summary["stored"] == [key] and result.summary["requested"] == 1
    [warning] = result.summary["warnings"]
    assert f"requested slot {now}Z, already past" in warning
    assert f"as of {as_of('RealTimeTotalLoad', body):%Y-%m-%dT%H:%M:%SZ}" in warning
    assert warning in result.stderr


def test_region_is_sent_as_a_query_parameter_and_suffixes_the_key(miso, tmp_path):
    """--region south asks MISO for SOUTH and stores under ..._south.json.gz."""
    miso.set("/CsatSupplyDemand", Reply(body=body_for("CsatSupplyDemand", "wire")))
    body = body_for("CsatSupplyDemand", "wire")
    result = collect(miso, tmp_path, "csat", "--region", "south")
    assert result.code == 0
    assert result.summary["stored"] == [expected_key("CsatSupplyDemand", body, region="SOUTH")]
    assert result.summary["stored"][0].endswith("_south.json.gz")
    assert miso.requests[0].query == {"region": ["SOUTH"]}
    envelope = read_object(tmp_path, result.summary["stored"][0])
    assert envelope["metadata"]["region"] == "SOUTH"


def test_csat_404_stores_the_no_data_placeholder(miso, tmp_path):
    """CSAT's 404 means no data: a placeholder is stored, and the run succeeds."""
    miso.set("/CsatSupplyDemand", Reply(status=404))
    result = collect(miso, tmp_path, "csat")
    assert result.code == 0 and result.summary["collected"] == 1
    envelope = read_object(tmp_path, result.summary["stored"][0])
    assert envelope["metadata"].get("placeholder") is True


def test_csat_400_reports_an_invalid_region(miso, tmp_path):
    """CSAT's 400 is reported as an invalid region."""
    miso.set("/CsatSupplyDemand", Reply(status=400))
    result = collect(miso, tmp_path, "csat", "--region", "NORTH")
    assert result.code == 1
    assert "region" in result.summary["errors"][0]["error"].lower()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [(Reply(status=404), "HTTP 404"), (Reply(status=503), "HTTP 503"),
     (Reply(body=b'{"LoadInfo": '), "invalid JSON"),
     (Reply(body=b"<html>oops</html>", content_type="text/html"), "expected JSON")],
    ids=["404", "503", "invalid-json", "html"],
)
def test_total_load_failures_fail_the_candidate_with_a_clear_reason(miso, tmp_path, reply, reason):
    """404, 503 (after retries) and broken bodies fail with exit 1 and nothing stored."""
    miso.set("/RealTimeTotalLoad", reply)
    result = collect(miso, tmp_path, "load", "--max-retries", "0")
    assert result.code == 1
    assert result.summary["failed"] == 1 and reason in result.summary["errors"][0]["error"]
    assert stored_files(tmp_path) == []


def test_a_future_slot_is_waited_for_with_plain_progress_lines(miso, tmp_path):
    """Off a terminal, each awaited slot and its outcome is one line on stderr; the slot is
    captured by the first snapshot as of it or later, stored under that snapshot's time."""
    slot = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    # The stand-in's snapshot describes the first five-minute interval after the slot.
    body = json.dumps(sample("RealTimeTotalLoad", "wire", slot + timedelta(minutes=5))).encode()
    miso.set("/RealTimeTotalLoad", Reply(body=body))
    stamp = slot.strftime("%Y-%m-%dT%H:%M:%S")
    result = run_cli("miso", "realtime-total-load", "--start-date", stamp, "--end-date", stamp,
                     "--output-dir", str(tmp_path), "--api-base-url", miso.url)
    assert result.code == 0, result.stderr
    key = expected_key("RealTimeTotalLoad", body)
    assert f"[1/1] waiting for slot {stamp}Z" in result.stderr
    assert f"slot {stamp}Z: stored {key}" in result.stderr
    assert result.summary["stored"] == [key] and result.summary["warnings"] == []
    assert len(miso.requests) == 1 and result.summary["collected"] == 1


def test_ctrl_c_while_waiting_for_a_future_slot_prints_the_summary_then_exits_130(
    miso, tmp_path
):
    """SIGINT while a window waits: the summary of what was stored is printed, then 130."""
    body = body_for("RealTimeTotalLoad", "wire")
    miso.set("/RealTimeTotalLoad", Reply(body=body))
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = (f"{t:%Y-%m-%dT%H:%M:%S}" for t in (now, now + timedelta(minutes=10)))
    with start_cli("miso", "realtime-total-load", "--start-date", start, "--end-date", end,
                   "--output-dir", str(tmp_path), "--api-base-url", miso.url) as process:
        seen = wait_for_line(process, "waiting for slot")
        assert "[1/2] waiting for slot" in seen
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    summary = json.loads(stdout.strip().splitlines()[-1])
    key = expected_key("RealTimeTotalLoad", body)
    assert summary["interrupted"] is True and summary["stored"] == [key]
    assert (summary["requested"], summary["collected"], summary["failed"]) == (3, 1, 0)
    assert stderr.rstrip().endswith("interrupted") and "Traceback" not in stderr
    assert stored_files(tmp_path) == [key]


def test_status_reports_what_collect_runs_stored(miso, tmp_path):
    """After a collect run and a duplicate run, status shows one stored and one duplicate."""
    miso.set("/BindingConstraints/Reserve",
             Reply(body=body_for("BindingConstraints/Reserve", "wire")))
    first = collect(miso, tmp_path, "reserve")
    collect(miso, tmp_path, "reserve")
    status = run_cli("status", "--output-dir", str(tmp_path), "--json")
    assert status.code == 0, status.stderr
    rows = {row["dataset"]: row for row in json.loads(status.stdout)["datasets"]}
    reserve = rows["miso_binding_constraints_reserve"]
    assert (reserve["stored"], reserve["duplicates"], reserve["failures"]) == (1, 1, 0)
    assert reserve["last_key"] == first.summary["stored"][0]
    assert rows["miso_realtime_total_load"]["stored"] == 0
