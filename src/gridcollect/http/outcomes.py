"""How a fetch ends: one of four typed outcomes, never a network exception."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Fetched:
    """A JSON payload arrived (``size``: bytes of the body as received)."""

    payload: Any
    url: str
    size: int


@dataclass(frozen=True, slots=True)
class NoData:
    """The endpoint says there is nothing for these parameters."""

    url: str
    status: int


@dataclass(frozen=True, slots=True)
class Rejected:
    """The answer is unusable: bad status, not JSON, too large."""

    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class Unavailable:
    """The service did not answer usefully after every retry."""

    url: str
    reason: str


FetchOutcome = Fetched | NoData | Rejected | Unavailable
