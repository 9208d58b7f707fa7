"""SQLite files in the state directory: opened one way, durable, shared by processes."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from .errors import BackendUnavailable

_OPEN_ATTEMPTS = 20


def open_state_db(path: Path, schema: str, *, what: str) -> sqlite3.Connection:
    """Open (creating) ``path`` in autocommit mode with WAL and full fsync, and apply
    ``schema``; failures become one clear :class:`BackendUnavailable` naming ``what``."""
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            return _open(path, schema)
        except sqlite3.OperationalError as exc:
            # Switching a brand-new file to WAL needs a moment of exclusive access that
            # the busy timeout does not cover; another opener holding it is transient.
            if "locked" not in str(exc) or attempt == _OPEN_ATTEMPTS - 1:
                raise BackendUnavailable(f"cannot open {what} {path}: {exc}") from None
            time.sleep(0.05 * (attempt + 1))
        except (OSError, sqlite3.Error) as exc:
            raise BackendUnavailable(f"cannot open {what} {path}: {exc}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _open(path: Path, schema: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        # WAL lets readers (status, other processes) work while a writer commits;
        # synchronous=FULL makes each commit survive a power cut.
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(schema)
    except BaseException:
        db.close()
        raise
    return db
