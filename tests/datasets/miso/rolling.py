"""Overlapping snapshots derived from a recording, stored and exported: the helpers of the
rolling-window and daily-feed tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gridcollect import datasets, keys
from gridcollect.digest import sha256_of
from gridcollect.export import ReadStats, parse_range
from gridcollect.export.engine import columns_of, read_rows
from gridcollect.stores.local import LocalStore

from .examples import snapshot

PREFIX = "sourcing"


def store(root: Path, name: str, payloads: list[Any]) -> LocalStore:
    """Store each payload as the pipeline would: its envelope, under its as-of key."""
    dataset = datasets.get(name)
    local = LocalStore(root)
    assert dataset.as_of is not None
    for payload in payloads:
        as_of = dataset.as_of(payload)
        base = keys.render(dataset.key_template, as_of, {})
        key, variant = base, 2
        while local.get(keys.join(PREFIX, key)) is not None:  # a daily feed's revision
            key = f"{base.removesuffix('.json.gz')}_{variant}.json.gz"
            variant += 1
        body = gzip.compress(json.dumps(dataset.envelope(
            snapshot(payload, as_of, as_of=as_of))).encode())
        local.put(keys.join(PREFIX, key), body, sha256=sha256_of(payload), overwrite=False)
    return local


def exported(root: Path, name: str, first: str, last: str, *,
             all_revisions: bool) -> list[dict[str, Any]]:
    """The export's rows (dicts by column name) of ``first`` .. ``last`` (UTC days)."""
    dataset = datasets.get(name)
    assert dataset.table is not None
    names = [c.name for c in columns_of(dataset.table)]
    rows = read_rows(dataset, LocalStore(root), PREFIX, parse_range(first, last),
                     all_revisions=all_revisions, stats=ReadStats())
    return [dict(zip(names, row, strict=True)) for row in rows]


def identities(name: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each row's identity under the dataset's table."""
    table = datasets.get(name).table
    assert table is not None
    return [tuple(row[c] for c in table.identity) for row in rows]


def shifted(rows: list[Any], steps: int, advance: Callable[[Any, int], Any]) -> list[Any]:
    """The window moved on by ``steps`` rows: the oldest dropped, new ones appended, each
    made by ``advance(last row, how many steps past it)``."""
    if steps == 0:
        return list(rows)
    return rows[steps:] + [advance(rows[-1], n) for n in range(1, steps + 1)]


def twelve_hour(moment: datetime, *, pad: bool = False) -> str:
    """``2026-10-02 4:45:00 PM`` (``04:45:00 PM`` with ``pad``), MISO's 12-hour form."""
    hour = (moment.hour + 11) % 12 + 1
    text = f"{hour:02d}" if pad else str(hour)
    return f"{moment:%Y-%m-%d} {text}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"


def ref(moment: datetime, *, seconds: bool = False) -> str:
    """``02-Oct-2026 - Interval 16:45 EST`` (with ``:SS`` when ``seconds``)."""
    clock = f"{moment:%H:%M:%S}" if seconds else f"{moment:%H:%M}"
    return f"{moment:%d-%b-%Y} - Interval {clock} EST"


@dataclass(frozen=True)
class Exports:
    """Overlapping snapshots' export: latest-wins rows, their identities, every revision."""

    latest: list[dict[str, Any]]
    found: list[tuple[Any, ...]]
    every: list[dict[str, Any]]


def store_and_export(root: Path, name: str, payloads: list[Any], first: str,
                     last: str) -> Exports:
    """Store ``payloads`` (see :func:`store`) and export ``first`` .. ``last`` both ways."""
    store(root, name, payloads)
    latest = exported(root, name, first, last, all_revisions=False)
    return Exports(latest, identities(name, latest),
                   exported(root, name, first, last, all_revisions=True))
