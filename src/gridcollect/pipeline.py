"""The one pipeline every dataset flows through.

fetch -> validate -> digest -> claim -> store -> outbox -> register -> (deliver)

The notification is written to the durable outbox *before* the digest is
registered, so a crash can repeat an announcement but never lose one. Nothing here
is dataset-specific: the :class:`~gridcollect.model.Dataset` declaration says how.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from . import jsonbytes, keys
from .digest import registry_key, sha256_in, sha256_of
from .errors import BackendUnavailable, KeyConflict, StoreError
from .http import Fetched, Fetcher, NoData
from .largejson import batched, dump_chunks, gzip_of, is_lazy
from .model import Dataset, RegistryEntry, RunReport, Slot, Snapshot, StoredObject
from .notifiers import Notification
from .notifiers.outbox import Outbox
from .owner import is_dead, this_owner
from .registries import (
    ABANDONED_AFTER_SECONDS,
    AlreadyRegistered,
    Busy,
    Claimed,
    ClaimOutcome,
    Registry,
)
from .registries.lease import LeaseKeeper
from .settings import RunOptions
from .stores import Store
from .validation import InvalidValue

log = logging.getLogger(__name__)

MAX_KEY_VARIANTS = 50
# Pauses between reads of a key that a create-only write found taken but that does not
# read back yet (about 3 s in all).
EXISTING_READ_PAUSES = (0.1, 0.2, 0.4, 0.8, 1.6)
# What a dataset's as-of reader raises for a payload that does not say its instant.
_AS_OF_ERRORS = (InvalidValue, LookupError, TypeError, ValueError, AttributeError)


@dataclass(frozen=True, slots=True)
class Backends:
    """The three ports the pipeline writes to."""

    store: Store
    registry: Registry
    outbox: Outbox
    prefix: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One fetch of a slot: the key it stored, the as-of instant of the valid snapshot
    it fetched, or why it failed. Neither stored nor failed: a duplicate."""

    stored_key: str | None = None
    as_of: datetime | None = None
    failure: str | None = None

    @property
    def duplicate(self) -> bool:
        return self.failure is None and self.stored_key is None


class _Failed(Exception):
    """One slot failed; the message is the reason reported in the summary."""


class Pipeline:
    """Collects slots of one dataset into the backends, accumulating a :class:`RunReport`."""

    def __init__(
        self,
        dataset: Dataset,
        *,
        fetcher: Fetcher,
        backends: Backends,
        options: RunOptions,
        lease_seconds: float,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.dataset = dataset
        self.fetcher = fetcher
        self.backends = backends
        self.options = options
        self.lease_seconds = lease_seconds
        self.now = now
        self.report = RunReport(dataset=dataset.name)
        # The as-of instant and digest of the latest valid snapshot fetched (stored or
        # not): how ``watch`` tells from the data alone whether the source has moved on.
        self.last_as_of: datetime | None = None
        self.last_sha256: str | None = None

    def collect(self, slot: Slot) -> str | None:
        """Collect one slot; return the stored key, or ``None`` if nothing was stored.

        Only backend outages escape (as :class:`BackendUnavailable`); every other
        failure is recorded against the slot in the report.
        """
        attempt = self.attempt(slot)
        self.count(slot, attempt)
        return attempt.stored_key

    def count(self, slot: Slot, attempt: Attempt) -> None:
        """Count ``attempt``'s failure or duplicate in the report (what it stored, and
        the request, are counted already)."""
        if attempt.failure is not None:
            label = self.label(slot)
            log.error("%s failed: %s", label, attempt.failure)
            self.report.fail(label, attempt.failure)
        elif attempt.duplicate:
            self.report.skipped_duplicate += 1

    def attempt(self, slot: Slot) -> Attempt:
        """Fetch ``slot`` once and keep what is new, under its own as-of instant.

        The request and anything stored are counted in the report; a duplicate or a
        failure is not: whether it counts is the caller's call (a window's re-polls
        wait through both). Only backend outages escape.
        """
        self.report.total_candidates += 1
        self.last_as_of = self.last_sha256 = None
        try:
            snapshot = self._fetch(slot)
            self.last_as_of, self.last_sha256 = snapshot.as_of, snapshot.sha256
            return Attempt(stored_key=self._keep(snapshot), as_of=snapshot.as_of)
        except _Failed as failure:
            return Attempt(failure=str(failure))

    def label(self, slot: Slot) -> str:
        """How a slot is named in the report's errors: ``dataset@instant``."""
        return f"{self.dataset.name}@{slot.at.isoformat()}"

    def _fetch(self, slot: Slot) -> Snapshot:
        outcome = self.fetcher.fetch(self.dataset, slot.params)
        collected_at = self.now()
        if isinstance(outcome, NoData):
            if self.dataset.placeholder is None:
                raise _Failed(f"no data available (HTTP {outcome.status}) at {outcome.url}")
            log.warning("%s: no data available (HTTP %d), storing a placeholder",
                        self.dataset.name, outcome.status)
            payload = self.dataset.placeholder(slot)
            return self._snapshot(slot, payload, outcome.url, collected_at, placeholder=True)
        if not isinstance(outcome, Fetched):
            raise _Failed(outcome.reason)
        verdict = self.dataset.validator(outcome.payload)
        for warning in verdict.warnings:
            log.warning("%s (%s shape): %s", self.dataset.name, verdict.shape, warning)
        if not verdict.ok:
            raise _Failed(f"validation failed ({verdict.shape} shape): {verdict.reason}")
        log.debug("%s: valid %s-shape payload, %d bytes", self.dataset.name, verdict.shape,
                  outcome.size)
        return self._snapshot(slot, outcome.payload, outcome.url, collected_at)

    def _snapshot(
        self,
        slot: Slot,
        payload: Any,
        url: str,
        collected_at: datetime,
        *,
        placeholder: bool = False,
    ) -> Snapshot:
        as_of, source = self._as_of(slot, payload, collected_at, placeholder=placeholder)
        return Snapshot(
            dataset=self.dataset.name,
            slot=slot,
            payload=payload,
            sha256=sha256_of(payload),
            source_url=url,
            collected_at=collected_at,
            placeholder=placeholder,
            as_of=as_of,
            as_of_source=source,
        )

    def _as_of(
        self, slot: Slot, payload: Any, collected_at: datetime, *, placeholder: bool
    ) -> tuple[datetime, str]:
        """The instant the snapshot describes, and where it came from.

        ``"payload"``: read from the data. ``"slot"``: our own no-data placeholder stands
        for the slot it was asked for. ``"collected"``: the dataset declares payloads
        without a time, so the collection time floored to the cadence stands in.
        """
        if placeholder:
            return slot.at.astimezone(UTC), "slot"
        reader = self.dataset.as_of
        if reader is None:
            return floor_to(collected_at, self.dataset.cadence), "collected"
        try:
            return reader(payload).astimezone(UTC), "payload"
        except _AS_OF_ERRORS as exc:
            raise _Failed(f"validation failed: the snapshot's as-of instant: {exc}") from None

    def _keep(self, snapshot: Snapshot) -> str | None:
        """Store ``snapshot`` unless its digest is known; ``None`` means a duplicate."""
        dataset, options, registry = self.dataset, self.options, self.backends.registry
        name = registry_key(options.environment, dataset.dgroup, snapshot.sha256,
                            snapshot.slot.params)
        key = self._key_for(snapshot)
        token: str | None = None
        adopt_key: str | None = None
        if not (options.force or options.skip_hash_check):
            claim = self._claim(name, key)
            if isinstance(claim, AlreadyRegistered):
                log.info("%s: duplicate of %s, not stored", dataset.name, claim.entry.location)
                return None
            if isinstance(claim, Busy):
                log.warning("%s: another worker is storing this snapshot (%s)", dataset.name,
                            claim.key)
                return None
            assert isinstance(claim, Claimed)
            token, adopt_key = claim.token, claim.abandoned_key
        body, raw_size = _packed(dataset, snapshot)
        try:
            with LeaseKeeper(registry, name, token, self.lease_seconds):
                stored = self._store(snapshot, adopt_key or key, body)
        except StoreError as exc:
            if token is not None:
                registry.release(name, token=token)
            raise _Failed(f"store failed: {exc}") from None
        self.backends.outbox.enqueue(self._notification(snapshot, stored, raw_size))
        if not options.skip_hash_check:
            self._register(name, stored, token)
        log.info("%s: stored %s (%d bytes)", dataset.name, stored.location, stored.size)
        self.report.stored_one(stored.key, snapshot.key_time)
        return stored.key

    def recover_abandoned(self) -> int:
        """Finish what dead workers left behind; return how many objects were recovered.

        A claim whose lease ran out (or whose owner is provably dead) and whose object is
        in the store was interrupted between storing and registering: the object is
        registered and announced now, even if the source has long moved on.

        A claim without an object is released only when it is provably abandoned: its
        owner is dead (on this host, PID namespace and boot, see :mod:`.owner`), or its
        lease ran out more than ``ABANDONED_AFTER_SECONDS`` ago. Any other owner may still
        be storing (one slow write can outlast a lease), so the claim is left as it is:
        the next worker to fetch the snapshot takes it over and writes to the same key,
        where a late write of the owner meets it create-only and adopts it, instead of a
        second copy under another key.
        """
        if self.options.skip_hash_check:
            return 0
        registry = self.backends.registry
        prefix = registry_key(self.options.environment, self.dataset.dgroup, "")
        recovered = 0
        for pending in registry.pending_claims(prefix):
            dead = is_dead(pending.owner)
            if not (pending.expired or dead):
                continue
            sha256 = sha256_in(pending.name)
            found = self._find_stored(pending.key, sha256)
            if found is None:
                if dead or pending.expired_seconds > ABANDONED_AFTER_SECONDS:
                    # By its token: a claim someone took over since is theirs, and stays.
                    registry.release(pending.name, token=pending.token)
                continue
            claim = registry.claim(
                pending.name, key=pending.key, lease_seconds=self.lease_seconds,
                ttl_seconds=self.dataset.retention.total_seconds(), owner=this_owner(),
                supersede=pending.token,
            )
            if not isinstance(claim, Claimed):
                continue
            stored, envelope = found
            payload = self.dataset.unwrap(envelope)
            as_of, as_of_source = _stored_as_of(self.dataset, payload)
            snapshot = Snapshot(
                dataset=self.dataset.name, slot=Slot(self.now()),
                payload=payload, sha256=sha256, source_url="",
                collected_at=self.now(), as_of=as_of, as_of_source=as_of_source,
            )
            notification = self._notification(snapshot, stored, stored.size)
            # The slot and source are not known any more; say so rather than guess.
            notification.metadata["recovered"] = True
            notification.metadata["dataset_metadata"]["slot"] = None
            self.backends.outbox.enqueue(notification)
            self._register(pending.name, stored, claim.token)
            log.warning("%s: recovered %s, stored by a worker that died before registering",
                        self.dataset.name, stored.location)
            recovered += 1
        self.report.recovered += recovered
        return recovered

    def _find_stored(self, key: str, sha256: str) -> tuple[StoredObject, Any] | None:
        """The object holding ``sha256`` at ``key`` or one of its variants, with its envelope."""
        store = self.backends.store
        for candidate in _key_variants(key):
            body = store.get(candidate)
            if body is None:
                return None
            envelope = _envelope_of(body)
            if envelope is not None and _digest(self.dataset, envelope) == sha256:
                return StoredObject(candidate, store.location(candidate), len(body)), envelope
        return None

    def _register(self, name: str, stored: StoredObject, token: str | None) -> None:
        entry = RegistryEntry(
            location=stored.location, key=stored.key, size=stored.size,
            registered_at=self.now().isoformat(),
        )
        self.backends.registry.register(
            name, entry, ttl_seconds=self.dataset.retention.total_seconds(), token=token
        )

    def _claim(self, name: str, key: str) -> ClaimOutcome:
        """Claim the digest; a live claim whose holder died on this host is superseded."""

        def attempt(supersede: str | None = None) -> ClaimOutcome:
            return self.backends.registry.claim(
                name, key=key, lease_seconds=self.lease_seconds,
                ttl_seconds=self.dataset.retention.total_seconds(), owner=this_owner(),
                supersede=supersede,
            )

        claim = attempt()
        if isinstance(claim, Busy) and claim.token and is_dead(claim.owner):
            log.warning("%s: taking over the claim of dead worker %s", self.dataset.name,
                        claim.owner)
            claim = attempt(supersede=claim.token)
        return claim

    def _key_for(self, snapshot: Snapshot) -> str:
        rendered = keys.render(self.dataset.key_template, snapshot.key_time, snapshot.slot.params)
        return keys.join(self.backends.prefix, rendered)

    def _store(self, snapshot: Snapshot, key: str, body: bytes) -> StoredObject:
        """Write create-only; an existing key with the same payload is kept (or, with
        ``--force``, rewritten), one with another payload moves us to a variant key."""
        store = self.backends.store
        for candidate in _key_variants(key):
            try:
                return store.put(candidate, body, sha256=snapshot.sha256, overwrite=False)
            except KeyConflict:
                existing = self._existing(candidate)
                if self._digest_of(existing) != snapshot.sha256:
                    log.warning("%s holds another snapshot; trying the next key", candidate)
                    continue
                if self.options.force:
                    return store.put(candidate, body, sha256=snapshot.sha256, overwrite=True)
                log.info("%s already holds this snapshot; adopting it", candidate)
                return StoredObject(candidate, store.location(candidate), len(existing))
        raise StoreError(f"{MAX_KEY_VARIANTS} keys derived from {key} are all taken")

    def _existing(self, key: str) -> bytes:
        """The object a create-only write found at ``key``.

        A key that exists but does not read back yet (a write still settling, on S3)
        is waited for, briefly: taking it for another snapshot would store this one
        twice. Still unreadable, the store fails and the claim is released for a retry.
        """
        store = self.backends.store
        for pause in (*EXISTING_READ_PAUSES, None):
            body = store.get(key)
            if body is not None:
                return body
            if pause is not None:
                time.sleep(pause)
        raise StoreError(f"{store.location(key)} exists but cannot be read back yet; "
                         "not writing this snapshot under another key")

    def _digest_of(self, stored_body: bytes) -> str | None:
        envelope = _envelope_of(stored_body)
        return None if envelope is None else _digest(self.dataset, envelope)

    def _notification(
        self, snapshot: Snapshot, stored: StoredObject, original_size: int
    ) -> Notification:
        environment = self.options.environment
        return Notification(
            dataset=self.dataset.name,
            environment=environment,
            urn=f"urn:gridcollect:{environment}:{stored.key}",
            location=stored.location,
            version=stored.version,
            etag=stored.etag,
            metadata={
                "publish_time": snapshot.collected_at.isoformat(),
                "source_url": snapshot.source_url,
                "original_size": original_size,
                "stored_size": stored.size,
                "content_hash": f"sha256:{snapshot.sha256}",
                "dataset_metadata": {
                    "operator": self.dataset.operator,
                    "dgroup": self.dataset.dgroup,
                    "slot": snapshot.slot.at.isoformat(),
                    "collected_at": snapshot.collected_at.isoformat(),
                    "as_of": None if snapshot.as_of is None else snapshot.as_of.isoformat(),
                    "as_of_source": snapshot.as_of_source,
                    "parameters": dict(snapshot.slot.params),
                    "placeholder": snapshot.placeholder,
                    "cadence_seconds": int(self.dataset.cadence.total_seconds()),
                },
            },
        )


def _packed(dataset: Dataset, snapshot: Snapshot) -> tuple[bytes, int]:
    """The stored object, gzip JSON of the envelope, and its size before compression."""
    envelope = dataset.envelope(snapshot)
    if is_lazy(envelope):
        # A very large payload: compressed as it is written out, never held whole.
        return gzip_of(batched(dump_chunks(envelope, canonical=False)))
    raw = jsonbytes.dumps(envelope, sort_keys=False)
    return gzip.compress(raw, mtime=0), len(raw)


def _envelope_of(stored_body: bytes) -> Any:
    """The JSON of a stored object, or ``None`` if it is not gzip JSON."""
    try:
        return json.loads(gzip.decompress(stored_body))
    except (OSError, ValueError, EOFError):
        return None


def _digest(dataset: Dataset, envelope: Any) -> str | None:
    try:
        return sha256_of(dataset.unwrap(envelope))
    except (KeyError, TypeError, ValueError):
        return None


def _stored_as_of(dataset: Dataset, payload: Any) -> tuple[datetime | None, str]:
    """The as-of instant of a payload read back from the store, or ``(None, "unknown")``
    when it does not say (a placeholder, or a dataset whose payloads carry no time)."""
    if dataset.as_of is not None:
        try:
            return dataset.as_of(payload).astimezone(UTC), "payload"
        except _AS_OF_ERRORS:
            pass
    return None, "unknown"


def floor_to(moment: datetime, cadence: timedelta) -> datetime:
    """``moment`` (UTC) floored to a multiple of ``cadence`` since the epoch."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + ((moment.astimezone(UTC) - epoch) // cadence) * cadence


def _key_variants(key: str) -> list[str]:
    """``key`` first, then ``<stem>_2.json.gz``, ``_3``...: never overwrite another snapshot."""
    stem = key.removesuffix(".json.gz")
    return [key] + [f"{stem}_{n}.json.gz" for n in range(2, MAX_KEY_VARIANTS + 1)]


__all__ = ["Attempt", "Backends", "BackendUnavailable", "Pipeline"]
