"""What a run left behind, read straight from the backends, and the invariants it must keep.

The invariants are the guarantees of docs/reliability.md: each distinct snapshot stored
exactly once and complete; no registry entry without its object; every stored object
announced at least once; nothing left waiting in the outbox; no temporary files.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridcollect.digest import sha256_in, sha256_of
from gridcollect.model import Dataset

from ..support.servers import consume_messages


@dataclass
class FinalState:
    """Objects by key (gzip bodies), registry values by name, notifications, leftovers."""

    objects: dict[str, bytes]
    registry: dict[str, dict[str, Any]]
    notifications: list[dict[str, Any]]
    outbox_pending: int
    leftovers: list[str] = field(default_factory=list)

    def announced(self) -> Counter[str]:
        """How often each object key was announced."""
        return Counter(n["urn"].split(":", 3)[3] for n in self.notifications)


def _rows(path: Path, query: str) -> list[sqlite3.Row]:
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(query).fetchall()
    finally:
        db.close()


def outbox_pending(state_dir: Path) -> int:
    return len(_rows(state_dir / "outbox.sqlite3", "SELECT urn FROM outbox"))


def objects_on_disk(root: Path) -> dict[str, bytes]:
    """Objects under a local store's root (the state directory's files are not objects)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*.json.gz")}


def objects_in_s3(s3: Any, bucket: str) -> dict[str, bytes]:
    listing = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {i["Key"]: s3.get_object(Bucket=bucket, Key=i["Key"])["Body"].read() for i in listing}


def registry_in_sqlite(state_dir: Path) -> dict[str, dict[str, Any]]:
    rows = _rows(state_dir / "registry.sqlite3", "SELECT * FROM digests")
    return {r["name"]: {"state": r["state"], "key": r["key"]} for r in rows}


def registry_in_redis(redis: Any) -> dict[str, dict[str, Any]]:
    return {name: json.loads(redis.get(name)) for name in redis.scan_iter("hash:*")}


def notifications_in_file(state_dir: Path) -> list[dict[str, Any]]:
    """Every line of the notifications file; a torn line fails to parse here."""
    path = state_dir / "notifications.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def notifications_on_kafka(bootstrap: str, topic: str, count: int) -> list[dict[str, Any]]:
    """The topic's messages: ``count`` expected, then a second more to catch extra copies."""
    messages = consume_messages(bootstrap, topic, count=count, settle=1.0)
    return [json.loads(value) for _key, value in messages]


def local_state(output_dir: Path, state_dir: Path | None = None) -> FinalState:
    """The embedded backends: files under ``output_dir``, SQLite and JSON lines in state."""
    state_dir = state_dir or output_dir / ".gridcollect"
    return FinalState(
        objects_on_disk(output_dir), registry_in_sqlite(state_dir),
        notifications_in_file(state_dir), outbox_pending(state_dir),
        [str(p) for p in output_dir.rglob("*.tmp")],
    )


def production_state(
    *, s3: Any, bucket: str, redis: Any, kafka_bootstrap: str, topic: str, state_dir: Path,
    expect_messages: int = 1,
) -> FinalState:
    """S3 objects, Redis registry values, Kafka messages (and the local outbox)."""
    return FinalState(
        objects_in_s3(s3, bucket), registry_in_redis(redis),
        notifications_on_kafka(kafka_bootstrap, topic, expect_messages),
        outbox_pending(state_dir),
    )


def assert_consistent(state: FinalState, dataset: Dataset, expected: set[str]) -> None:
    """Every invariant of a clean end state, for snapshots whose SHA-256s are ``expected``."""
    digests = Counter()
    for key, body in state.objects.items():
        envelope = json.loads(gzip.decompress(body))  # a truncated object fails here
        digests[sha256_of(dataset.unwrap(envelope))] += 1
        assert state.announced()[key] >= 1, f"{key} was stored but never announced"
    assert digests == Counter({sha: 1 for sha in expected}), "each snapshot exactly once"
    for name, value in state.registry.items():
        assert value["state"] == "registered", f"{name} is left {value['state']}"
        assert value["key"] in state.objects, f"{name} names {value['key']}, which is absent"
        assert sha256_in(name) in expected
    assert set(state.announced()) <= set(state.objects), "an announcement names no object"
    assert state.outbox_pending == 0, "notifications still wait in the outbox"
    assert state.leftovers == [], "temporary files were left behind"
