"""The command line: the ``gridcollect`` group and its commands, options, exits and progress.

``cli`` and ``main`` live in :mod:`.root`; they are loaded on first use, so that a module
which only needs :mod:`.progress` or :mod:`.exits` does not build every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["cli", "main"]

if TYPE_CHECKING:
    from .root import cli, main


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
