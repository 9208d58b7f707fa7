"""Canonical JSON and the content digest that deduplication is keyed on."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from . import jsonbytes
from .largejson import batched, dump_chunks, is_lazy


def canonical_json(payload: Any) -> bytes:
    """Serialise ``payload`` so that equal JSON values give equal bytes: compact, keys
    sorted, UTF-8, as the standard library writes it (:mod:`gridcollect.jsonbytes`)."""
    return jsonbytes.dumps(payload, sort_keys=True)


def sha256_of(payload: Any) -> str:
    """SHA-256 (hex) of the payload's canonical JSON: never of an envelope."""
    if is_lazy(payload):
        # A very large payload: hashed as it is written out, never held whole.
        digest = hashlib.sha256()
        for block in batched(dump_chunks(payload, canonical=True)):
            digest.update(block)
        return digest.hexdigest()
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def registry_key(
    environment: str, dgroup: str, sha256: str, params: Mapping[str, str] | None = None
) -> str:
    """The registry key of a digest, shared by every registry implementation.

    ``hash:{environment}:{dgroup}:{sha256}``, and for a snapshot fetched with parameter
    values (CSAT's region) ``...:{sha256}?region=SOUTH``: sorted and percent-encoded, so
    the same body under other parameters is another snapshot, and the key never gains a
    ``:`` (registries split it at the last one). Without values the key is the one every
    existing registry holds.
    """
    name = f"hash:{environment}:{dgroup}:{sha256}"
    given = sorted((key, value) for key, value in (params or {}).items() if value)
    return f"{name}?{urlencode(given)}" if given else name


def sha256_in(name: str) -> str:
    """The digest a registry key names (the inverse of :func:`registry_key`)."""
    return name.rpartition(":")[2].partition("?")[0]
