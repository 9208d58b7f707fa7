"""The production store: gzip JSON objects in an S3 bucket (or an S3-compatible server).

Credentials come from boto3's standard chain (environment, profile, instance role).
Without an explicit endpoint boto3 itself honours ``AWS_ENDPOINT_URL_S3`` and
``AWS_ENDPOINT_URL``. Throttling, 5xx answers and dropped connections are retried by
botocore's "standard" retry mode with jittered exponential backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import BackendUnavailable, ConfigurationError, KeyConflict, StoreError
from ..model import StoredObject
from ..secrets import mask_url

DEFAULT_MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 60.0
MAX_POOL_CONNECTIONS = 64  # as many as a burst has workers (gridcollect.runs.burst)
# 409 ConditionalRequestConflict: another conditional write to the key is in flight (our
# own earlier attempt, say). S3 says retry: the same key, after a pause that grows.
CONFLICT_ATTEMPTS = 6
CONFLICT_BACKOFF_SECONDS = 0.25
CONFLICT_BACKOFF_MAX_SECONDS = 2.0

# Answers that mean the bucket itself is unusable, not this one object.
_BUCKET_PROBLEMS = {
    "NoSuchBucket": "does not exist",
    "AccessDenied": "denies access to these credentials",
    "AllAccessDisabled": "denies all access",
    "InvalidAccessKeyId": "does not know this access key",
    "SignatureDoesNotMatch": "rejects the secret key's signature",
    "ExpiredToken": "rejects an expired session token",
    "InvalidToken": "rejects the session token",
}


class S3Store:
    """Objects in ``bucket``, addressed by their full key."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        client: Any = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bucket = bucket
        self._sleep = sleep
        self._profile = profile
        try:
            import botocore.exceptions as botocore_errors
        except ImportError:
            raise ConfigurationError(
                "the S3 store needs boto3: pip install 'gridcollect[s3]'"
            ) from None
        self._errors = botocore_errors
        self._client = (
            client if client is not None else self._make_client(endpoint_url, max_attempts)
        )
        self.endpoint_url = endpoint_url or self._client.meta.endpoint_url

    def _make_client(self, endpoint_url: str | None, max_attempts: int) -> Any:
        import boto3
        from botocore.config import Config

        try:
            session = boto3.Session(profile_name=self._profile)
        except self._errors.ProfileNotFound:
            raise ConfigurationError(f"AWS profile {self._profile!r} is not configured") from None
        config = Config(
            # total_max_attempts counts the first request; botocore's "max_attempts" would not.
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            # The workers of a burst share this client (boto3 clients are thread-safe);
            # botocore's pool of 10 would drop connections beyond that, with a warning.
            max_pool_connections=MAX_POOL_CONNECTIONS,
        )
        try:
            return session.client("s3", endpoint_url=endpoint_url, config=config)
        except ValueError as exc:  # e.g. a malformed endpoint URL
            where = mask_url(endpoint_url or "")
            raise ConfigurationError(f"cannot use S3 endpoint {where!r}: {exc}") from None

    def put(self, key: str, body: bytes, *, sha256: str, overwrite: bool,
            content_type: str = "application/json", content_encoding: str | None = "gzip",
            ) -> StoredObject:
        """Write ``body`` at ``key``; create-only (``If-None-Match: *``) unless ``overwrite``.
        Snapshots are gzip JSON (the defaults); tables pass their own content type.

        Raises :class:`KeyConflict` only when the key holds an object (412). A 409, a
        concurrent conditional write to the key still in flight, is retried on the same
        key: the object it writes is not readable yet, so it must not pass for another.
        """
        extra: dict[str, str] = {} if overwrite else {"IfNoneMatch": "*"}
        if content_encoding:
            extra["ContentEncoding"] = content_encoding
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                response = self._client.put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentType=content_type,
                    Metadata={"sha256": sha256},
                    **extra,
                )
                break
            except self._errors.ClientError as exc:
                if _is_taken(exc):
                    raise KeyConflict(f"{self.location(key)} already exists") from None
                if not _is_busy(exc):
                    raise self._failure("write", key, exc) from None
                if attempt == CONFLICT_ATTEMPTS:
                    raise StoreError(
                        f"S3 write of {self.location(key)} failed: another write to it was "
                        f"still in flight after {attempt} attempts (409 "
                        "ConditionalRequestConflict)"
                    ) from None
            except self._errors.BotoCoreError as exc:
                raise self._failure("write", key, exc) from None
            pause = min(CONFLICT_BACKOFF_MAX_SECONDS, CONFLICT_BACKOFF_SECONDS * 2 ** (attempt - 1))
            self._sleep(pause * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not secrets
        etag = response.get("ETag")
        return StoredObject(
            key=key,
            location=self.location(key),
            size=len(body),
            etag=etag.strip('"') if etag else None,
            version=response.get("VersionId"),
        )

    def get(self, key: str) -> bytes | None:
        """The stored bytes (still gzip), or ``None`` when there is no such key."""
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            body: bytes = response["Body"].read()
        except self._errors.ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                return None
            raise self._failure("read", key, exc) from None
        except self._errors.BotoCoreError as exc:
            raise self._failure("read", key, exc) from None
        return body

    def delete(self, key: str) -> None:
        """Remove ``key``; a key already gone is not an error (S3 answers 204 either way)."""
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except self._errors.ClientError as exc:
            raise self._failure("delete", key, exc) from None
        except self._errors.BotoCoreError as exc:
            raise self._failure("delete", key, exc) from None

    def keys(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, in S3's (lexicographic) order, page by page."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"]
        except self._errors.ClientError as exc:
            raise self._failure("list", prefix or None, exc) from None
        except self._errors.BotoCoreError as exc:
            raise self._failure("list", prefix or None, exc) from None

    def check(self) -> None:
        """Fail fast at start-up: raise ``BackendUnavailable`` unless the bucket is usable."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except self._errors.ClientError as exc:
            # HEAD answers carry no body, so the status is all there is to go on.
            code = {404: "NoSuchBucket", 403: "AccessDenied"}.get(_status(exc), _code(exc))
            raise self._failure("check", None, exc, code=code) from None
        except self._errors.BotoCoreError as exc:
            raise self._failure("check", None, exc) from None

    def location(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    @property
    def profile(self) -> str | None:
        """The AWS profile the credentials come from (None: the default chain)."""
        return self._profile

    def describe(self) -> str:
        where = f" at {mask_url(self.endpoint_url)}" if self.endpoint_url else ""
        profile = f" (profile {self._profile})" if self._profile else ""
        return f"s3://{self.bucket}{where}{profile}"

    def _failure(
        self, action: str, key: str | None, exc: Exception, *, code: str | None = None
    ) -> StoreError:
        """One secret-free line: what failed, where, and why."""
        target = self.location(key) if key else f"s3://{self.bucket}"
        if isinstance(exc, self._errors.ClientError):
            code = code or _code(exc)
            if code in _BUCKET_PROBLEMS:
                return S3Unavailable(
                    f"S3 bucket {self.bucket!r} {_BUCKET_PROBLEMS[code]} ({self.describe()})"
                )
            message = exc.response.get("Error", {}).get("Message") or ""
            return StoreError(f"S3 {action} of {target} failed: {code} {message}".strip())
        if isinstance(exc, self._errors.NoCredentialsError | self._errors.PartialCredentialsError):
            return S3Unavailable(
                f"no usable AWS credentials for {target} ({self.describe()}): set them in the "
                "environment, a profile (--aws-profile) or an instance role"
            )
        # Connection refused/reset, timeouts: retries are spent, the endpoint is unreachable.
        reason = " ".join(str(exc).split())
        return S3Unavailable(f"S3 {action} of {target} failed ({self.describe()}): {reason}")


class S3Unavailable(BackendUnavailable, StoreError):
    """Both: the pipeline may treat it as an outage, callers of a Store as a store failure."""


def _is_taken(exc: Any) -> bool:
    """412: the key holds an object already."""
    return _code(exc) == "PreconditionFailed" or _status(exc) == 412


def _is_busy(exc: Any) -> bool:
    """409: a concurrent conditional write to the key is in flight; S3 says retry."""
    return _code(exc) == "ConditionalRequestConflict" or _status(exc) == 409


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
