"""What a long export shows on stderr while it reads snapshots."""

from __future__ import annotations

import time
from collections.abc import Callable

import click

from ..cli.progress import RichBar, on_terminal_or_plain


class PlainProgress:
    """A line on stderr at most every ``every`` seconds: quiet for short exports, alive
    in logs and cron mail for long ones."""

    def __init__(self, every: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._every = every
        self._clock = clock
        self._last = clock()
        self._where = ""
        self._snapshots = 0
        self._rows = 0

    def listing(self, prefix: str, index: int, total: int) -> None:
        self._where = f"{index}/{total} {prefix}"

    def snapshot(self, key: str, rows: int) -> None:
        self._snapshots += 1
        self._rows += rows
        now = self._clock()
        if now - self._last >= self._every:
            self._last = now
            click.echo(f"[{self._where}] {self._snapshots} snapshots read, "
                       f"{self._rows} rows in range", err=True)

    def close(self) -> None:
        """Nothing to tear down."""


class BarProgress:
    """A rich progress bar over the listing prefixes (one per day), on a terminal."""

    def __init__(self) -> None:
        self._bar = RichBar(transient=True)
        self._prefix = ""
        self._snapshots = 0
        self._rows = 0

    def listing(self, prefix: str, index: int, total: int) -> None:
        self._bar.start(total)
        self._bar.update(completed=index - 1)
        self._prefix = prefix
        self._describe()

    def snapshot(self, key: str, rows: int) -> None:
        self._snapshots += 1
        self._rows += rows
        if self._snapshots % 20 == 0:  # redrawing on every object would slow small reads
            self._describe()

    def close(self) -> None:
        if self._bar.started:
            self._describe()
        self._bar.finish()

    def _describe(self) -> None:
        self._bar.update(description=(
            f"{self._prefix} · {self._snapshots} snapshots · {self._rows} rows"))


def export_progress() -> PlainProgress | BarProgress:
    """A bar when stderr is a terminal; throttled plain lines otherwise."""
    return on_terminal_or_plain(BarProgress, PlainProgress)
