"""The ``watch`` and ``status`` commands: parse options, then call the core.

Heavy modules (the HTTP client, prometheus-client) are imported inside the commands,
so ``gridcollect --help`` stays fast.
"""

from __future__ import annotations

import json
import math
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from . import logs
from .dataset_args import dataset_named, parameter_settings
from .datasets import all_datasets
from .errors import GridcollectError
from .options import OPTION_NAMES, common_options, settings_from
from .secrets import redact
from .settings import Settings

if TYPE_CHECKING:
    from .tables.background import PeriodicSync
    from .watch import Target


def _per_dataset(values: Sequence[str], option: str) -> dict[str, float]:
    """``DATASET=SECONDS`` pairs, keyed by dataset name."""
    found: dict[str, float] = {}
    for value in values:
        name, sep, seconds = value.partition("=")
        try:
            number = float(seconds)
        except ValueError:
            number = float("nan")
        if not sep or not (math.isfinite(number) and number >= 0):
            raise click.BadParameter(f"{value!r} is not DATASET=SECONDS", param_hint=option)
        found[dataset_named(name.strip(), option).name] = number
    return found


def _parameters(values: Sequence[str]) -> dict[str, dict[str, str]]:
    """``DATASET.PARAMETER=VALUE`` settings, keyed by dataset name."""
    found: dict[str, dict[str, str]] = {}
    for dataset, parameter, choice in parameter_settings(values):
        found.setdefault(dataset.name, {})[parameter.name] = choice
    return found


def _targets(names: Sequence[str], options: dict[str, Any]) -> list[Target]:
    from .watch import Target
    from .watch_timing import Timing

    named = {d.name: d for d in (dataset_named(n, "DATASET") for n in names)}  # twice = once
    chosen = list(named.values()) or list(all_datasets())
    cadences = _per_dataset(options["cadence"], "--cadence")
    offsets = _per_dataset(options["offset"], "--offset")
    params = _parameters(options["param"])
    watched = {d.name for d in chosen}
    for option, given in (("--cadence", cadences), ("--offset", offsets), ("--param", params)):
        for name in given.keys() - watched:
            raise click.BadParameter(f"{name} is not being watched", param_hint=option)
    targets = []
    for dataset in chosen:
        cadence = cadences.get(dataset.name, dataset.cadence.total_seconds())
        try:
            timing = Timing.for_cadence(
                cadence, offset=offsets.get(dataset.name, 0.0),
                first_retry=options["first_retry_seconds"],
                max_retry=options["max_retry_seconds"],
            )
        except ValueError as exc:
            raise click.BadParameter(f"{dataset.name}: {exc}",
                                     param_hint="--cadence/--offset") from None
        targets.append(Target(dataset, timing, params.get(dataset.name, {})))
    return targets


@click.command("watch")
@click.argument("datasets", nargs=-1, metavar="[DATASET]...")
@click.option("--cadence", multiple=True, metavar="DATASET=SECONDS",
              help="Poll DATASET on this cadence instead of its own. Repeatable.")
@click.option("--offset", multiple=True, metavar="DATASET=SECONDS",
              help="First poll of each slot this long after it starts [default: 0]. "
                   "Repeatable.")
@click.option("--first-retry-seconds", type=click.FloatRange(min=0.01),
              help="Re-poll unchanged content or a failure after this long, doubling "
                   "each time.  [default: 5% of the cadence]")
@click.option("--max-retry-seconds", type=click.FloatRange(min=0.01),
              help="Longest wait between re-polls.  [default: 25% of the cadence]")
@click.option("--param", multiple=True, metavar="DATASET.PARAMETER=VALUE",
              help="A dataset parameter, e.g. miso_csat_supply_demand.region=SOUTH.")
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
@common_options
def watch_command(datasets: tuple[str, ...], **options: Any) -> None:
    """Collect continuously until SIGTERM/SIGINT (default: every dataset).

    DATASET is a dataset name or command, e.g. miso_realtime_total_load or
    realtime-total-load. Each dataset is polled on its own thread, on wall-clock slots.
    """
    shared = {name: options.pop(name) for name in OPTION_NAMES}
    logs.configure(shared["log_level"], shared["log_format"])
    for flag in ("force", "skip_hash_check"):
        if shared[flag]:
            # Both turn off the duplicate check that tells the watch new content from
            # old: every re-poll would store another copy.
            raise click.UsageError(f"--{flag.replace('_', '-')} does not apply to watch, "
                                   f"which stores each distinct snapshot once by design")
    targets = _targets(datasets, options)
    settings = settings_from(shared)
    sys.exit(_run(targets, settings, options))


def _run(targets: list[Target], settings: Settings, options: dict[str, Any]) -> int:
    import threading

    from . import keys
    from .metrics import MetricsServer, WatchMetrics
    from .watch import run_watch

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
        for target in targets:
            keys.render(target.dataset.key_template, datetime.now(UTC), target.params)
        if options["metrics_port"] is not None:
            host, port = options["metrics_host"], options["metrics_port"]
            try:
                server = MetricsServer(metrics, host, port)
            except OSError as exc:
                click.echo(f"error: cannot serve metrics on {host}:{port}: {exc.strerror}",
                           err=True)
                return 2
            click.echo(f"metrics on {server.url}/metrics, health on {server.url}/healthz",
                       err=True)
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        if options["tables"]:
            from .tables.background import PeriodicSync

            tables = PeriodicSync([t.dataset for t in targets], settings.backends,
                                  min(t.timing.cadence for t in targets))
            tables.start()
        run_watch(targets, settings, stop=stop, metrics=metrics)
    except GridcollectError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        return exc.exit_code
    finally:
        if tables is not None:
            tables.stop()
        if server is not None:
            server.close()
    return 0


@click.command("status")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data"), envvar="GRIDCOLLECT_OUTPUT_DIR", show_default=True,
              help="Root of the local store.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              envvar="GRIDCOLLECT_STATE_DIR",
              help="Where runs leave their state. [default: OUTPUT_DIR/.gridcollect]")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of a table.")
def status_command(output_dir: Path, state_dir: Path | None, as_json: bool) -> None:
    """Show each dataset's latest stored snapshot, its age, and counts."""
    import sqlite3

    from .activity import DatasetActivity, format_age, read_activity
    from .settings import BackendSettings

    directory = BackendSettings(output_dir=output_dir, state_dir=state_dir).resolved_state_dir
    try:
        recorded = read_activity(directory)
    except sqlite3.Error as exc:
        click.echo(f"error: cannot read {directory}: {exc}", err=True)
        sys.exit(3)
    now = datetime.now(UTC)
    names = [d.name for d in all_datasets()]
    names += sorted(recorded.keys() - set(names))  # datasets no longer declared
    rows = [recorded.get(name) or DatasetActivity(name) for name in names]
    if as_json:
        click.echo(json.dumps({"state_dir": str(directory),
                               "datasets": [row.as_dict(now) for row in rows]}, indent=2))
        return
    table = [("DATASET", "AGE", "STORED", "DUPLICATES", "FAILURES", "LAST STORED")]
    for row in rows:
        table.append((row.dataset, format_age(row.age(now)), str(row.stored),
                      str(row.duplicates), str(row.failures),
                      row.last_location or row.last_key or "-"))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    for row in rows:
        if row.last_error and row.last_error_at:
            ago = format_age((now - row.last_error_at).total_seconds())
            click.echo(f"{row.dataset}: last failure {ago} ago: {row.last_error}")


__all__ = ["status_command", "watch_command"]
