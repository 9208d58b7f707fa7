"""Canonical JSON and the content digest that deduplication is keyed on."""

from __future__ import annotations

import hashlib
from typing import Any

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


def registry_key(environment: str, dgroup: str, sha256: str) -> str:
    """The registry key of a digest, shared by every registry implementation."""
    return f"hash:{environment}:{dgroup}:{sha256}"
