"""A dataset as a declaration: where its rows are on the wire, what each field is, and
what each row means in the tidy table. Validation, tidy rows, the as-of instant, the
envelope and the export/plot support are all derived from that one declaration.

A declaration is plain frozen dataclasses (``docs/datasets.md`` says why):

- :class:`Field`: one wire field, its :data:`KINDS` kind, required or optional, and the
  column (with unit) it becomes, if any;
- :class:`Rule`: a row-level check with a named reason;
- :class:`Interval`: which field labels a row's interval, whether that label is the
  interval's start, end or an instant, its length, and why;
- :class:`Rows`: one block of rows (a dotted path such as ``LMPData.FiveMinLMP.PricingNode``),
  with optional one-key row wrappers, array rows named by a header list, placeholder rows
  meaning "nothing to report", fields of the enclosing object (``HourAndMin``), and tags
  (constant columns such as the market of the block);
- :class:`Wire`: the top-level fields (``RefId``) and the blocks;
- :class:`Tidy`: the table's identity, extra columns and what ``plot`` draws;
- :func:`declare`: the :class:`~gridcollect.model.Dataset`, key layout
  ``<dgroup>/year=YYYY/month=MM/day=DD/<name>_YYYYMMDD_HHMM.json.gz`` included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

from ...model import (
    AsOfReader,
    Dataset,
    EnvelopeBuilder,
    Parameter,
    PlaceholderBuilder,
    Snapshot,
    Table,
    Unwrapper,
    Validator,
    Window,
)
from ...validation import describe, never_raises
from ..miso.tables import snapshot_times
from .as_of import as_of_at, as_of_latest
from .declaration import Across, Field, Interval, Meaning, Melt, Rows, Rule, Tidy, Wire
from .derive import Schema
from .kinds import AMOUNT, CLOCK, FLAG, HOUR, KINDS, NUMBER, TEXT, TIME, Kind, is_absent, read
from .payload import lookup
from .rules import first_of, not_after, on_grid

# -- envelope ------------------------------------------------------------------------


def envelope(snapshot: Snapshot) -> dict[str, Any]:
    """The stored object: the response under ``data``, collection facts beside it."""
    return {
        "data": snapshot.payload,
        "collection_metadata": {
            "dataset": snapshot.dataset,
            "source_url": snapshot.source_url,
            **snapshot_times(snapshot),
        },
    }


def unwrap(stored: Any) -> Any:
    """The response inside a stored envelope (the inverse of :func:`envelope`)."""
    if not isinstance(stored, dict) or not {"data", "collection_metadata"} <= stored.keys():
        raise ValueError(f"not an envelope: expected data and collection_metadata in "
                         f"{describe(stored)}")
    return stored["data"]


def as_received(snapshot: Snapshot) -> Any:
    """An envelope that is the response exactly as received (no metadata beside it)."""
    return snapshot.payload


def unwrap_as_received(stored: Any) -> Any:
    """The inverse of :func:`as_received`: the stored object is the response."""
    return stored


def unwrap_at(key: str, name: str) -> Unwrapper:
    """The inverse of an envelope that keeps the response under ``key`` (``name``: the
    envelope's, for the message when a stored object is no such envelope)."""

    def unwrap_key(stored: Any) -> Any:
        if not isinstance(stored, dict) or key not in stored:
            raise ValueError(f"not a {name} envelope: expected {key} in {describe(stored)}")
        return stored[key]

    unwrap_key.__doc__ = f"The payload under {key!r} in a stored {name} envelope."
    return unwrap_key


# -- the dataset ---------------------------------------------------------------------


STAMP_MINUTE = "%Y%m%d_%H%M"
"""Keys' default stamp: ``_YYYYMMDD_HHMM``."""
STAMP_SECOND = "%Y%m%d_%H%M%S"
"""``_YYYYMMDD_HHMMSS``, for an as-of instant with seconds (``Ace``)."""
STAMP_DAY = "%Y%m%d"
"""``_YYYYMMDD``, for a daily publication (revisions of one day get ``_2``, ``_3``...)."""


def key_template(dgroup: str, stamp: str = STAMP_MINUTE) -> str:
    """``<dgroup>/year=YYYY/month=MM/day=DD/<name>_<stamp>.json.gz``, where ``<name>`` is
    the dgroup without its operator prefix and ``stamp`` (default ``YYYYMMDD_HHMM``) the
    as-of instant in UTC."""
    name = dgroup.partition("_")[2]
    return (f"{dgroup}/year={{t:%Y}}/month={{t:%m}}/day={{t:%d}}/"
            f"{name}_{{t:{stamp}}}.json.gz")


def schema_of(dataset: Dataset) -> Schema | None:
    """The schema a dataset was declared with (``None`` for a hand-written dataset)."""
    rows = dataset.table.rows if dataset.table is not None else None
    owner = getattr(rows, "__self__", None)
    return owner if isinstance(owner, Schema) else None


def declare(
    *,
    dgroup: str,
    endpoint: str,
    cadence: timedelta,
    description: str,
    as_of: str | AsOfReader,
    command: str | None = None,
    wire: Wire | None = None,
    tidy: Tidy | None = None,
    retention: timedelta = timedelta(days=7),
    stamp: str = STAMP_MINUTE,
    key: str | None = None,
    envelope: EnvelopeBuilder = envelope,
    unwrap: Unwrapper = unwrap,
    window: Window | None = None,
    parameters: tuple[Parameter, ...] = (),
    no_data_statuses: frozenset[int] = frozenset(),
    placeholder: PlaceholderBuilder | None = None,
    status_reasons: Mapping[int, str] | None = None,
    validator: Validator | None = None,
    table: Table | None = None,
) -> Dataset:
    """A MISO dataset from its declaration: by default one snapshot now per run (no
    window), stored in the ``{"data", "collection_metadata"}`` envelope under
    :func:`key_template` (with ``stamp``). ``as_of`` is the dotted path of the payload's
    as-of time, or a reader. ``command`` defaults to the dgroup without its operator
    prefix, hyphenated (``miso_fuel_mix``: ``fuel-mix``).

    The validator and the table derive from ``wire`` and ``tidy``; a path ``as_of`` is
    also a required top-level field of ``wire`` (a :data:`TIME`, first) unless ``wire``
    declares it. A dataset that also
    accepts a shape the wire declaration does not describe (the specification's
    documented shape) passes its own ``validator``; one whose rows no declaration can
    place passes its own ``table``. ``key``, ``envelope``/``unwrap``, ``window``,
    ``parameters``, ``no_data_statuses``/``placeholder`` and ``status_reasons`` are the
    :class:`~gridcollect.model.Dataset`'s, for layouts other than the default.
    """
    reader = as_of_at(as_of) if isinstance(as_of, str) else as_of
    if isinstance(as_of, str) and wire is not None \
            and all(item.name != as_of for item in wire.fields):
        wire = replace(wire, fields=(Field(as_of, TIME), *wire.fields))
    if wire is not None and tidy is not None:
        schema = Schema(wire, tidy, reader)
        schema.columns  # noqa: B018 - a bad declaration fails on import, not on first export
        validator = validator or schema.validate
        table = table or schema.table()
    if validator is None or table is None:
        raise ValueError(f"{dgroup}: declare wire and tidy, or give a validator and a table")
    return Dataset(
        name=dgroup,
        operator=dgroup.partition("_")[0],
        command=command or dgroup.partition("_")[2].replace("_", "-"),
        endpoint=endpoint,
        cadence=cadence,
        key_template=key_template(dgroup, stamp) if key is None else key,
        envelope=envelope,
        validator=never_raises(validator),
        retention=retention,
        description=description,
        window=window,
        parameters=parameters,
        as_of=reader,
        no_data_statuses=no_data_statuses,
        placeholder=placeholder,
        status_reasons=dict(status_reasons or {}),
        unwrap=unwrap,
        table=table,
    )


__all__ = [
    "AMOUNT", "STAMP_DAY", "STAMP_MINUTE", "STAMP_SECOND", "as_of_latest",
    "CLOCK", "FLAG", "HOUR", "KINDS", "NUMBER", "TEXT", "TIME", "Across", "Field", "Interval",
    "Kind", "Meaning", "Melt", "Rows", "Rule", "Schema", "Tidy", "Wire", "as_of_at", "declare",
    "as_received", "envelope", "first_of", "is_absent", "key_template", "lookup", "not_after",
    "on_grid", "read", "schema_of", "unwrap", "unwrap_as_received", "unwrap_at",
]
