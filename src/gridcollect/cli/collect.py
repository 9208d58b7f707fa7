"""The ``collect`` command: the current snapshot of several datasets at once (cron-style)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from ..model import RunReport
from ..secrets import redact
from ..settings import MAX_CONCURRENCY, MAX_PROCESSES
from .dataset_args import chosen_datasets, combinations, param_option, parameter_choices
from .exits import run_reporting_errors
from .options import common_options, pop_shared, settings_from

if TYPE_CHECKING:
    from ..runs.burst import Job


def _jobs(names: Sequence[str], params: Sequence[str], now: datetime) -> list[Job]:
    from ..model import Slot
    from ..runs.burst import Job, current_slot

    chosen = chosen_datasets(names)
    choices = parameter_choices(params)
    for name in sorted(choices.keys() - {d.name for d in chosen}):
        raise click.BadParameter(f"{name} is not being collected", param_hint="--param")
    jobs = []
    for dataset in chosen:
        slot_at = current_slot(dataset, now)
        for values in combinations(choices.get(dataset.name, {})):
            jobs.append(Job(dataset, Slot(slot_at, values)))
    return jobs


@click.command("collect", short_help="The current snapshot of several datasets at once (cron).")
@click.argument("datasets", nargs=-1, metavar="[DATASET]...")
@param_option("collect")
@click.option("--concurrency", type=click.IntRange(1, MAX_CONCURRENCY), default=4,
              show_default=True,
              help="Snapshots fetched and stored at the same time.")
@click.option("--processes", type=click.IntRange(1, MAX_PROCESSES), default=1, show_default=True,
              help="Worker processes, for large bursts that need more than one CPU core. "
                   "Each has its own connections; --concurrency stays the total, split "
                   "among them (so at most --concurrency processes are used).")
@click.option("--tables", is_flag=True,
              help="Then sync the Parquet tables of the datasets collected (docs/tables.md).")
@common_options
def collect_command(datasets: tuple[str, ...], param: tuple[str, ...], concurrency: int,
                    processes: int, tables: bool, **options: Any) -> None:
    """Collect the current snapshot of several datasets at once (default: every dataset).

    Each snapshot is stored under its own as-of instant (MISO's RefId), as watch would,
    so a cron job can run this every few minutes.
    """
    shared = pop_shared(options)
    jobs = _jobs(datasets, param, datetime.now(UTC))

    def action() -> int:
        from ..runs.burst import collect_many

        settings = settings_from(shared)
        reports = collect_many(jobs, settings, concurrency=concurrency, processes=processes)
        summary = _summary(reports)
        if tables:
            from ..tables.background import sync_after_run

            summary["tables"] = sync_after_run([job.dataset for job in jobs], settings.backends)
        click.echo(redact(json.dumps(summary)))
        return 1 if summary["failed"] else 0

    run_reporting_errors(action)


def _summary(reports: Sequence[RunReport]) -> dict[str, Any]:
    """Every dataset's report, and the totals a cron job checks."""
    return {
        "datasets": [report.as_dict() for report in reports],
        "requested": sum(r.requested for r in reports),
        "collected": sum(r.collected for r in reports),
        "skipped_duplicate": sum(r.skipped_duplicate for r in reports),
        "failed": sum(r.failed for r in reports),
        "notifications_pending": max((r.notifications_pending for r in reports), default=0),
    }


__all__ = ["collect_command"]
