"""Rows of text cells printed as left-aligned columns (``datasets``, ``status``)."""

from __future__ import annotations

from collections.abc import Sequence

import click


def echo_columns(rows: Sequence[Sequence[str]]) -> None:
    """Print ``rows`` (the first one the header), each column as wide as its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
