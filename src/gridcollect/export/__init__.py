"""Stored snapshots into tidy tables (Parquet or CSV), and a day's quick plot.

Generic over datasets: each declares a :class:`~gridcollect.model.Table`. pyarrow and
matplotlib are imported only when a table is written or drawn.
"""

from .engine import SNAPSHOT_COLUMNS, ReadStats, columns_of, natural_order, read_rows, table_of
from .run import ExportReport, default_output, export, read_table
from .window import Range, key_prefixes, parse_range

__all__ = [
    "SNAPSHOT_COLUMNS",
    "ExportReport",
    "Range",
    "ReadStats",
    "columns_of",
    "default_output",
    "export",
    "key_prefixes",
    "natural_order",
    "parse_range",
    "read_rows",
    "read_table",
    "table_of",
]
