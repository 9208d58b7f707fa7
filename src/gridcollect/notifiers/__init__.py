"""Telling downstream jobs about new objects: the ``Publisher`` port.

Every notification first lands in the durable outbox (:mod:`.outbox`); a publisher
then delivers what the outbox holds. A publisher that cannot deliver raises
:class:`~gridcollect.errors.NotifierUnavailable` and the notification waits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Notification:
    """One message per stored object; ``urn`` is its message key and identity."""

    dataset: str
    environment: str
    urn: str
    location: str
    version: str | None
    etag: str | None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Notification:
        return cls(**json.loads(raw))


class Publisher(Protocol):
    """Delivers notifications and returns only once the destination acknowledged them.

    ``destination`` names where, without secrets (``kafka:host:port/topic``,
    ``jsonl:/path``): the outbox binds each notification to it.
    """

    destination: str

    def publish(self, notifications: Sequence[Notification]) -> None: ...

    def connect(self) -> None:
        """Start connecting now, so the first delivery does not wait for it; a failure
        is left for :meth:`publish` to report."""

    def close(self) -> None: ...

    def describe(self) -> str: ...
