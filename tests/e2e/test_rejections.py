"""Invalid payloads end to end: rule named, nothing stored, nothing registered."""

from __future__ import annotations

import copy
import sqlite3
from datetime import UTC, datetime

import pytest

from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample

from .cli import run_cli, stored_files
from .test_collect_commands import COMMANDS

AT = datetime(2025, 12, 5, 12, tzinfo=UTC)
RESERVE_ROW = {"Name": "SPIN_ZONE_1", "Period": "2025-12-05T07:00:00", "Price": 12.5,
               "ReserveType": "SPIN", "Direction": "UP", "Quantity": 150.0, "OVERRIDE": 0,
               "BP1": None, "PC1": None, "BP2": None, "PC2": None}


def csat(change):
    payload = sample("CsatSupplyDemand", "documented", AT)
    change(payload)
    return payload


def load(change):
    payload = sample("RealTimeTotalLoad", "documented", AT)
    change(payload)
    return payload


def reserve(**row):
    return {"RefId": "2025-12-05T07:00:00-05:00", "Constraint": [{**RESERVE_ROW, **row}]}


def _set(path, value):
    def change(payload):
        target = payload
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
    return change


CASES = [
    ("csat", csat(_set(["data", "committedCapacity", "value"], 50000)),
     "committedCapacity (50000 MW) < actualDemand"),
    ("csat", csat(_set(["adequacyScore", "value"], 1.5)), "[0, 1]"),
    ("csat", csat(_set(["data", "actualDemand", "unit"], "GW")), "'MW'"),
    ("csat", csat(_set(["data", "demandForecast", "value"], -5)), "non-negative"),
    ("csat", csat(lambda p: p["data"]["committedCapacityForecast"].pop("forecastHorizon")),
     "forecastHorizon"),
    ("csat", csat(lambda p: p.pop("adequacyScore")), "adequacyScore"),
    ("csat", csat(lambda p: p["data"].pop("demandForecast")), "demandForecast"),
    ("load", load(lambda p: p.pop("RefId")), "RefId"),
    ("load", load(_set(["ClearedMW"], {"Hour": 1})), "ClearedMW"),
    ("load", load(lambda p: p["MediumTermLoadForecast"][0].pop("LoadForecast")), "LoadForecast"),
    ("load", load(lambda p: p["FiveMinTotalLoad"][0].update(Value="abc")), "numeric"),
    ("reserve", {"Constraint": []}, "RefId"),
    ("reserve", {"RefId": "2025-12-05T07:00:00-05:00", "Constraint": {}}, "Constraint"),
    ("reserve", reserve(Price="abc"), "Price"),
    ("reserve", reserve(Quantity="lots"), "Quantity"),
    ("reserve", reserve(Name=""), "Name"),
    ("reserve", reserve(OVERRIDE=7), "OVERRIDE"),
    ("reserve", reserve(BP1="x"), "BP1"),
    ("reserve", {"RefId": "2025-12-05T07:00:00-05:00",
                 "Constraint": [{k: v for k, v in RESERVE_ROW.items() if k != "PC2"}]}, "PC2"),
]


@pytest.mark.parametrize(("name", "payload", "reason"), CASES,
                         ids=[f"{c[0]}-{c[2][:24]}" for c in CASES])
def test_invalid_payload_fails_naming_the_rule_and_leaves_no_trace(tmp_path, name, payload,
                                                                   reason):
    """Each documented rule: exit 1, reason in the summary, no object, no registry entry."""
    endpoint, args = COMMANDS[name]
    with ReplayServer({f"/{endpoint}": Reply(body=payload)}) as miso:
        result = run_cli(*args, "--output-dir", str(tmp_path), "--api-base-url", miso.url)
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert "validation failed (documented shape)" in error["error"] and reason in error["error"]
    assert stored_files(tmp_path) == [] and result.summary["stored"] == []
    db = sqlite3.connect(tmp_path / ".gridcollect" / "registry.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM digests").fetchone() == (0,)
    outbox = sqlite3.connect(tmp_path / ".gridcollect" / "outbox.sqlite3")
    assert outbox.execute("SELECT COUNT(*) FROM outbox").fetchone() == (0,)


WARNING_CASES = [
    ("reserve", reserve(ReserveType="EXOTIC"), "EXOTIC"),
    # Beyond the 1 MW tolerance the specified system logs the mismatch and keeps the data.
    ("csat", csat(_set(["data", "availableCapacity", "value"], 1)), "availableCapacity (1 MW)"),
    # The specification asks total-load values only to be numbers.
    ("load", load(lambda p: p["FiveMinTotalLoad"][0].update(Value=-5)), "non-negative: -5 MW"),
]


@pytest.mark.parametrize(("name", "payload", "mention"), WARNING_CASES,
                         ids=[c[0] for c in WARNING_CASES])
def test_warnings_do_not_reject_a_payload(tmp_path, name, payload, mention):
    """An unexpected ReserveType, a CSAT availableCapacity off the balance and a negative
    load are logged as warnings, and the snapshot is stored."""
    endpoint, args = COMMANDS[name]
    with ReplayServer({f"/{endpoint}": Reply(body=copy.deepcopy(payload))}) as miso:
        result = run_cli(*args, "--output-dir", str(tmp_path), "--api-base-url", miso.url)
    assert result.code == 0 and result.summary["collected"] == 1, result.stderr
    assert mention in result.stderr and "WARNING" in result.stderr
