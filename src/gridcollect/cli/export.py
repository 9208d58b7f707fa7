"""The ``export`` and ``plot`` commands: parse options, then call :mod:`gridcollect.export`.

pyarrow and matplotlib are imported only inside the commands, so ``gridcollect --help``
stays fast and works without the ``analysis`` extra.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from ..errors import ConfigurationError
from ..secrets import redact
from .exits import run_reporting_errors
from .options import store_from, store_options

FORMATS = ("parquet", "csv")


@click.command("export", short_help="Stored snapshots as a tidy Parquet or CSV table.")
@click.argument("dataset")
@click.option("--from", "first", required=True, metavar="D",
              help="First day (YYYY-MM-DD) or instant (YYYY-MM-DDTHH:MM:SS), UTC.")
@click.option("--to", "last", metavar="D",
              help="Last day or instant, UTC, inclusive.  [default: the --from day]")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format.  [default: the --output's extension, .parquet or .csv; "
                   "else parquet]")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write, ending .parquet or .csv.  "
                   "[default: DATASET_FIRSTDAY_LASTDAY.FORMAT here]")
@click.option("--all-revisions", is_flag=True,
              help="Keep every snapshot's revision of each interval, not only the latest.")
@store_options
def export_command(dataset: str, first: str, last: str | None, fmt: str | None,
                   output: Path | None, all_revisions: bool, **options: Any) -> None:
    """Write stored snapshots of DATASET as a tidy table, one row per (series, interval).

    DATASET is a dataset name or command, e.g. miso_realtime_total_load or
    realtime-total-load. Rows are those whose interval starts in the range; by default
    the latest snapshot's value of each interval wins. See docs/export.md for columns.
    """

    def action() -> int:
        from .. import datasets
        from ..export import default_output, export, parse_range
        from ..export.progress import export_progress

        chosen = datasets.get(dataset)
        wanted = parse_range(first, last)
        fmt_ = _export_format(fmt, output)
        store, prefix = store_from(options)
        target = output or default_output(chosen, wanted, fmt_, all_revisions)
        progress = export_progress()
        try:
            report = export(chosen, store, prefix, wanted, output=target, fmt=fmt_,
                            all_revisions=all_revisions, progress=progress)
        finally:
            progress.close()
        if report.stats.snapshots == 0:
            click.echo(f"warning: no snapshots of {chosen.name} found for this range in "
                       f"{store.describe()}", err=True)
        click.echo(redact(json.dumps(report.as_dict())))
        return report.exit_code

    run_reporting_errors(action)


@click.command("plot", short_help="One day's latest values as an image (PNG by default).")
@click.argument("dataset")
@click.option("--date", "day", metavar="D", help="UTC day to draw, YYYY-MM-DD.  [default: today]")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Image to write; its extension names the format (.png, .svg, .pdf, "
                   ".jpg...).  [default: DATASET_DAY.png here]")
@store_options
def plot_command(dataset: str, day: str | None, output: Path | None, **options: Any) -> None:
    """Draw one day of DATASET's latest values as an image (PNG unless --output names
    another format), for a quick look."""

    def action() -> int:
        from .. import datasets
        from ..export import ReadStats, parse_range, read_table
        from ..export.arrow import pyarrow
        from ..export.files import format_of
        from ..export.plot import image_formats, plot_day

        chosen = datasets.get(dataset)
        when = _day(day)
        wanted = parse_range(when.isoformat())
        pyarrow("plot")
        target = output or Path(f"{chosen.name}_{when:%Y%m%d}.png")
        image = format_of(target, image_formats())
        store, prefix = store_from(options)
        stats = ReadStats()
        rows = read_table(chosen, store, prefix, wanted, stats=stats)
        if rows.num_rows == 0:
            click.echo(f"error: no rows of {chosen.name} on {when} in {store.describe()}",
                       err=True)
            return 1
        title = f"{chosen.name}, {when} (UTC), latest revisions"
        lines = plot_day(chosen, rows, target, title, image)
        click.echo(json.dumps({"dataset": chosen.name, "date": when.isoformat(),
                               "output": str(target), "rows": rows.num_rows, "lines": lines,
                               "snapshots": stats.snapshots, "unreadable": stats.unreadable}))
        return 1 if stats.unreadable else 0

    run_reporting_errors(action)


def _export_format(fmt: str | None, output: Path | None) -> str:
    """The --format, or the one the --output's extension names; they must agree."""
    from ..export.files import format_of

    if output is None:
        return fmt or "parquet"
    named = format_of(output, FORMATS)
    if fmt is not None and fmt != named:
        raise ConfigurationError(f"--output {output} names {named}, but --format is {fmt}")
    return named


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(f"--date {text!r} is not a day (YYYY-MM-DD)") from None


__all__ = ["export_command", "plot_command"]
