"""``gridcollect.read``: a dataset's rows over a time range as a pandas DataFrame."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigurationError

REVISIONS = ("latest", "all")


def read(
    dataset: str,
    start: str | datetime,
    end: str | datetime,
    *,
    revisions: str = "latest",
    output_dir: str | Path | None = None,
    prefix: str | None = None,
    s3_bucket: str | None = None,
    s3_endpoint_url: str | None = None,
    aws_profile: str | None = None,
) -> Any:
    """Rows of ``dataset`` whose ``interval_start`` is in ``[start, end)``, from the tables
    that ``gridcollect tables sync`` keeps.

    ``start`` and ``end`` are datetimes (naive ones are UTC) or ISO strings (a date alone
    is its midnight, UTC). ``revisions="latest"`` keeps each interval's latest revision,
    sorted by the table's identity; ``"all"`` every revision, by snapshot. Store options
    default to the command line's environment variables (``GRIDCOLLECT_OUTPUT_DIR``,
    ``GRIDCOLLECT_PREFIX``, ``S3_BUCKET``, ``AWS_ENDPOINT_URL_S3``, ``AWS_PROFILE``).

    >>> import gridcollect
    >>> load = gridcollect.read("miso_realtime_total_load", "2026-10-01", "2026-10-08")
    """
    from .. import datasets, keys
    from ..backends import open_store
    from ..settings import BackendSettings
    from .layout import market_day
    from .query import arrow_table, connect, quote

    if revisions not in REVISIONS:
        raise ConfigurationError(f"revisions must be one of {REVISIONS}, not {revisions!r}")
    chosen = datasets.get(dataset)
    if chosen.table is None:
        raise ConfigurationError(f"{chosen.name} declares no table")
    first, stop = _instant(start), _instant(end)
    if stop <= first:
        raise ConfigurationError(f"end {end} is not after start {start}")
    env = os.environ
    settings = BackendSettings(
        output_dir=Path(output_dir or env.get("GRIDCOLLECT_OUTPUT_DIR") or "data"),
        prefix=prefix if prefix is not None else env.get("GRIDCOLLECT_PREFIX", "sourcing"),
        s3_bucket=s3_bucket or env.get("S3_BUCKET") or None,
        s3_endpoint_url=s3_endpoint_url, aws_profile=aws_profile or env.get("AWS_PROFILE"),
    )
    store = open_store(settings)
    connection = connect(store, keys.check_prefix(settings.prefix), [chosen])  # type: ignore[arg-type]
    view = chosen.name if revisions == "latest" else f"{chosen.name}_revisions"
    order = (", ".join(quote(c) for c in chosen.table.identity) if revisions == "latest"
             else "snapshot_key, snapshot_row")
    sql = (f"SELECT * EXCLUDE (date, snapshot_row) FROM {quote(view)} "
           "WHERE interval_start >= ? AND interval_start < ? AND date BETWEEN ? AND ? "
           f"ORDER BY {order}")
    result = connection.sql(sql, params=[first, stop, market_day(first), market_day(stop)])
    return arrow_table(result).to_pandas()


def _instant(value: str | datetime) -> datetime:
    if isinstance(value, str):
        from ..runs.schedule import parse_instant

        return parse_instant(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
