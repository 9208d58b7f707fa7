"""The durable outbox: notifications wait here until a publisher acknowledges them."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from ..errors import BackendUnavailable, NotifierUnavailable
from ..state_db import open_state_db
from . import Notification, Publisher

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    urn TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    enqueued_at REAL NOT NULL
)
"""


class Outbox:
    """A queue in ``<state-dir>/outbox.sqlite3``, keyed by URN so a repeat replaces itself."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = open_state_db(path, _SCHEMA, what="outbox")

    def enqueue(self, notification: Notification) -> None:
        """Persist a notification before anything tries to deliver it."""
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO outbox (urn, body, enqueued_at) VALUES (?, ?, ?)",
                (notification.urn, notification.to_json(), time.time()),
            )
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"cannot write outbox {self.path}: {exc}") from None

    def pending(self) -> int:
        """How many notifications still wait for delivery."""
        (count,) = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        return int(count)

    def flush(self, publisher: Publisher, *, batch_size: int = 500) -> int:
        """Deliver what waits, oldest first; return how many were delivered.

        Stops at the first failure and leaves the rest queued: it is retried next time.
        """
        delivered = 0
        while True:
            rows = self._db.execute(
                "SELECT urn, body FROM outbox ORDER BY enqueued_at, urn LIMIT ?", (batch_size,)
            ).fetchall()
            if not rows:
                return delivered
            batch = [Notification.from_json(body) for _urn, body in rows]
            try:
                publisher.publish(batch)
            except NotifierUnavailable as exc:
                log.warning(
                    "notifications kept in the outbox: %s (%d pending)", exc, self.pending()
                )
                return delivered
            self._db.executemany("DELETE FROM outbox WHERE urn = ?", [(u,) for u, _ in rows])
            delivered += len(rows)

    def close(self) -> None:
        self._db.close()
