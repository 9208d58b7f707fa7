"""Where stored objects go: the ``Store`` port and its implementations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ..model import StoredObject


class Store(Protocol):
    """An object store addressed by relative keys."""

    def put(self, key: str, body: bytes, *, sha256: str, overwrite: bool) -> StoredObject:
        """Write ``body`` at ``key`` atomically.

        Raises :class:`~gridcollect.errors.KeyConflict` when ``overwrite`` is false and
        the key already exists; :class:`~gridcollect.errors.StoreError` on failure.
        """
        ...

    def get(self, key: str) -> bytes | None:
        """The stored body, or ``None`` when the key does not exist."""
        ...

    def location(self, key: str) -> str:
        """A URL naming the object (``file://...``, ``s3://bucket/key``)."""
        ...

    def describe(self) -> str:
        """A short, secret-free description for logs."""
        ...

    def keys(self, prefix: str) -> Iterator[str]:
        """Every stored key that starts with ``prefix``, in key order (for readers)."""
        ...
