"""pyarrow's S3 file system with the same credentials and endpoint as the S3 store."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


def arrow_filesystem(store: Any) -> tuple[Any, str]:
    """``(pyarrow S3FileSystem, bucket)`` for an :class:`~gridcollect.stores.s3.S3Store`:
    credentials from boto3's chain (environment, profile, role), so both agree."""
    import boto3
    from pyarrow import fs

    session = boto3.Session(profile_name=store.profile)
    credentials = session.get_credentials()
    frozen = credentials.get_frozen_credentials() if credentials is not None else None
    options: dict[str, Any] = {"region": session.region_name or "us-east-1"}
    if frozen is not None:
        options.update(access_key=frozen.access_key, secret_key=frozen.secret_key,
                       session_token=frozen.token)
    endpoint = store.endpoint_url
    if endpoint:
        parts = urlsplit(endpoint)
        options["endpoint_override"] = parts.netloc + parts.path.rstrip("/")
        options["scheme"] = parts.scheme
    return fs.S3FileSystem(**options), store.bucket
