"""Tables kept up to date by the collecting commands themselves.

``watch --tables`` runs :class:`PeriodicSync` on its own thread: every ``interval``
seconds it syncs the watched datasets from the day folders around now (and from the
whole store once an hour, for anything restored or written elsewhere), so collection
never waits for it. ``collect --tables`` calls :func:`sync_after_run` once its run ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..model import Dataset
from ..settings import BackendSettings
from .sync import TableSync, recent_keys

log = logging.getLogger(__name__)

FULL_LISTING_EVERY = 3600.0


def _syncs(datasets: Sequence[Dataset], settings: BackendSettings) -> list[TableSync]:
    from .. import keys
    from ..backends import open_store

    store = open_store(settings)
    prefix = keys.check_prefix(settings.prefix)
    unique = {d.name: d for d in datasets if d.table is not None}
    return [TableSync(d, store, prefix) for d in unique.values()]  # type: ignore[arg-type]


def sync_after_run(datasets: Sequence[Dataset], settings: BackendSettings
                   ) -> list[dict[str, Any]]:
    """Sync ``datasets`` from the day folders around now (what a run just stored). A
    failure is reported, never raised: the snapshots are stored whatever the tables do."""
    found: list[dict[str, Any]] = []
    try:
        syncs = _syncs(datasets, settings)
    except Exception as exc:  # noqa: BLE001 - reported in the summary instead
        log.warning("tables sync failed: %s", exc)
        return [{"error": str(exc)}]
    for sync in syncs:
        try:
            now = datetime.now(UTC)
            report = sync.run(recent_keys(sync.dataset, sync.store, sync.prefix, now))
            found.append(report.as_dict())
        except Exception as exc:  # noqa: BLE001
            log.warning("tables sync of %s failed: %s", sync.dataset.name, exc)
            found.append({"dataset": sync.dataset.name, "error": str(exc)})
    return found


class PeriodicSync:
    """A daemon thread that syncs the tables every ``interval`` seconds until stopped;
    a failed sync is logged and tried again next time."""

    def __init__(self, datasets: Sequence[Dataset], settings: BackendSettings,
                 interval: float) -> None:
        self._datasets = datasets
        self._settings = settings
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tables-sync", daemon=True)
        self._syncs: list[TableSync] | None = None
        self._last_full = 0.0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        """Finish with one last sync (what the watch stored last), then return."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sync_once()
        self.sync_once()

    def sync_once(self) -> None:
        try:
            if self._syncs is None:
                self._syncs = _syncs(self._datasets, self._settings)
            full = time.monotonic() - self._last_full >= FULL_LISTING_EVERY
            for sync in self._syncs:
                now = datetime.now(UTC)
                listing = None if full else recent_keys(sync.dataset, sync.store,
                                                        sync.prefix, now)
                report = sync.run(listing)
                if report.read:
                    log.info("tables: %s: %d snapshots, %d rows", sync.dataset.name,
                             report.read, report.rows)
            if full:
                self._last_full = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - the watch must go on whatever a sync meets
            log.warning("tables sync failed (tried again in %.0f s): %s", self._interval, exc)
