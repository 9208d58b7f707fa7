"""Keeping a claim alive while its object is being stored.

A claim's lease tells other hosts how long to wait before judging its worker dead. A
store can take longer than any fixed lease (S3 retries, a slow link), so while one is
in flight a timer thread renews the lease every third of it.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from ..errors import GridcollectError
from . import Registry

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Renews the claim ``name``/``token`` inside a ``with`` block; no-op without a token."""

    def __init__(
        self, registry: Registry, name: str, token: str | None, lease_seconds: float
    ) -> None:
        self.registry = registry
        self.name = name
        self.token = token
        self.lease_seconds = lease_seconds
        self.renewals = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> LeaseKeeper:
        if self.token is not None:
            self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        assert self.token is not None
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                renewed = self.registry.renew(
                    self.name, token=self.token, lease_seconds=self.lease_seconds
                )
            except GridcollectError as exc:  # tried again a third of a lease later
                log.warning("cannot renew the claim on %s: %s", self.name, exc)
                continue
            except Exception:  # a renewal bug must not go unseen, nor end the store
                log.exception("renewing the claim on %s failed", self.name)
                continue
            if not renewed:
                log.warning("the claim on %s was taken over while its object was being "
                            "stored; no longer renewing it", self.name)
                return
            self.renewals += 1
