"""Pieces shared by the MISO export tables: interval columns on both clocks, lenient values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...model import Column, Snapshot, TableContext
from ...validation import EST, InvalidValue, parse_number, utc_iso

INTERVAL_COLUMNS = (
    Column("interval_start", "time", "UTC", "Start of the interval (inclusive)."),
    Column("interval_end", "time", "UTC", "End of the interval (exclusive)."),
    Column(
        "interval_start_est", "market_time", "EST",
        "interval_start on MISO's market clock (EST, UTC-5 all year), without a time zone, "
        "so that its date is the operating day.",
    ),
)


def snapshot_times(snapshot: Snapshot) -> dict[str, Any]:
    """The three instants of a snapshot, for an envelope's metadata (ISO 8601, UTC):
    the slot it was scheduled for, when it was collected, and the as-of instant that
    its payload describes (with where that instant came from)."""
    return {
        "slot": utc_iso(snapshot.slot.at),
        "collected_at": utc_iso(snapshot.collected_at),
        "as_of": utc_iso(snapshot.key_time),
        "as_of_source": snapshot.as_of_source,
    }


def interval(start: datetime, end: datetime) -> dict[str, datetime]:
    """The interval columns of a row, from aware bounds on any clock."""
    return {
        "interval_start": start.astimezone(UTC),
        "interval_end": end.astimezone(UTC),
        "interval_start_est": start.astimezone(EST).replace(tzinfo=None),
    }


def optional_number(value: Any, where: str, ctx: TableContext) -> float | None:
    """A number, or ``None`` for an absent one (``null``, ``""``, ``"None"``).

    A value that is present but not a number is noted in ``ctx`` and read as absent,
    so one odd cell does not cost the whole row.
    """
    if value is None or (isinstance(value, str) and value.strip() in ("", "None")):
        return None
    try:
        return parse_number(value)
    except InvalidValue as exc:
        ctx.skip(f"{where}: {exc}")
        return None


def field(row: dict[str, Any], name: str) -> Any:
    """``row[name]``, or an :class:`InvalidValue` naming the missing field."""
    if name not in row:
        raise InvalidValue(f"missing {name!r}")
    return row[name]
