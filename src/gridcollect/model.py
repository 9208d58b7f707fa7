"""Domain values shared by the pipeline, the datasets and the backends."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a validator concluded: failures reject the payload, warnings are only logged."""

    shape: str
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A dataset option the user may set (e.g. CSAT's region), sent as a query parameter."""

    name: str
    query_name: str
    choices: tuple[str, ...]
    help: str


@dataclass(frozen=True, slots=True)
class Window:
    """How a dataset's collect command names its time window options."""

    start_flag: str
    end_flag: str
    help: str


@dataclass(frozen=True, slots=True)
class Slot:
    """One scheduled collection: the time it stands for and the parameters sent."""

    at: datetime
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A validated payload ready to store, with what its envelope and key need."""

    dataset: str
    slot: Slot
    payload: Any
    sha256: str
    source_url: str
    collected_at: datetime
    placeholder: bool = False
    as_of: datetime | None = None
    as_of_source: str = "payload"

    @property
    def key_time(self) -> datetime:
        """The instant that stamps the snapshot's key: its as-of instant."""
        return self.slot.at if self.as_of is None else self.as_of


Validator = Callable[[Any], Verdict]
EnvelopeBuilder = Callable[[Snapshot], Any]
Unwrapper = Callable[[Any], Any]
PlaceholderBuilder = Callable[[Slot], Any]
AsOfReader = Callable[[Any], datetime]
"""Reads a valid payload's own as-of instant (aware, UTC); raises ``InvalidValue`` when
the payload does not say it."""


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a dataset's export table.

    ``kind`` is ``"time"`` (timezone-aware UTC), ``"market_time"`` (the operator's wall
    clock, no time zone attached), ``"number"`` (float), ``"text"`` or ``"flag"`` (bool).
    """

    name: str
    kind: str
    unit: str = ""
    doc: str = ""


@dataclass(slots=True)
class TableContext:
    """What a tabulator knows of one stored snapshot besides its payload."""

    key: str
    stored: Any
    skipped: list[str] = field(default_factory=list)

    def skip(self, why: str) -> None:
        """Note a value that yields no row (the export reports these)."""
        self.skipped.append(why)


Row = Mapping[str, Any]
Tabulator = Callable[[Any, TableContext], Iterable[Row]]
RefReader = Callable[[Any, TableContext], datetime]


@dataclass(frozen=True, slots=True)
class Table:
    """How a dataset's stored snapshots become a tidy table (see :mod:`gridcollect.export`).

    ``rows`` turns one payload into rows with every column of ``columns``; ``ref`` tells
    the snapshot's own as-of time (UTC), by which the latest revision of a row wins.
    ``identity`` names the columns that say which row a revision is of, e.g. series and
    ``interval_start``. ``plot_series`` and ``plot_values`` say what ``plot`` draws, from
    the rows ``plot_filter`` keeps (all when ``None``: e.g. only the hubs of 2,600 nodes).
    ``span`` is how far from its key's instant a snapshot's intervals may lie (a rolling
    window of two days, say), so an export lists every key that can hold a day's rows.
    """

    columns: tuple[Column, ...]
    identity: tuple[str, ...]
    rows: Tabulator
    ref: RefReader
    plot_series: str
    plot_values: tuple[str, ...]
    plot_filter: Callable[[Row], bool] | None = None
    span: timedelta = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Dataset:
    """A declaration of one collectable dataset; the pipeline does the rest.

    ``key_template`` is filled by :mod:`gridcollect.keys` with the snapshot's as-of
    instant, which ``as_of`` reads from the payload itself (MISO's ``RefId``, or the
    payload's own "now"). ``as_of=None`` declares that the payload carries no time: the
    collection time floored to the cadence stands in, flagged as such.
    ``unwrap`` is the inverse of ``envelope``: it recovers the payload from a stored
    object, so a stored object can be re-hashed and compared. ``table``, when declared,
    lets ``gridcollect export`` turn stored snapshots into tidy rows.
    """

    name: str
    operator: str
    command: str
    endpoint: str
    cadence: timedelta
    key_template: str
    envelope: EnvelopeBuilder
    validator: Validator
    retention: timedelta
    description: str
    window: Window | None = None
    parameters: tuple[Parameter, ...] = ()
    as_of: AsOfReader | None = None
    no_data_statuses: frozenset[int] = frozenset()
    placeholder: PlaceholderBuilder | None = None
    status_reasons: Mapping[int, str] = field(default_factory=dict)
    unwrap: Unwrapper = _identity
    table: Table | None = None

    @property
    def dgroup(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class StoredObject:
    """Where a store put an object, and what it knows of it."""

    key: str
    location: str
    size: int
    etag: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """What the registry keeps about a stored digest."""

    location: str
    key: str
    size: int
    registered_at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "key": self.key,
            "size": self.size,
            "registered_at": self.registered_at,
        }


@dataclass(slots=True)
class RunReport:
    """The outcome of one run of the pipeline over one dataset; printed as the summary.

    ``requested``: the slots asked for (a window's intervals); ``total_candidates``: the
    snapshots fetched for them (one request each, re-polls included).
    """

    dataset: str
    total_candidates: int = 0
    requested: int = 0
    collected: int = 0
    skipped_duplicate: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notifications_pending: int = 0
    recovered: int = 0
    interrupted: bool = False
    newest_as_of: datetime | None = None  # of the snapshots stored; for ``status``

    def stored_one(self, key: str, as_of: datetime) -> None:
        """Count an object stored under ``key``, describing ``as_of``."""
        self.collected += 1
        self.stored.append(key)
        if self.newest_as_of is None or as_of > self.newest_as_of:
            self.newest_as_of = as_of

    def fail(self, candidate: str, error: str) -> None:
        self.failed += 1
        self.errors.append({"candidate": candidate, "error": error})

    @property
    def exit_code(self) -> int:
        """130 when the run was interrupted (as a shell reports SIGINT), else 1 when a
        candidate failed, else 0."""
        if self.interrupted:
            return 130
        return 1 if self.failed else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "requested": self.requested,
            "total_candidates": self.total_candidates,
            "collected": self.collected,
            "skipped_duplicate": self.skipped_duplicate,
            "failed": self.failed,
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "stored": list(self.stored),
            "notifications_pending": self.notifications_pending,
            "recovered": self.recovered,
            "interrupted": self.interrupted,
        }
