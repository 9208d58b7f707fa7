"""gridcollect: collect grid operators' real-time market data, once per distinct snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "read"]

if TYPE_CHECKING:
    from .tables.api import read


def __getattr__(name: str) -> Any:
    # Lazy, so that importing the command line never loads pyarrow, duckdb or pandas.
    if name == "read":
        from .tables.api import read

        return read
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
