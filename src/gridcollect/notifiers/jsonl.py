"""The embedded publisher: one JSON line per notification in a local file."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import NotifierUnavailable
from . import Notification


class JsonLinesPublisher:
    """Appends notifications to ``<state-dir>/notifications.jsonl`` for local consumers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.destination = f"jsonl:{path.absolute()}"

    def connect(self) -> None:
        """Nothing to connect to: the file is opened for each delivery."""

    def publish(self, notifications: Sequence[Notification]) -> None:
        data = b"".join(n.to_json() + b"\n" for n in notifications)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                # One appender at a time, so cutting back our own failed append is safe.
                fcntl.flock(fd, fcntl.LOCK_EX)
                end = os.lseek(fd, 0, os.SEEK_END)
                try:
                    _write_all(fd, data)
                    os.fsync(fd)
                except OSError:
                    # A short write (disk full) would glue half a line to the next append:
                    # undo it. The outbox still holds these notifications and sends them again.
                    os.ftruncate(fd, end)
                    raise
            finally:
                os.close(fd)
        except OSError as exc:
            raise NotifierUnavailable(f"cannot append to {self.path}: {exc.strerror}") from None

    def close(self) -> None:
        """Nothing to release: every publish opens and closes the file."""

    def describe(self) -> str:
        return f"notifications file {self.path}"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
