"""Where a dataset's tables live next to its snapshots, and which store they use.

``<prefix>/tables/<dataset>/date=YYYY-MM-DD/part-<seq>-<token>.parquet`` holds the rows
of one market day (MISO's EST clock, UTC-5 all year); ``<prefix>/tables/<dataset>/
_manifest/`` says which files are live and which snapshots they hold. Engines that read
the Hive layout skip names starting with ``_`` or ``.``.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Protocol

from .. import keys
from ..model import Dataset

TABLES_FOLDER = "tables"
MANIFEST_FOLDER = "_manifest"
LATEST_FOLDER = "_latest"  # per finished day, its latest revisions: a cache the views use
EST = timezone(timedelta(hours=-5), "EST")
_PART = re.compile(r"^(?:_latest/)?date=(\d{4}-\d{2}-\d{2})/part-(\d{12})-[0-9a-f]+\.parquet$")
# A test-only switch: SIGKILL this process at a named point (see tests/tables/test_crashes.py).
FAULT_VARIABLE = "GRIDCOLLECT_TABLES_FAULT"


class TableStore(Protocol):
    """What tables need of a store: the snapshot store's verbs and ``delete``."""

    def put(self, key: str, body: bytes, *, sha256: str, overwrite: bool,
            content_type: str = ..., content_encoding: str | None = ...) -> Any: ...

    def get(self, key: str) -> bytes | None: ...

    def keys(self, prefix: str) -> Any: ...

    def delete(self, key: str) -> None: ...

    def describe(self) -> str: ...


def table_root(prefix: str, dataset: str) -> str:
    """The key under which ``dataset``'s table lives."""
    return keys.join(prefix, f"{TABLES_FOLDER}/{dataset}")


def market_day(moment: datetime) -> date:
    """The operating day of an instant on MISO's market clock (EST all year)."""
    return moment.astimezone(EST).date()


def partition(day: date) -> str:
    return f"date={day.isoformat()}"


def file_name(day: date, seq: int, token: str) -> str:
    """A data file's path inside the table: its partition, then the commit it is for."""
    return f"{partition(day)}/part-{seq:012d}-{token}.parquet"


def latest_name(day: date, seq: int, token: str) -> str:
    """A latest-revisions file's path inside the table."""
    return f"{LATEST_FOLDER}/{file_name(day, seq, token)}"


def is_latest(path: str) -> bool:
    return path.startswith(LATEST_FOLDER + "/")


def parse_file(path: str) -> tuple[date, int] | None:
    """``(market day, commit)`` of a data (or latest) file's path inside the table; None
    for anything else."""
    found = _PART.match(path)
    if found is None:
        return None
    return date.fromisoformat(found[1]), int(found[2])


def snapshot_folder(dataset: Dataset, prefix: str) -> str:
    """The listing prefix that holds every snapshot of ``dataset``: the path segments its
    key template gives whatever the time (renders of two far-apart instants agree on them)."""
    first = keys.render(dataset.key_template, datetime(2001, 1, 1), {}).split("/")
    last = keys.render(dataset.key_template, datetime(2099, 12, 31, 23, 59, 59), {}).split("/")
    common: list[str] = []
    for a, b in zip(first[:-1], last[:-1], strict=False):
        if a != b:
            break
        common.append(a)
    folder = "/".join(common)
    return keys.join(prefix, folder) + "/" if folder else (prefix + "/" if prefix else "")


def fault(point: str) -> None:
    """Kill this process at ``point`` when the test-only fault switch names it."""
    if os.environ.get(FAULT_VARIABLE) == point:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
