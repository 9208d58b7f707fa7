"""The ``watch`` and ``status`` commands: parse options, then call the core.

Heavy modules (the HTTP client, prometheus-client) are imported inside the commands,
so ``gridcollect --help`` stays fast.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from ..datasets import all_datasets
from ..errors import ConfigurationError
from ..settings import Settings
from .columns import echo_columns
from .dataset_args import (
    chosen_datasets,
    combinations,
    param_option,
    parameter_choices,
    seconds_by_dataset,
)
from .exits import run_reporting_errors
from .options import common_options, pop_shared, settings_from

if TYPE_CHECKING:
    from ..runs.watch import Target
    from ..tables.background import PeriodicSync


def _targets(names: Sequence[str], options: dict[str, Any]) -> list[Target]:
    from ..runs.watch import Target, timing_for

    chosen = chosen_datasets(names)
    cadences = seconds_by_dataset(options["cadence"], "--cadence")
    offsets = seconds_by_dataset(options["offset"], "--offset")
    params = parameter_choices(options["param"])
    floors = seconds_by_dataset(options["min_poll_interval"], "--min-poll-interval")
    watched = {d.name for d in chosen}
    for option, given in (("--cadence", cadences), ("--offset", offsets), ("--param", params),
                          ("--min-poll-interval", floors)):
        for name in given.keys() - watched:
            raise click.BadParameter(f"{name} is not being watched", param_hint=option)
    targets = []
    for dataset in chosen:
        try:
            timing = timing_for(
                dataset, cadence=cadences.get(dataset.name), offset=offsets.get(dataset.name, 0.0),
                min_interval=floors.get(dataset.name),
                first_retry=options["first_retry_seconds"], max_retry=options["max_retry_seconds"],
            )
        except ValueError as exc:
            raise click.BadParameter(f"{dataset.name}: {exc}",
                                     param_hint="--cadence/--offset") from None
        # One target (one polling thread) per combination of the values given.
        for values in combinations(params.get(dataset.name, {})):
            targets.append(Target(dataset, timing, values))
    return targets


@click.command("watch", short_help="Collect continuously until SIGTERM/SIGINT.")
@click.argument("datasets", nargs=-1, metavar="[DATASET]...")
@click.option("--cadence", multiple=True, metavar="DATASET=SECONDS",
              help="Poll DATASET on this cadence instead of its own. Repeatable.")
@click.option("--offset", multiple=True, metavar="DATASET=SECONDS",
              help="When each slot's publication is expected, after the slot starts: its "
                   "first poll. Repeatable.  [default: 0]")
@click.option("--first-retry-seconds", type=click.FloatRange(min=0.01),
              show_default="5% of the cadence",
              help="Re-poll after this long while the data has not moved on, or after a "
                   "failure, doubling each time.")
@click.option("--max-retry-seconds", type=click.FloatRange(min=0.01),
              show_default="25% of the cadence", help="Longest wait between re-polls.")
@param_option("watch")
@click.option("--min-poll-interval", multiple=True, metavar="DATASET=SECONDS",
              help="Least time between two requests to DATASET's endpoint, re-polls "
                   "included. Repeatable.  [default: 60, MISO's limit; scaled down with "
                   "--cadence]")
@click.option("--metrics-port", type=click.IntRange(0, 65535),
              help="Serve Prometheus /metrics and /healthz on this port.")
@click.option("--metrics-host", default="127.0.0.1", show_default=True,
              help="Address the metrics server listens on.")
@click.option("--unhealthy-after", type=click.FloatRange(min=1), default=3.0,
              show_default=True,
              help="/healthz fails once a dataset has had no successful poll for this "
                   "many cadences.")
@click.option("--tables", is_flag=True,
              help="Keep the Parquet tables of the watched datasets up to date (a "
                   "background sync once per shortest cadence; see docs/tables.md).")
# Not offered (nor listed in --help), only refused with the reason: both turn off the
# duplicate check that tells the watch new content from old.
@click.option("--force", is_flag=True, hidden=True)
@click.option("--skip-hash-check", is_flag=True, hidden=True)
@common_options(without=("force", "skip_hash_check"))
def watch_command(datasets: tuple[str, ...], **options: Any) -> None:
    """Collect continuously until SIGTERM/SIGINT (default: every dataset).

    DATASET is a dataset name or command, e.g. miso_realtime_total_load or
    realtime-total-load. Each dataset is polled on its own thread when its publication is
    expected, then until its as-of instant moves on; every snapshot is filed under its
    own as-of instant.
    """
    refused = {flag: options.pop(flag) for flag in ("force", "skip_hash_check")}
    shared = pop_shared(options)
    for flag, given in refused.items():
        if given:
            # Every re-poll would store another copy.
            raise click.UsageError(f"--{flag.replace('_', '-')} does not apply to watch, "
                                   f"which stores each distinct snapshot once by design")
    targets = _targets(datasets, options)
    settings = settings_from(shared, watching=True)
    run_reporting_errors(lambda: _run(targets, settings, options))


def _run(targets: list[Target], settings: Settings, options: dict[str, Any]) -> int:
    import threading

    from .. import keys
    from ..backends import check_publisher
    from ..metrics import MetricsServer, WatchMetrics
    from ..runs.watch import run_watch

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise SystemExit(130)  # a second signal: do not wait for the polls in flight
        click.echo(f"received {signal.Signals(signum).name}: finishing the polls in flight "
                   f"(signal again to abort)", err=True)
        stop.set()

    metrics = WatchMetrics(unhealthy_after=options["unhealthy_after"])
    server = None
    tables: PeriodicSync | None = None
    try:
        keys.check_prefix(settings.backends.prefix)
        check_publisher(settings.backends)  # a Kafka setting refused: exit 2, not retries
        for target in targets:
            keys.render(target.dataset.key_template, datetime.now(UTC), target.params)
        if options["metrics_port"] is not None:
            host, port = options["metrics_host"], options["metrics_port"]
            try:
                server = MetricsServer(metrics, host, port)
            except OSError as exc:
                raise ConfigurationError(
                    f"cannot serve metrics on {host}:{port}: {exc.strerror}") from None
            click.echo(f"metrics on {server.url}/metrics, health on {server.url}/healthz",
                       err=True)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if options["tables"]:
            from ..tables.background import PeriodicSync

            tables = PeriodicSync([t.dataset for t in targets], settings.backends,
                                  min(t.timing.cadence for t in targets))
            tables.start()
        run_watch(targets, settings, stop=stop, metrics=metrics)
    finally:
        if tables is not None:
            tables.stop()
        if server is not None:
            server.close()
    return 0


@click.command("status", short_help="Each dataset's latest stored snapshot, its age, and counts.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data"), envvar="GRIDCOLLECT_OUTPUT_DIR", show_default=True,
              help="Root of the local store.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="GRIDCOLLECT_STATE_DIR", show_default="OUTPUT_DIR/.gridcollect",
              help="Where runs leave their state.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
def status_command(output_dir: Path, state_dir: Path | None, as_json: bool) -> None:
    """Show each dataset's latest stored snapshot, its age, the newest as-of instant
    stored and how old that data is, and counts."""
    import sqlite3

    from ..activity import DatasetActivity, format_age, read_activity
    from ..settings import BackendSettings

    directory = BackendSettings(output_dir=output_dir, state_dir=state_dir).resolved_state_dir
    try:
        recorded = read_activity(directory)
    except sqlite3.Error as exc:
        click.echo(f"error: cannot read {directory}: {exc}", err=True)
        sys.exit(3)
    if not recorded:
        click.echo(f"warning: {_nothing_recorded(output_dir, directory)}", err=True)
    now = datetime.now(UTC)
    names = [d.name for d in all_datasets()]
    names += sorted(recorded.keys() - set(names))  # datasets no longer declared
    rows = [recorded.get(name) or DatasetActivity(name) for name in names]
    if as_json:
        click.echo(json.dumps({"state_dir": str(directory), "found": bool(recorded),
                               "datasets": [row.as_dict(now) for row in rows]}, indent=2))
        return
    table = [("DATASET", "AGE", "STORED", "DUPLICATES", "FAILURES", "NEWEST AS-OF",
              "DATA AGE", "LAST STORED")]
    for row in rows:
        as_of = row.newest_as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") \
            if row.newest_as_of else "-"
        table.append((row.dataset, format_age(row.age(now)), str(row.stored),
                      str(row.duplicates), str(row.failures), as_of,
                      format_age(row.as_of_age(now)) if row.newest_as_of else "-",
                      row.last_location or row.last_key or "-"))
    echo_columns(table)
    for row in rows:
        if row.last_error and row.last_error_at:
            ago = format_age((now - row.last_error_at).total_seconds())
            click.echo(f"{row.dataset}: last failure {ago} ago: {row.last_error}")


def _nothing_recorded(output_dir: Path, directory: Path) -> str:
    """Why status has nothing to show, and where the demo's store is."""
    if not directory.exists():
        missing = output_dir if not output_dir.exists() else directory
        why = f"no store at {missing} (it does not exist)"
    else:
        why = f"no run has recorded anything in {directory} yet"
    return (f"{why}; give the --output-dir (or --state-dir) the runs used, "
            f"e.g. --output-dir gridcollect-demo after gridcollect demo")


__all__ = ["status_command", "watch_command"]
