"""The ``gridcollect`` command: parses options and calls the core, nothing more.

Collect commands are generated from the dataset declarations, so a new dataset
module appears here by itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError  # click 8.2+, as pyproject.toml asks

from .. import __version__, logs
from ..datasets import all_datasets
from ..errors import ConfigurationError
from ..model import Dataset
from ..secrets import redact
from .columns import echo_columns
from .exits import run_reporting_errors
from .options import UpperChoice, common_options, pop_shared, settings_from


def _instant(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    from ..runs.schedule import parse_instant

    if value is None:
        return None
    try:
        return parse_instant(value)
    except ConfigurationError as exc:
        raise click.BadParameter(str(exc)) from None


def _collect_command(dataset: Dataset) -> click.Command:
    def run(**options: Any) -> None:
        shared = pop_shared(options)
        start, end = options.pop("start", None), options.pop("end", None)
        params = {name: value.upper() for name, value in options.items() if value is not None}

        def action() -> int:
            from ..runs.collect import collect

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
            if report.interrupted:
                click.echo("interrupted", err=True)  # after the summary of what was done
            return report.exit_code

        run_reporting_errors(action)

    command = common_options(run)
    for parameter in reversed(dataset.parameters):
        command = click.option(
            f"--{parameter.name}", parameter.name,
            type=UpperChoice(parameter.choices), help=parameter.help,
        )(command)
    if dataset.window is not None:
        window = dataset.window
        for flag, name in ((window.end_flag, "end"), (window.start_flag, "start")):
            command = click.option(flag, name, required=True, callback=_instant,
                                   help=f"{window.help} (UTC; inclusive).")(command)
    summary = dataset.description.split(".")[0]
    return click.command(dataset.command, help=dataset.description, short_help=summary)(command)


class _Root(click.Group):
    """The top-level group: a usage error is one line on stderr, then exit 2."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        if not standalone_mode:  # the caller handles click's exceptions itself
            return super().main(args, prog_name, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:  # a bare group name: its help, as click shows it
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {_one_line(exc)}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _one_line(exc: click.ClickException) -> str:
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    named = isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter)
    if isinstance(exc, click.UsageError) and not named and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return redact(message)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"],
                                          "max_content_width": 100})
@click.version_option(__version__, prog_name="gridcollect")
def cli() -> None:
    """Collect real-time grid-operator data into a data lake, once per distinct snapshot."""


def _operator_groups() -> None:
    for operator in sorted({d.operator for d in all_datasets()}):
        group = click.Group(operator, help=f"Collect {operator.upper()} datasets, one "
                                             f"command each.")
        for dataset in all_datasets():
            if dataset.operator == operator:
                group.add_command(_collect_command(dataset))
        cli.add_command(group)


@cli.command("datasets", short_help="List what can be collected, with endpoint and cadence.")
def datasets_command() -> None:
    """List what can be collected, with endpoint and cadence."""
    rows = [("DATASET", "COMMAND", "ENDPOINT", "CADENCE", "HASH TTL")]
    for d in all_datasets():
        rows.append((d.name, f"{d.operator} {d.command}", f"/{d.endpoint}",
                     f"{int(d.cadence.total_seconds() // 60)} min", f"{d.retention.days} days"))
    echo_columns(rows)


@cli.command("demo", short_help="Try every collector offline, against a local MISO stand-in.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("gridcollect-demo"), show_default=True,
              help="Where the demo stores its objects and state.")
@click.option("--serve", is_flag=True,
              help="Instead, serve the sample responses on loopback until stopped, "
                   "to try watch against.")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              show_default="any free port", help="Port for --serve.")
def demo_command(output_dir: Path, serve: bool, port: int) -> None:
    """Run every collector against a local replay server: no network, no servers.

    With --serve, serve the same MISO-shaped samples on 127.0.0.1 until Ctrl-C, and
    print the watch command that collects from them.
    """
    from ..runs.demo import run_demo, serve_samples

    logs.configure("WARNING")
    if port and not serve:
        raise click.UsageError("--port applies only with --serve")
    if serve:
        run_reporting_errors(lambda: serve_samples(port, output_dir, echo=click.echo))
    run_reporting_errors(lambda: run_demo(output_dir, echo=click.echo))


@cli.group("outbox", short_help="Notifications waiting for delivery.")
def outbox_group() -> None:
    """Notifications waiting for delivery."""


# A flush only delivers: options about fetching or storing snapshots mean nothing here.
_NOT_FOR_FLUSH = ("environment", "force", "skip_hash_check", "api_base_url", "timeout",
                  "max_retries", "max_response_bytes", "insecure")


@outbox_group.command("flush")
@common_options(without=_NOT_FOR_FLUSH)
def outbox_flush(**options: Any) -> None:
    """Deliver every waiting notification now."""
    shared = pop_shared(options)

    def action() -> int:
        from ..backends import open_backends

        with open_backends(settings_from(shared).backends) as opened:
            before = opened.backends.outbox.pending()
            pending = opened.flush_outbox(strict=True)
        click.echo(json.dumps({"delivered": before - pending, "notifications_pending": pending}))
        return 1 if pending else 0

    run_reporting_errors(action)


from .collect import collect_command  # noqa: E402
from .export import export_command, plot_command  # noqa: E402
from .tables import query_command, tables_group  # noqa: E402
from .watch import status_command, watch_command  # noqa: E402

cli.add_command(collect_command)
cli.add_command(watch_command)
cli.add_command(status_command)
cli.add_command(export_command)
cli.add_command(plot_command)
cli.add_command(tables_group)
cli.add_command(query_command)
_operator_groups()


def _show_environment_variables(command: click.Command) -> None:
    """Let every option read from the environment say so in --help."""
    for param in command.params:
        if isinstance(param, click.Option) and param.envvar:
            param.show_envvar = True
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _show_environment_variables(sub)


_show_environment_variables(cli)


def main() -> None:
    """Console entry point."""
    cli(prog_name="gridcollect")
