"""Deduplication state: the ``Registry`` port and its implementations.

A digest moves through two states under its registry key: *claimed* (a worker is
storing it, with a lease) and *registered* (stored; kept for the dataset's retention).
Claiming is atomic, so several workers store one snapshot exactly once; a claim whose
lease ran out may be taken over, and the taker learns which object key the abandoned
claim meant to write, so it can adopt an object that was stored but never registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..model import RegistryEntry


@dataclass(frozen=True, slots=True)
class Claimed:
    """We hold the claim. ``abandoned_key`` names the object an expired claim was writing."""

    token: str
    abandoned_key: str | None = None


@dataclass(frozen=True, slots=True)
class AlreadyRegistered:
    """The digest is stored already."""

    entry: RegistryEntry


@dataclass(frozen=True, slots=True)
class Busy:
    """Another worker holds a live claim on the digest.

    ``owner`` names that worker (see :mod:`gridcollect.owner`) and ``token`` its claim, so
    a worker that knows the owner is dead can supersede exactly that claim without waiting
    for its lease.
    """

    key: str
    owner: str = field(default="", compare=False)
    token: str = field(default="", compare=False)


ClaimOutcome = Claimed | AlreadyRegistered | Busy


# A claim whose lease ran out this long ago is abandoned, whoever holds it: every store
# gives up within minutes (S3: 5 attempts with 5 s connect and 60 s read timeouts).
ABANDONED_AFTER_SECONDS = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class PendingClaim:
    """A claim not (yet) turned into an entry: a worker is storing, or died doing so.

    ``expired_seconds`` says how long ago its lease ran out (0 while it runs), by the
    registry's clock.
    """

    name: str
    key: str
    owner: str
    token: str
    expired: bool
    expired_seconds: float = 0.0

    @classmethod
    def of(
        cls, name: str, key: str, owner: str, token: str, *, lease_until: float, now: float
    ) -> PendingClaim:
        """The claim whose lease runs until ``lease_until`` (0: unknown, long over), as
        seen at ``now``, both by the registry's clock."""
        return cls(name, key, owner, token, expired=lease_until <= now,
                   expired_seconds=max(0.0, now - lease_until))


def claim_index(name: str) -> str:
    """The key of the index of open claims that ``name`` (``hash:env:dgroup:sha``) joins."""
    return "claims:" + name.removeprefix("hash:").rpartition(":")[0]


class Registry(Protocol):
    """Shared record of which digests are stored."""

    def claim(
        self,
        name: str,
        *,
        key: str,
        lease_seconds: float,
        ttl_seconds: float,
        owner: str = "",
        supersede: str | None = None,
    ) -> ClaimOutcome:
        """Atomically claim ``name`` for storing the object ``key``.

        ``supersede`` is the token of a live claim whose owner is known to be dead: that
        claim (and only that one) is taken over as if its lease had run out.
        """
        ...

    def register(
        self, name: str, entry: RegistryEntry, *, ttl_seconds: float, token: str | None
    ) -> None:
        """Record ``name`` as stored (replacing our claim), expiring after ``ttl_seconds``."""
        ...

    def release(self, name: str, *, token: str) -> None:
        """Drop our claim after a failed store, so the digest can be retried at once."""
        ...

    def renew(self, name: str, *, token: str, lease_seconds: float) -> bool:
        """Extend our claim's lease to ``lease_seconds`` from now, while its store is
        still in flight; ``False`` when the claim is no longer ours (taken over, gone).

        Safe to call from another thread than the one that opened the registry.
        """
        ...

    def lookup(self, name: str) -> RegistryEntry | None:
        """The registered entry for ``name``, if any (claims are not entries)."""
        ...

    def pending_claims(self, prefix: str, *, limit: int = 1000) -> list[PendingClaim]:
        """Open claims whose names start with ``prefix`` (``hash:env:dgroup:``)."""
        ...

    def ping(self) -> None:
        """Raise :class:`~gridcollect.errors.BackendUnavailable` when unreachable."""
        ...

    def close(self) -> None: ...

    def describe(self) -> str: ...
