"""The S3 store, against moto's S3 server (and a throttling proxy in front of it)."""

import gzip
import hashlib
import os
import time

import pytest

from gridcollect.errors import BackendUnavailable, ConfigurationError, KeyConflict, StoreError
from gridcollect.stores.s3 import S3Store

KEY = "sourcing/miso_demo/2025/01/02/demo_20250102T030405Z.json.gz"
BODY = gzip.compress(b'{"demo":1}')
SHA = hashlib.sha256(b'{"demo":1}').hexdigest()


def test_put_then_get_roundtrips_with_metadata_and_headers(s3_server, s3_bucket):
    """An object is stored gzip-encoded JSON with its sha256 as metadata, and read back."""
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url)
    stored = store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert stored.key == KEY
    assert stored.location == f"s3://{s3_bucket}/{KEY}"
    assert stored.size == len(BODY)
    assert stored.etag == hashlib.md5(BODY).hexdigest()  # unquoted
    assert stored.version is None  # bucket not versioned
    assert store.get(KEY) == BODY
    head = s3_server.client().head_object(Bucket=s3_bucket, Key=KEY)
    assert head["Metadata"] == {"sha256": SHA}
    assert head["ContentType"] == "application/json"
    assert head["ContentEncoding"] == "gzip"


def test_versioned_bucket_reports_the_version_id(s3_server):
    """On a versioned bucket the stored object carries its VersionId."""
    bucket = s3_server.create_bucket(versioned=True)
    store = S3Store(bucket, endpoint_url=s3_server.endpoint_url)
    stored = store.put(KEY, BODY, sha256=SHA, overwrite=False)
    listed = s3_server.client().list_object_versions(Bucket=bucket)["Versions"]
    assert stored.version == listed[0]["VersionId"]


def test_get_of_a_missing_key_is_none(s3_server, s3_bucket):
    """Reading a key that was never written gives None, not an error."""
    assert S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url).get("nope.json.gz") is None


def test_create_only_put_refuses_an_existing_key(s3_server, s3_bucket):
    """overwrite=False never replaces an object: KeyConflict, and the first body stays."""
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url)
    store.put(KEY, BODY, sha256=SHA, overwrite=False)
    with pytest.raises(KeyConflict) as caught:
        store.put(KEY, b"other", sha256="0" * 64, overwrite=False)
    assert f"s3://{s3_bucket}/{KEY}" in str(caught.value)
    assert store.get(KEY) == BODY


def test_overwrite_put_replaces_an_existing_key(s3_server, s3_bucket):
    """overwrite=True replaces the object and its metadata."""
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url)
    store.put(KEY, BODY, sha256=SHA, overwrite=False)
    store.put(KEY, b"other", sha256="0" * 64, overwrite=True)
    assert store.get(KEY) == b"other"
    head = s3_server.client().head_object(Bucket=s3_bucket, Key=KEY)
    assert head["Metadata"] == {"sha256": "0" * 64}


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
def test_endpoint_comes_from_the_environment_when_not_given(
    s3_server, s3_bucket, monkeypatch, variable
):
    """Without endpoint_url, boto3 itself honours AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL."""
    monkeypatch.setenv(variable, s3_server.endpoint_url)
    store = S3Store(s3_bucket)
    store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert s3_server.client().get_object(Bucket=s3_bucket, Key=KEY)["Body"].read() == BODY
    assert s3_server.endpoint_url in store.describe()


def test_missing_bucket_is_one_clear_error_at_check_and_put(s3_server):
    """A bucket that does not exist is named in a single-line BackendUnavailable."""
    store = S3Store("gridcollect-no-such-bucket", endpoint_url=s3_server.endpoint_url)
    for call in (store.check, lambda: store.put(KEY, BODY, sha256=SHA, overwrite=False)):
        with pytest.raises(BackendUnavailable) as caught:
            call()
        message = str(caught.value)
        assert "'gridcollect-no-such-bucket' does not exist" in message
        assert "\n" not in message
        assert os.environ["AWS_SECRET_ACCESS_KEY"] not in message
        assert isinstance(caught.value, StoreError)


def test_check_passes_for_an_existing_bucket(s3_server, s3_bucket):
    """check() is quiet when the bucket is reachable."""
    S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url).check()


def test_missing_credentials_are_one_clear_error_without_secrets(s3_server, s3_bucket, monkeypatch):
    """With no credentials anywhere, the error says so and names the bucket."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable) as caught:
        store.check()
    assert time.monotonic() - started < 10
    assert "no usable AWS credentials" in str(caught.value)
    assert s3_bucket in str(caught.value)


def test_unknown_profile_is_a_configuration_error(s3_server, s3_bucket):
    """Naming a profile that does not exist fails when the store is built."""
    with pytest.raises(ConfigurationError, match="'nobody'"):
        S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url, profile="nobody")


def test_profile_credentials_are_used(s3_server, s3_bucket, monkeypatch, tmp_path):
    """A named profile from the shared credentials file supplies the keys."""
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[collector]\naws_access_key_id = profile-key\naws_secret_access_key = profile-secret\n"
    )
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url, profile="collector")
    store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert store.get(KEY) == BODY
    assert "profile collector" in store.describe()


def test_throttled_put_is_retried_until_it_succeeds(s3_server, s3_bucket, s3_throttling_proxy):
    """503 SlowDown then 429 throttling: botocore retries and the object is stored once."""
    proxy = s3_throttling_proxy([503, 429])
    store = S3Store(s3_bucket, endpoint_url=proxy.endpoint_url)
    stored = store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert [outcome for _method, _path, outcome in proxy.seen] == [503, 429, 200]
    assert {method for method, _path, _outcome in proxy.seen} == {"PUT"}
    assert stored.size == len(BODY)
    assert S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url).get(KEY) == BODY


def test_reset_connection_is_retried(s3_server, s3_bucket, s3_throttling_proxy):
    """A connection dropped without an answer is retried like a 5xx."""
    proxy = s3_throttling_proxy(["reset", 500])
    store = S3Store(s3_bucket, endpoint_url=proxy.endpoint_url)
    store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert [outcome for _method, _path, outcome in proxy.seen] == ["reset", 500, 200]


@pytest.mark.scenario("S3 throttles every attempt",
                      outcome="the write stops after max_attempts requests with an error naming "
                              "SlowDown and the key")
def test_retries_stop_at_max_attempts_with_a_clear_error(s3_bucket, s3_throttling_proxy):
    """When every attempt is throttled, the put fails after max_attempts requests."""
    proxy = s3_throttling_proxy([503] * 10)
    store = S3Store(s3_bucket, endpoint_url=proxy.endpoint_url, max_attempts=2)
    with pytest.raises(StoreError) as caught:
        store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert len(proxy.seen) == 2
    assert "SlowDown" in str(caught.value)
    assert KEY in str(caught.value)


def test_unreachable_endpoint_is_backend_unavailable(s3_bucket):
    """Nothing listening at the endpoint: BackendUnavailable naming the bucket."""
    store = S3Store(s3_bucket, endpoint_url="http://127.0.0.1:9", max_attempts=1)
    with pytest.raises(BackendUnavailable) as caught:
        store.check()
    assert s3_bucket in str(caught.value)
    assert "127.0.0.1:9" in str(caught.value)


def test_describe_names_bucket_and_endpoint(s3_server, s3_bucket):
    """describe() is the bucket URL plus the endpoint in use."""
    store = S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url)
    assert store.describe() == f"s3://{s3_bucket} at {s3_server.endpoint_url}"


def test_a_409_conflicting_write_is_retried_on_the_same_key(s3_server, s3_bucket,
                                                            s3_throttling_proxy):
    """409 ConditionalRequestConflict is no key conflict: the same key is written again."""
    proxy = s3_throttling_proxy([409, 409])
    store = S3Store(s3_bucket, endpoint_url=proxy.endpoint_url, sleep=lambda _s: None)
    stored = store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert stored.key == KEY
    assert [outcome for _method, _path, outcome in proxy.seen] == [409, 409, 200]
    assert S3Store(s3_bucket, endpoint_url=s3_server.endpoint_url).get(KEY) == BODY


def test_a_409_that_outlasts_the_retries_fails_the_write_but_claims_no_conflict(
    s3_bucket, s3_throttling_proxy
):
    """Still conflicting after every attempt: a store failure, never a KeyConflict."""
    proxy = s3_throttling_proxy([409] * 20)
    pauses: list[float] = []
    store = S3Store(s3_bucket, endpoint_url=proxy.endpoint_url, sleep=pauses.append)
    with pytest.raises(StoreError) as caught:
        store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert not isinstance(caught.value, KeyConflict)
    assert "409 ConditionalRequestConflict" in str(caught.value) and KEY in str(caught.value)
    assert len(proxy.seen) == len(pauses) + 1 == 6
    assert 0 < max(pauses) <= 2.0


def test_a_412_is_a_key_conflict_without_retries(s3_bucket, s3_throttling_proxy):
    """412 PreconditionFailed means the key is taken: reported at once, not retried."""
    proxy = s3_throttling_proxy([412])
    store = S3Store(s3_bucket, endpoint_url=proxy.endpoint_url, sleep=lambda _s: None)
    with pytest.raises(KeyConflict):
        store.put(KEY, BODY, sha256=SHA, overwrite=False)
    assert len(proxy.seen) == 1
