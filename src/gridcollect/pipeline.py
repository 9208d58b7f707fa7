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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
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
from .registries import AlreadyRegistered, Busy, Claimed, ClaimOutcome, Registry
from .settings import RunOptions
from .stores import Store

log = logging.getLogger(__name__)

MAX_KEY_VARIANTS = 50


@dataclass(frozen=True, slots=True)
class Backends:
    """The three ports the pipeline writes to."""

    store: Store
    registry: Registry
    outbox: Outbox
    prefix: str


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

    def collect(self, slot: Slot) -> str | None:
        """Collect one slot; return the stored key, or ``None`` if nothing was stored.

        Only backend outages escape (as :class:`BackendUnavailable`); every other
        failure is recorded against the slot in the report.
        """
        self.report.total_candidates += 1
        label = f"{self.dataset.name}@{slot.at.isoformat()}"
        try:
            snapshot = self._fetch(slot)
            return self._keep(snapshot)
        except _Failed as failure:
            log.error("%s failed: %s", label, failure)
            self.report.fail(label, str(failure))
            return None

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
        return Snapshot(
            dataset=self.dataset.name,
            slot=slot,
            payload=payload,
            sha256=sha256_of(payload),
            source_url=url,
            collected_at=collected_at,
            placeholder=placeholder,
        )

    def _keep(self, snapshot: Snapshot) -> str | None:
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
                self.report.skipped_duplicate += 1
                return None
            if isinstance(claim, Busy):
                log.warning("%s: another worker is storing this snapshot (%s)", dataset.name,
                            claim.key)
                self.report.skipped_duplicate += 1
                return None
            assert isinstance(claim, Claimed)
            token, adopt_key = claim.token, claim.abandoned_key
        body, raw_size = _packed(dataset, snapshot)
        try:
            stored = self._store(snapshot, adopt_key or key, body)
        except StoreError as exc:
            if token is not None:
                registry.release(name, token=token)
            raise _Failed(f"store failed: {exc}") from None
        self.backends.outbox.enqueue(self._notification(snapshot, stored, raw_size))
        if not options.skip_hash_check:
            self._register(name, stored, token)
        log.info("%s: stored %s (%d bytes)", dataset.name, stored.location, stored.size)
        self.report.collected += 1
        self.report.stored.append(stored.key)
        return stored.key

    def recover_abandoned(self) -> int:
        """Finish what dead workers left behind; return how many objects were recovered.

        A claim whose lease ran out (or whose local owner died) and whose object is in the
        store was interrupted between storing and registering: the object is registered
        and announced now, even if the source has long moved on. A claim without an object
        is dropped, so the snapshot can be stored when it is seen again.
        """
        if self.options.skip_hash_check:
            return 0
        registry = self.backends.registry
        prefix = registry_key(self.options.environment, self.dataset.dgroup, "")
        recovered = 0
        for pending in registry.pending_claims(prefix):
            if not (pending.expired or is_dead(pending.owner)):
                continue
            claim = registry.claim(
                pending.name, key=pending.key, lease_seconds=self.lease_seconds,
                ttl_seconds=self.dataset.retention.total_seconds(), owner=this_owner(),
                supersede=pending.token,
            )
            if not isinstance(claim, Claimed):
                continue
            sha256 = sha256_in(pending.name)
            found = self._find_stored(pending.key, sha256)
            if found is None:
                registry.release(pending.name, token=claim.token)
                continue
            stored, envelope = found
            snapshot = Snapshot(
                dataset=self.dataset.name, slot=Slot(self.now()),
                payload=self.dataset.unwrap(envelope), sha256=sha256, source_url="",
                collected_at=self.now(),
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
        when = snapshot.slot.at if self.dataset.key_time == "slot" else snapshot.collected_at
        rendered = keys.render(self.dataset.key_template, when, snapshot.slot.params)
        return keys.join(self.backends.prefix, rendered)

    def _store(self, snapshot: Snapshot, key: str, body: bytes) -> StoredObject:
        """Write create-only; an existing key with the same payload is kept (or, with
        ``--force``, rewritten), one with another payload moves us to a variant key."""
        store = self.backends.store
        for candidate in _key_variants(key):
            try:
                return store.put(candidate, body, sha256=snapshot.sha256, overwrite=False)
            except KeyConflict:
                existing = store.get(candidate)
                if existing is None or self._digest_of(existing) != snapshot.sha256:
                    log.warning("%s holds another snapshot; trying the next key", candidate)
                    continue
                if self.options.force:
                    return store.put(candidate, body, sha256=snapshot.sha256, overwrite=True)
                log.info("%s already holds this snapshot; adopting it", candidate)
                return StoredObject(candidate, store.location(candidate), len(existing))
        raise StoreError(f"{MAX_KEY_VARIANTS} keys derived from {key} are all taken")

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


def _key_variants(key: str) -> list[str]:
    """``key`` first, then ``<stem>_2.json.gz``, ``_3``...: never overwrite another snapshot."""
    stem = key.removesuffix(".json.gz")
    return [key] + [f"{stem}_{n}.json.gz" for n in range(2, MAX_KEY_VARIANTS + 1)]


__all__ = ["Backends", "BackendUnavailable", "Pipeline"]
