"""What a collect command shows while it waits for the future slots of a window."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..runs.collect import SlotResult

T = TypeVar("T")
P = TypeVar("P")


def outcome(result: SlotResult) -> str:
    """One slot's outcome in a few words: what captured it, or why nothing did."""
    if result.failure is not None:
        return f"failed: {result.failure}"
    as_of = f"as of {result.as_of:%Y-%m-%dT%H:%M:%SZ}" if result.as_of else "as of ?"
    if result.stored_key is None:
        return f"the snapshot {as_of} was stored already"
    return f"stored {result.stored_key} ({as_of})"


class PlainProgress:
    """One line on stderr per slot, and one per outcome: for logs, pipes and cron mail."""

    def waiting(self, slot: datetime, index: int, total: int) -> None:
        click.echo(f"[{index}/{total}] waiting for slot {slot:%Y-%m-%dT%H:%M:%SZ}", err=True)

    def finished(self, result: SlotResult) -> None:
        click.echo(f"  slot {result.slot:%Y-%m-%dT%H:%M:%SZ}: {outcome(result)}", err=True)

    def close(self) -> None:
        """Nothing to tear down."""


class RichBar:
    """A rich progress bar on stderr, started when it is first given a total."""

    def __init__(self, *, transient: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            console=Console(stderr=True), transient=transient,
        )
        self._task: Any = None

    @property
    def started(self) -> bool:
        return self._task is not None

    def start(self, total: int) -> None:
        if self._task is None:
            self._progress.start()
            self._task = self._progress.add_task("", total=total)

    def update(self, **fields: Any) -> None:
        """``description=``, ``completed=`` or ``advance=`` for the one task."""
        self._progress.update(self._task, **fields)

    def finish(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[0].total)
            self._progress.stop()


class BarProgress:
    """A rich progress bar on a terminal, with the slot being waited for."""

    def __init__(self) -> None:
        self._bar = RichBar(transient=False)
        self._stored = 0
        self._failed = 0

    def waiting(self, slot: datetime, index: int, total: int) -> None:
        self._bar.start(total)
        self._describe(f"waiting for {slot:%H:%M:%SZ}")

    def finished(self, result: SlotResult) -> None:
        self._stored += result.stored_key is not None
        self._failed += result.failure is not None
        self._bar.update(advance=1)
        self._describe(f"last {result.slot:%H:%M:%SZ}")

    def close(self) -> None:
        self._bar.finish()

    def _describe(self, what: str) -> None:
        failed = f", {self._failed} failed" if self._failed else ""
        self._bar.update(description=f"{what} · {self._stored} stored{failed}")


def on_terminal_or_plain(bar: Callable[[], T], plain: Callable[[], P]) -> T | P:
    """``bar()`` when stderr is a terminal and rich is installed, else ``plain()``."""
    if sys.stderr.isatty():
        try:
            return bar()
        except ImportError:
            pass
    return plain()


def window_progress() -> PlainProgress | BarProgress:
    """A bar when stderr is a terminal and rich is installed; plain lines otherwise."""
    return on_terminal_or_plain(BarProgress, PlainProgress)
