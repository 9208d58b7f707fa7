"""What runs did, per dataset, for ``gridcollect status``.

``watch`` and the collect commands add their counts to ``<state-dir>/activity.sqlite3``.
The file is advisory: failing to write it is logged and never fails a run.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import BackendUnavailable
from .model import RunReport
from .secrets import redact
from .state_db import add_columns, open_state_db
from .stores import Store

log = logging.getLogger(__name__)

FILE_NAME = "activity.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS activity (
    dataset TEXT PRIMARY KEY,
    stored INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    last_key TEXT,
    last_location TEXT,
    last_stored_at TEXT,
    last_poll_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    newest_as_of TEXT
)
"""

# Columns added since the first release, with their declarations: files written by an
# older version get them when a writer opens them.
_ADDED_COLUMNS = {"newest_as_of": "TEXT"}

# Counts add up; "last" columns keep their value unless this run brings a newer one.
_UPSERT = """
INSERT INTO activity (dataset, stored, duplicates, failures, last_key, last_location,
                      last_stored_at, last_poll_at, last_error, last_error_at, newest_as_of)
VALUES (:dataset, :stored, :duplicates, :failures, :key, :location,
        :stored_at, :at, :error, :error_at, :as_of)
ON CONFLICT (dataset) DO UPDATE SET
    stored = stored + excluded.stored,
    duplicates = duplicates + excluded.duplicates,
    failures = failures + excluded.failures,
    last_key = COALESCE(excluded.last_key, last_key),
    last_location = CASE WHEN excluded.last_key IS NULL THEN last_location
                         ELSE excluded.last_location END,
    last_stored_at = COALESCE(excluded.last_stored_at, last_stored_at),
    last_poll_at = excluded.last_poll_at,
    last_error = COALESCE(excluded.last_error, last_error),
    last_error_at = COALESCE(excluded.last_error_at, last_error_at),
    newest_as_of = CASE WHEN newest_as_of IS NULL OR excluded.newest_as_of > newest_as_of
                        THEN COALESCE(excluded.newest_as_of, newest_as_of)
                        ELSE newest_as_of END
"""


@dataclass(frozen=True, slots=True)
class DatasetActivity:
    """Totals and the latest stored snapshot of one dataset, as ``status`` shows them."""

    dataset: str
    stored: int = 0
    duplicates: int = 0
    failures: int = 0
    last_key: str | None = None
    last_location: str | None = None
    last_stored_at: datetime | None = None
    last_poll_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    newest_as_of: datetime | None = None

    def age(self, now: datetime) -> float | None:
        """Seconds since the latest snapshot was stored, if any was."""
        if self.last_stored_at is None:
            return None
        return max(0.0, (now - self.last_stored_at).total_seconds())

    def as_of_age(self, now: datetime) -> float | None:
        """How old the newest stored data is: seconds since its as-of instant."""
        if self.newest_as_of is None:
            return None
        return max(0.0, (now - self.newest_as_of).total_seconds())

    def as_dict(self, now: datetime) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "dataset": self.dataset,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "failures": self.failures,
            "last_key": self.last_key,
            "last_location": self.last_location,
            "last_stored_at": iso(self.last_stored_at),
            "age_seconds": self.age(now),
            "last_poll_at": iso(self.last_poll_at),
            "last_error": self.last_error,
            "last_error_at": iso(self.last_error_at),
            "newest_as_of": iso(self.newest_as_of),
            "as_of_age_seconds": self.as_of_age(now),
        }


class ActivityLog:
    """A connection to the activity file; one per thread (SQLite handles are not shared)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self._db: sqlite3.Connection | None = None

    def record(
        self,
        dataset: str,
        *,
        stored: int = 0,
        duplicates: int = 0,
        failures: int = 0,
        key: str | None = None,
        location: str | None = None,
        error: str | None = None,
        at: datetime | None = None,
        as_of: datetime | None = None,
    ) -> None:
        """Add counts for ``dataset``; ``key`` names the latest object stored, if any,
        ``as_of`` its as-of instant (the newest one recorded is kept)."""
        at = at or datetime.now(UTC)
        # Failure texts come from client libraries and may quote a URL with its password.
        error = _redacted(error)
        row = {
            "dataset": dataset, "stored": stored, "duplicates": duplicates,
            "failures": failures, "key": key, "location": location,
            "stored_at": at.isoformat() if key else None, "at": at.isoformat(),
            "error": error, "error_at": at.isoformat() if error else None,
            # One format (UTC, "+00:00"), so that text order is time order.
            "as_of": as_of.astimezone(UTC).isoformat() if as_of else None,
        }
        try:
            self._connection().execute(_UPSERT, row)
        except (BackendUnavailable, sqlite3.Error) as exc:
            log.warning("cannot record activity in %s: %s", self.path, exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> ActivityLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            db = open_state_db(self.path, _SCHEMA, what="activity file")
            add_columns(db, "activity", _ADDED_COLUMNS, path=self.path, what="activity file")
            self._db = db
        return self._db


def record_run(
    state_dir: Path, report: RunReport, *, store: Store | None = None,
    at: datetime | None = None, as_of: datetime | None = None,
) -> None:
    """Add a finished collect run's counts to the activity file (``store`` names
    locations; ``as_of``, the newest as-of instant the run stored, defaults to the
    report's)."""
    key = report.stored[-1] if report.stored else None
    error = report.errors[-1]["error"] if report.errors else None
    location = None
    if key is not None and store is not None:
        location = store.location(key)
    with ActivityLog(state_dir) as activity:
        activity.record(
            report.dataset, stored=report.collected, duplicates=report.skipped_duplicate,
            failures=report.failed, key=key, location=location, error=error, at=at,
            as_of=as_of or report.newest_as_of,
        )


def read_activity(state_dir: Path) -> dict[str, DatasetActivity]:
    """Every dataset's recorded activity; empty when nothing was recorded yet."""
    path = Path(state_dir) / FILE_NAME
    if not path.is_file():
        return {}
    # Read-only: status must never create or change the state it reports on.
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM activity ORDER BY dataset").fetchall()
    finally:
        db.close()
    return {row["dataset"]: _activity(row) for row in rows}


def _activity(row: sqlite3.Row) -> DatasetActivity:
    def when(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    # A file no writer has opened since the column was added does not have it yet.
    newest_as_of = row["newest_as_of"] if "newest_as_of" in row.keys() else None  # noqa: SIM118

    return DatasetActivity(
        dataset=row["dataset"], stored=row["stored"], duplicates=row["duplicates"],
        failures=row["failures"], last_key=row["last_key"], last_location=row["last_location"],
        last_stored_at=when(row["last_stored_at"]), last_poll_at=when(row["last_poll_at"]),
        last_error=_redacted(row["last_error"]), last_error_at=when(row["last_error_at"]),
        newest_as_of=when(newest_as_of),
    )


def _redacted(text: str | None) -> str | None:
    return None if text is None else redact(text)


def format_age(seconds: float | None) -> str:
    """``"never"``, ``"42s"``, ``"5m 3s"``, ``"2h 10m"`` or ``"3d 4h"``."""
    if seconds is None:
        return "never"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


__all__ = ["ActivityLog", "DatasetActivity", "format_age", "read_activity", "record_run"]
