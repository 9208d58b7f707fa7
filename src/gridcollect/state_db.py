"""SQLite files in the state directory: opened one way, durable, shared by processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import BackendUnavailable


def open_state_db(path: Path, schema: str, *, what: str) -> sqlite3.Connection:
    """Open (creating) ``path`` in autocommit mode with WAL and full fsync, and apply
    ``schema``; failures become one clear :class:`BackendUnavailable` naming ``what``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        # WAL lets readers (status, other processes) work while a writer commits;
        # synchronous=FULL makes each commit survive a power cut.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(schema)
    except (OSError, sqlite3.Error) as exc:
        raise BackendUnavailable(f"cannot open {what} {path}: {exc}") from None
    return db
