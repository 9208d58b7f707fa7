"""What a collect command shows while it waits for the future slots of a window."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click


class PlainProgress:
    """One line on stderr per slot: for logs, pipes and cron mail."""

    def waiting(self, slot: datetime, index: int, total: int) -> None:
        click.echo(f"[{index}/{total}] waiting for slot {slot:%Y-%m-%dT%H:%M:%SZ}", err=True)

    def collected(self, slot: datetime, stored_key: str | None) -> None:
        outcome = f"stored {stored_key}" if stored_key else "nothing stored (see log)"
        click.echo(f"  slot {slot:%Y-%m-%dT%H:%M:%SZ}: {outcome}", err=True)

    def close(self) -> None:
        """Nothing to tear down."""


class BarProgress:
    """A rich progress bar on a terminal, with the slot being waited for."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._task: Any = None
        self._stored = 0

    def waiting(self, slot: datetime, index: int, total: int) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("", total=total)
        self._describe(f"waiting for {slot:%H:%M:%SZ}")

    def collected(self, slot: datetime, stored_key: str | None) -> None:
        self._stored += stored_key is not None
        self._progress.advance(self._task)
        self._describe(f"last {slot:%H:%M:%SZ}")

    def close(self) -> None:
        if self._task is not None:
            self._progress.stop()

    def _describe(self, what: str) -> None:
        self._progress.update(self._task, description=f"{what} · {self._stored} stored")


def window_progress() -> PlainProgress | BarProgress:
    """A bar when stderr is a terminal and rich is installed; plain lines otherwise."""
    if sys.stderr.isatty():
        try:
            return BarProgress()
        except ImportError:
            pass
    return PlainProgress()
