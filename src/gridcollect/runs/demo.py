"""``gridcollect demo``: every collector, end to end, against a local MISO stand-in.

A :class:`~gridcollect.replay.ReplayServer` serves generated samples in both shapes
(``/documented/...`` as the specs describe, ``/wire/...`` as MISO really sends), and
each dataset is collected from each through the real pipeline into embedded backends.
The clock is fixed at the instant the samples describe, so every run on a fresh
directory stores the same payloads under the same keys (only the envelopes'
``source_url`` differs: it names the server's ephemeral port); a second run on the
same directory finds every payload stored already.
"""

from __future__ import annotations

import json
import math
import shlex
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from .. import datasets
from ..errors import ConfigurationError
from ..model import Dataset, RunReport
from ..replay import ReplayServer, Reply
from ..samples import ENDPOINTS, EST, WIRE_ENDPOINTS, Shape, sample, shapes_of
from ..settings import BackendSettings, HttpSettings, Settings
from .collect import collect

# 16:45 EST on the day the shared wire fixtures were recorded; constraints bind then.
DEMO_INSTANT = datetime(2026, 10, 2, 21, 45, tzinfo=UTC)
# With --serve, each dataset publishes its next snapshot this often (wall-clock aligned),
# so a watch on the same cadence stores a new one every slot.
SERVE_CADENCE_SECONDS = 20
# Every endpoint the samples cover, in one shape or both.
_SAMPLED = (*ENDPOINTS, *WIRE_ENDPOINTS)

_EXPLANATION = """\
What just happened
  1. A local HTTP server stood in for MISO's public API, answering with generated
     samples: /documented/... in the shape the specs describe, /wire/... in the shape
     MISO really sends (numbers as strings, wrapped rows, EST interval RefIds). Fuel
     mix, prices and real-time constraints have no documented shape: wire only.
  2. Each collector ran the one pipeline: fetch -> validate (either shape is accepted)
     -> SHA-256 of the payload's canonical JSON -> claim the digest in the registry
     -> store the gzip envelope under the dataset's key -> record a notification.
  3. Both shapes of a dataset describe the same instant, hence the same key (a key's
     time is the snapshot's own as-of instant). A key is never overwritten with another
     snapshot, so the second shape went to a variant key (..._2.json.gz; the "holds
     another snapshot" warning says so).
  4. The clock was fixed at {instant}, so runs are repeatable.
     Run the demo again on the same directory: every payload's digest is registered
     already, so nothing is stored twice (skipped_duplicate).
  Objects: {output}
  Registry, outbox and delivered notifications: {state}
"""


def run_demo(output_dir: Path, *, echo: Callable[[str], None]) -> int:
    """Collect every sampled dataset in each of its shapes (both, or only the wire's for
    datasets MISO documents in no other) into ``output_dir``; return an exit code."""
    given = Path(output_dir)
    output_dir = given.resolve()
    backends = BackendSettings(output_dir=output_dir)
    chosen = _sampled_datasets()
    for dataset in datasets.all_datasets():
        if dataset not in chosen:
            echo(f"skipping {dataset.name}: the demo has no sample for /{dataset.endpoint}")
    if not chosen:
        echo("no dataset to demonstrate")
        return 1
    local_time = DEMO_INSTANT.astimezone(EST)
    reports: list[RunReport] = []
    with ReplayServer(_routes()) as server:
        echo(f"MISO stand-in: {server.url}  (documented shape under /documented, "
             f"wire shape under /wire)")
        echo(f"clock fixed at {DEMO_INSTANT:%Y-%m-%dT%H:%M:%SZ} ({local_time:%H:%M} EST)")
        echo(f"objects go to {output_dir}")
        for dataset in chosen:
            for shape in shapes_of(dataset.endpoint):
                base = f"{server.url}/{shape}"
                echo("")
                echo(f"[{shape}] {dataset.name} <- {base}/{dataset.endpoint.strip('/')}")
                report = _collect_one(dataset, base, backends)
                reports.append(report)
                _describe(report, shape, output_dir, echo)
        answered = len(server.requests)
    echo("")
    echo(f"the stand-in answered {answered} request(s); nothing left this machine")
    echo(f"stored {sum(r.collected for r in reports)} object(s), "
         f"skipped {sum(r.skipped_duplicate for r in reports)} duplicate(s), "
         f"{sum(r.failed for r in reports)} failure(s)")
    echo("")
    echo(_EXPLANATION.format(instant=f"{DEMO_INSTANT:%Y-%m-%dT%H:%M:%SZ}", output=output_dir,
                             state=backends.resolved_state_dir).rstrip())
    echo("")
    echo(next_steps(given))
    return max(report.exit_code for report in reports)


def next_steps(output_dir: Path) -> str:
    """The commands that look at what the demo stored in ``output_dir``, ready to paste."""
    where = shlex.quote(str(output_dir))
    day = f"{DEMO_INSTANT:%Y-%m-%d}"
    return "\n".join([
        "Next, try",
        f"  gridcollect status --output-dir {where}",
        f"  gridcollect export realtime-total-load --from {day} --output-dir {where} "
        f"--output {shlex.quote(str(output_dir / 'load.parquet'))}",
        f"  gridcollect plot realtime-total-load --date {day} --output-dir {where} "
        f"--output {shlex.quote(str(output_dir / 'load.png'))}",
        "  gridcollect demo --serve    # a MISO stand-in to run gridcollect watch against",
    ])


def serve_samples(port: int, output_dir: Path, *, echo: Callable[[str], None],
                  stop: threading.Event | None = None) -> int:
    """Serve MISO-shaped samples on 127.0.0.1:``port`` until SIGINT/SIGTERM (or ``stop``).

    Each dataset publishes a new snapshot every :data:`SERVE_CADENCE_SECONDS`, as MISO
    does every few minutes; the printed ``watch`` command polls on that cadence.
    """
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
    server = ReplayServer(port=port)
    for endpoint in _SAMPLED:
        for shape in shapes_of(endpoint):
            server.set_publisher(f"/{shape}/{endpoint}", _Publisher(endpoint, shape))
    try:
        server.start()
    except OSError as exc:
        raise ConfigurationError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None
    try:
        cadences = " ".join(f"--cadence {d.command}={SERVE_CADENCE_SECONDS}"
                            for d in _sampled_datasets())
        echo(f"MISO stand-in on {server.url} (wire shape under /wire, documented under "
             f"/documented); a new snapshot every {SERVE_CADENCE_SECONDS}s. Ctrl-C stops it.")
        echo("In another terminal:")
        echo(f"  gridcollect watch --api-base-url {server.url}/wire {cadences} "
             f"--output-dir {shlex.quote(str(output_dir))} --metrics-port 9464")
        echo("  curl -s localhost:9464/metrics | grep gridcollect_    # and /healthz")
        echo(f"  gridcollect status --output-dir {shlex.quote(str(output_dir))}")
        while not stop.wait(0.5):
            pass
        echo(f"stopped after answering {len(server.requests)} request(s)")
    finally:
        server.stop()
    return 0


class _Publisher:
    """The sample of one endpoint for the current wall-clock slot: each new slot is the
    next publication, one dataset cadence later in the samples' day."""

    def __init__(self, endpoint: str, shape: Shape) -> None:
        dataset = next(d for d in datasets.all_datasets() if d.endpoint.strip("/") == endpoint)
        self._endpoint, self._shape, self._step = endpoint, shape, dataset.cadence
        # Publication 1 comes first: number 0 is what the plain demo stored.
        self._first = self._number() - 1

    def _number(self) -> int:
        return math.floor(time.time() / SERVE_CADENCE_SECONDS)

    def __call__(self) -> Reply:
        at = DEMO_INSTANT + (self._number() - self._first) * self._step
        return Reply(body=sample(self._endpoint, self._shape, at))


def _sampled_datasets() -> list[Dataset]:
    """The datasets whose endpoint the samples cover."""
    return [d for d in datasets.all_datasets() if d.endpoint.strip("/") in _SAMPLED]


def _routes() -> dict[str, Reply]:
    """Every sampled endpoint in both shapes, fixed at the demo instant."""
    return {
        f"/{shape}/{endpoint}": Reply(body=sample(endpoint, shape, DEMO_INSTANT))
        for endpoint in _SAMPLED
        for shape in shapes_of(endpoint)
    }


def _collect_one(dataset: Dataset, base_url: str, backends: BackendSettings) -> RunReport:
    # A local server answers at once: short timeouts and backoff keep a failure quick.
    http = HttpSettings(api_base_url=base_url, timeout_seconds=10.0, max_retries=1,
                        backoff_base_seconds=0.1, backoff_max_seconds=0.5)
    settings = Settings(http=http, backends=backends)
    # Windowed datasets get a one-slot window at the demo instant; others collect "now".
    edge = DEMO_INSTANT if dataset.window else None
    return collect(dataset, settings, start=edge, end=edge, now=lambda: DEMO_INSTANT)


def _describe(report: RunReport, shape: str, output_dir: Path, echo: Callable[[str], None]) -> None:
    for key in report.stored:
        path = output_dir / key
        size = path.stat().st_size if path.is_file() else 0
        echo(f"  stored  {key}  ({size} bytes gzip, {shape} shape)")
    if report.skipped_duplicate:
        echo("  nothing stored: this exact payload is registered already (a duplicate)")
    for error in report.errors:
        echo(f"  FAILED  {error['candidate']}: {error['error']}")
    echo(f"  summary {json.dumps(report.as_dict(), sort_keys=False)}")


__all__ = ["DEMO_INSTANT", "SERVE_CADENCE_SECONDS", "next_steps", "run_demo", "serve_samples"]
