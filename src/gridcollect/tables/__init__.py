"""Tidy Parquet tables kept next to the raw snapshots, and queries over them.

``sync`` tabulates new snapshots incrementally (a manifest records what each file holds);
``query`` puts DuckDB views over the tables; ``api.read`` returns a pandas DataFrame.
See docs/tables.md. pyarrow, duckdb and pandas are imported only when used.
"""

from __future__ import annotations

from typing import Any

__all__ = ["read"]


def read(*args: Any, **kwargs: Any) -> Any:
    """See :func:`gridcollect.tables.api.read`."""
    from .api import read as read_tables

    return read_tables(*args, **kwargs)
