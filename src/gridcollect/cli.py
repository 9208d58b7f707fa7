"""The ``gridcollect`` command: parses options and calls the core, nothing more.

Collect commands are generated from the dataset declarations, so a new dataset
module appears here by itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from . import __version__, logs
from .datasets import all_datasets
from .errors import ConfigurationError
from .exits import run_reporting_errors
from .model import Dataset
from .options import OPTION_NAMES, common_options, settings_from
from .secrets import redact


def _instant(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from .schedule import parse_instant

    if value is None:
        return None
    try:
        return parse_instant(value)
    except ConfigurationError as exc:
        raise click.BadParameter(str(exc)) from None


def _shared(options: dict[str, Any]) -> dict[str, Any]:
    shared = {name: options.pop(name) for name in OPTION_NAMES}
    logs.configure(shared["log_level"], shared["log_format"])
    return shared


def _collect_command(dataset: Dataset) -> click.Command:
    def run(**options: Any) -> None:
        shared = _shared(options)
        start, end = options.pop("start", None), options.pop("end", None)
        params = {name: value.upper() for name, value in options.items() if value is not None}

        def action() -> int:
            from .collect import collect

            if start is not None and end is not None and end < start:
                raise click.UsageError(
                    f"{dataset.window.end_flag} is before {dataset.window.start_flag}"  # type: ignore[union-attr]
                )
            from .progress import window_progress

            progress = window_progress()
            try:
                report = collect(dataset, settings_from(shared), start=start, end=end,
                                 params=params, observer=progress)
            finally:
                progress.close()
            click.echo(redact(json.dumps(report.as_dict())))
            return report.exit_code

        run_reporting_errors(action)

    command = common_options(run)
    for parameter in reversed(dataset.parameters):
        command = click.option(
            f"--{parameter.name}", parameter.name,
            type=click.Choice(parameter.choices, case_sensitive=False), help=parameter.help,
        )(command)
    if dataset.window is not None:
        window = dataset.window
        for flag, name in ((window.end_flag, "end"), (window.start_flag, "start")):
            command = click.option(flag, name, required=True, callback=_instant,
                                   help=f"{window.help} (UTC; inclusive).")(command)
    summary = dataset.description.split(".")[0]
    return click.command(dataset.command, help=dataset.description, short_help=summary)(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gridcollect")
def cli() -> None:
    """Collect real-time grid-operator data into a data lake, once per distinct snapshot."""


def _operator_groups() -> None:
    for operator in sorted({d.operator for d in all_datasets()}):
        group = click.Group(operator, help=f"Collect {operator.upper()} datasets.")
        for dataset in all_datasets():
            if dataset.operator == operator:
                group.add_command(_collect_command(dataset))
        cli.add_command(group)


@cli.command("datasets")
def datasets_command() -> None:
    """List what can be collected, with endpoint and cadence."""
    rows = [("DATASET", "COMMAND", "ENDPOINT", "CADENCE", "HASH TTL")]
    for d in all_datasets():
        rows.append((d.name, f"{d.operator} {d.command}", f"/{d.endpoint}",
                     f"{int(d.cadence.total_seconds() // 60)} min", f"{d.retention.days} days"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@cli.command("demo")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("gridcollect-demo"), show_default=True)
def demo_command(output_dir: Path) -> None:
    """Run every collector against a local replay server: no network, no servers."""
    from .demo import run_demo

    logs.configure("WARNING")
    run_reporting_errors(lambda: run_demo(output_dir, echo=click.echo))


@cli.group("outbox")
def outbox_group() -> None:
    """Notifications waiting for delivery."""


@outbox_group.command("flush")
@common_options
def outbox_flush(**options: Any) -> None:
    """Deliver every waiting notification now."""
    shared = _shared(options)

    def action() -> int:
        from .backends import open_backends

        with open_backends(settings_from(shared).backends) as opened:
            before = opened.backends.outbox.pending()
            pending = opened.flush_outbox()
        click.echo(json.dumps({"delivered": before - pending, "notifications_pending": pending}))
        return 1 if pending else 0

    run_reporting_errors(action)


from .commands_collect import collect_command  # noqa: E402
from .commands_export import export_command, plot_command  # noqa: E402
from .commands_tables import query_command, tables_group  # noqa: E402
from .commands_watch import status_command, watch_command  # noqa: E402

cli.add_command(collect_command)
cli.add_command(watch_command)
cli.add_command(status_command)
cli.add_command(export_command)
cli.add_command(plot_command)
cli.add_command(tables_group)
cli.add_command(query_command)
_operator_groups()


def main() -> None:
    """Console entry point."""
    cli(prog_name="gridcollect")
