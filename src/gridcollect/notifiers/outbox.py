"""The durable outbox: notifications wait here until a publisher acknowledges them.

Each notification remembers where it was meant to go (its *destination*, such as
``kafka:broker:9092/topic`` or ``jsonl:/state/notifications.jsonl``), so a run set up
for another destination never delivers it to the wrong place. Rows written before
destinations were recorded carry ``""``: unknown, deliverable anywhere.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from ..errors import BackendUnavailable, NotifierUnavailable
from ..state_db import add_columns, open_state_db
from . import Notification, Publisher

log = logging.getLogger(__name__)

ANY_DESTINATION = ""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    urn TEXT PRIMARY KEY,
    body BLOB NOT NULL,
    enqueued_at REAL NOT NULL,
    destination TEXT NOT NULL DEFAULT ''
)
"""


class Outbox:
    """A queue in ``<state-dir>/outbox.sqlite3``, keyed by URN so a repeat replaces itself.

    ``destination`` names where this run's publisher delivers: notifications enqueued
    here are bound to it, and :meth:`flush` delivers only those (and unbound ones).
    """

    def __init__(self, path: Path, *, destination: str = ANY_DESTINATION) -> None:
        self.path = path
        self.destination = destination
        self._db = open_state_db(path, _SCHEMA, what="outbox")
        # An outbox written by an older release: its rows' destination is unknown ('').
        add_columns(self._db, "outbox", {"destination": "TEXT NOT NULL DEFAULT ''"},
                    path=path, what="outbox")

    def enqueue(self, notification: Notification) -> None:
        """Persist a notification before anything tries to deliver it."""
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO outbox (urn, body, enqueued_at, destination)"
                " VALUES (?, ?, ?, ?)",
                (notification.urn, notification.to_json(), time.time(), self.destination),
            )
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"cannot write outbox {self.path}: {exc}") from None

    def pending(self) -> int:
        """How many notifications still wait for delivery, wherever they are meant to go."""
        (count,) = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        return int(count)

    def elsewhere(self) -> dict[str, int]:
        """Waiting notifications meant for another destination than ours, counted by it."""
        if self.destination == ANY_DESTINATION:
            return {}
        rows = self._db.execute(
            "SELECT destination, COUNT(*) FROM outbox WHERE destination NOT IN ('', ?)"
            " GROUP BY destination ORDER BY destination", (self.destination,)
        ).fetchall()
        return {str(destination): int(count) for destination, count in rows}

    def flush(self, publisher: Publisher, *, batch_size: int = 500) -> int:
        """Deliver what waits for our destination, oldest first; return how many were
        delivered. Notifications for other destinations are left alone.

        Stops at the first failure and leaves the rest queued: it is retried next time.
        """
        delivered = 0
        while True:
            rows = self._db.execute(
                "SELECT urn, body FROM outbox WHERE destination IN ('', ?) OR ? = ''"
                " ORDER BY enqueued_at, urn LIMIT ?",
                (self.destination, self.destination, batch_size),
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
