"""The embedded publisher: one JSON line per notification in a local file."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import NotifierUnavailable
from . import Notification


class JsonLinesPublisher:
    """Appends notifications to ``<state-dir>/notifications.jsonl`` for local consumers."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def publish(self, notifications: Sequence[Notification]) -> None:
        data = b"".join(n.to_json() + b"\n" for n in notifications)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise NotifierUnavailable(f"cannot append to {self.path}: {exc.strerror}") from None

    def close(self) -> None:
        """Nothing to release: every publish opens and closes the file."""

    def describe(self) -> str:
        return f"notifications file {self.path}"
