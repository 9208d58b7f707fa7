"""The embedded registry: one SQLite file in the state directory.

Transactions take the write lock up front (``BEGIN IMMEDIATE``), so several local
processes claiming one digest still see exactly one winner.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import BackendUnavailable
from ..model import RegistryEntry
from ..state_db import open_state_db
from . import AlreadyRegistered, Busy, Claimed, ClaimOutcome, PendingClaim

_SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('claimed', 'registered')),
    token TEXT,
    owner TEXT,
    key TEXT NOT NULL,
    lease_until REAL,
    location TEXT,
    size INTEGER,
    registered_at TEXT,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS digests_by_expiry ON digests (expires_at);
"""

# Expired rows are deleted as a side effect of normal use (looking for abandoned claims,
# claiming): at most this many at a time, at most once per interval per connection, so
# no run pays for a large backlog at once.
PURGE_BATCH = 1000
PURGE_INTERVAL_SECONDS = 3600.0


class SqliteRegistry:
    """Registry kept in ``<state-dir>/registry.sqlite3``."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock
        self._db = open_state_db(path, _SCHEMA, what="registry", holds="digests")
        self._db.row_factory = sqlite3.Row
        self._purged_at: float | None = None

    def claim(
        self,
        name: str,
        *,
        key: str,
        lease_seconds: float,
        ttl_seconds: float,
        owner: str = "",
        supersede: str | None = None,
    ) -> ClaimOutcome:
        now = self._clock()
        self._purge_if_due(now)
        token = uuid.uuid4().hex
        with self._transaction() as db:
            row = self._live_row(db, name, now)
            abandoned = None
            if row is not None:
                if row["state"] == "registered":
                    return AlreadyRegistered(_entry(row))
                live = row["lease_until"] is not None and row["lease_until"] > now
                if live and (supersede is None or row["token"] != supersede):
                    return Busy(row["key"], row["owner"] or "", row["token"] or "")
                abandoned = row["key"]
            db.execute(
                "INSERT OR REPLACE INTO digests"
                " (name, state, token, owner, key, lease_until, expires_at)"
                " VALUES (?, 'claimed', ?, ?, ?, ?, ?)",
                (name, token, owner, key, now + lease_seconds, now + ttl_seconds),
            )
        return Claimed(token=token, abandoned_key=abandoned)

    def register(
        self, name: str, entry: RegistryEntry, *, ttl_seconds: float, token: str | None
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO digests"
                " (name, state, token, key, lease_until, location, size, registered_at, expires_at)"
                " VALUES (?, 'registered', NULL, ?, NULL, ?, ?, ?, ?)",
                (
                    name,
                    entry.key,
                    entry.location,
                    entry.size,
                    entry.registered_at,
                    self._clock() + ttl_seconds,
                ),
            )

    def release(self, name: str, *, token: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM digests WHERE name = ? AND state = 'claimed' AND token = ?",
                (name, token),
            )

    def renew(self, name: str, *, token: str, lease_seconds: float) -> bool:
        # Called from a timer thread, which may not use the opener's connection: a short
        # connection of its own (renewals come a third of a lease apart).
        now = self._clock()
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                changed = db.execute(
                    "UPDATE digests SET lease_until = ? WHERE name = ? AND state = 'claimed'"
                    " AND token = ? AND expires_at > ?",
                    (now + lease_seconds, name, token, now),
                ).rowcount
                db.execute("COMMIT")
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"registry {self.path} failed: {exc}") from None
        return changed == 1

    def purge_expired(self, *, limit: int = PURGE_BATCH) -> int:
        """Delete up to ``limit`` expired rows (entries and claims); return how many."""
        with self._transaction() as db:
            deleted = db.execute(
                "DELETE FROM digests WHERE rowid IN"
                " (SELECT rowid FROM digests WHERE expires_at <= ? LIMIT ?)",
                (self._clock(), limit),
            ).rowcount
        return int(deleted)

    def _purge_if_due(self, now: float) -> None:
        if self._purged_at is not None and now - self._purged_at < PURGE_INTERVAL_SECONDS:
            return
        self._purged_at = now
        self.purge_expired()

    def lookup(self, name: str) -> RegistryEntry | None:
        with self._transaction() as db:
            row = self._live_row(db, name, self._clock())
        if row is None or row["state"] != "registered":
            return None
        return _entry(row)

    def pending_claims(self, prefix: str, *, limit: int = 1000) -> list[PendingClaim]:
        now = self._clock()
        self._purge_if_due(now)  # every run looks for abandoned claims first
        rows = self._db.execute(
            "SELECT * FROM digests WHERE state = 'claimed' AND name >= ? AND name < ?"
            " AND expires_at > ? ORDER BY lease_until LIMIT ?",
            (prefix, prefix + "\uffff", now, limit),
        ).fetchall()
        return [
            PendingClaim.of(row["name"], row["key"], row["owner"] or "", row["token"] or "",
                            lease_until=row["lease_until"] or 0.0, now=now)
            for row in rows
        ]

    def entries(self, prefix: str) -> Iterator[tuple[str, RegistryEntry]]:
        """Registered entries whose name starts with ``prefix`` (for ``status``)."""
        rows = self._db.execute(
            "SELECT * FROM digests WHERE state = 'registered' AND name >= ? AND name < ?"
            " AND expires_at > ?",
            (prefix, prefix + "\uffff", self._clock()),
        ).fetchall()
        for row in rows:
            yield row["name"], _entry(row)

    def ping(self) -> None:
        try:
            self._db.execute("SELECT 1")
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"registry {self.path} unusable: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def describe(self) -> str:
        return f"sqlite registry {self.path}"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"registry {self.path} failed: {exc}") from None

    @staticmethod
    def _live_row(db: sqlite3.Connection, name: str, now: float) -> sqlite3.Row | None:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM digests WHERE name = ? AND expires_at > ?", (name, now)
        ).fetchone()
        return row


def _entry(row: sqlite3.Row) -> RegistryEntry:
    return RegistryEntry(
        location=row["location"], key=row["key"], size=row["size"],
        registered_at=row["registered_at"],
    )
