"""SQLite files in the state directory: opened one way, durable, shared by processes."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from .errors import BackendUnavailable

_OPEN_ATTEMPTS = 20


def open_state_db(
    path: Path, schema: str, *, what: str, holds: str | None = None
) -> sqlite3.Connection:
    """Open (creating) ``path`` in autocommit mode with WAL and full fsync, and apply
    ``schema``; failures become one clear :class:`BackendUnavailable` naming ``what``.

    With ``holds`` (a table name) the file is state that must not be lost silently: a
    new one is created whole (schema included) and put in place atomically, and an
    existing one that lacks that table (an empty file, another database) is refused
    rather than quietly started afresh.
    """
    for attempt in range(_OPEN_ATTEMPTS):
        try:
            if holds is not None:
                return _open_kept(path, schema, what=what, holds=holds)
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


def add_columns(
    db: sqlite3.Connection, table: str, columns: Mapping[str, str], *, path: Path, what: str
) -> None:
    """Give ``table`` those of ``columns`` (name: declaration) it lacks: a file written by
    an older release, brought up to date when it is opened."""
    present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    for name, declaration in columns.items():
        if name in present:
            continue
        try:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):  # another process added it first
                raise BackendUnavailable(f"cannot upgrade {what} {path}: {exc}") from None


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


def _open_kept(path: Path, schema: str, *, what: str, holds: str) -> sqlite3.Connection:
    if not path.exists():
        _create(path, schema)
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (holds,)
        ).fetchone()
    except BaseException:
        db.close()
        raise
    db.close()
    if found is None:
        raise BackendUnavailable(
            f"{what} file {path} holds no {what} (it is empty or another database): "
            f"restore it, or remove it to start an empty {what}"
        )
    return _open(path, schema)


def _create(path: Path, schema: str) -> None:
    """Make ``path`` a database holding ``schema``, or leave it to whoever made it first.

    Written under a temporary name and linked into place, so no other process ever finds
    the file half made (empty, which would read as "holds nothing").
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.new")
    try:
        _open(temporary, schema).close()
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        for leftover in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{temporary}{leftover}").unlink()
