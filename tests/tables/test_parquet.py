"""The tables' Parquet helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from gridcollect import datasets
from gridcollect.tables.parquet import repeats_identity, sort_keys

TABLE = datasets.get("miso_lmp_five_min_expost").table
NOON = datetime(2026, 10, 2, 17, tzinfo=UTC)


def rows(*identities: tuple[str | None, datetime]) -> pa.Table:
    arrow = pa.table({"node": [n for n, _ in identities],
                      "interval_start": [t for _, t in identities],
                      "snapshot_ref": [NOON] * len(identities),
                      "snapshot_key": ["k"] * len(identities),
                      "snapshot_row": list(range(len(identities)))})
    return arrow.sort_by(sort_keys(TABLE))


def test_repeats_identity_finds_a_second_row_of_one_identity():
    """Distinct (node, interval) pairs do not repeat; a pair seen twice, or a null, does."""
    assert TABLE is not None
    assert not repeats_identity(rows(("A", NOON), ("B", NOON), ("A", NOON.replace(hour=18))),
                                TABLE)
    assert repeats_identity(rows(("A", NOON), ("B", NOON), ("A", NOON)), TABLE)
    assert repeats_identity(rows((None, NOON), ("B", NOON)), TABLE)
    assert not repeats_identity(rows(("A", NOON)), TABLE)
