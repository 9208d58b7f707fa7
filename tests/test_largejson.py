"""Very large payloads: lazily parsed arrays give exactly the verdicts, digests and stored
bytes of the ordinary path, without the whole object tree in memory."""

import gzip
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridcollect import jsonbytes, largejson
from gridcollect.datasets import all_datasets, get
from gridcollect.digest import sha256_of
from gridcollect.http import Fetched, Fetcher, Rejected
from gridcollect.largejson import LazyArray
from gridcollect.model import Slot, Snapshot
from gridcollect.pipeline import _packed
from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import ENDPOINTS, SHAPES, sample
from gridcollect.settings import HttpSettings

DECODER = json.JSONDecoder()
AT = datetime(2026, 3, 2, 16, 45, tzinfo=UTC)


@pytest.fixture
def every_array_lazy(monkeypatch):
    """Make even small arrays lazy, so small examples exercise the large-payload path."""
    monkeypatch.setattr(largejson, "LAZY_ARRAY_CHARS", 0)


def lazy(value):
    return largejson.loads(json.dumps(value), DECODER)


def json_values():
    leaves = (st.none() | st.booleans() | st.integers() | st.text()
              | st.floats(allow_nan=False, allow_infinity=False))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(value=json_values())
def test_lazy_values_hash_and_encode_like_the_plain_ones(value):
    """Digest and JSON bytes are the same whichever way a value was decoded."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(largejson, "LAZY_ARRAY_CHARS", 0)
        decoded = lazy(value)
    assert sha256_of(decoded) == sha256_of(value)
    for canonical in (False, True):
        written = b"".join(largejson.batched(largejson.dump_chunks(decoded,
                                                                   canonical=canonical)))
        assert written == jsonbytes.dumps(value, sort_keys=canonical)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_validators_and_stored_objects_are_unchanged(every_array_lazy, endpoint, shape):
    """Each dataset's verdict, digest and stored object are the same for a lazy payload."""
    [dataset] = [d for d in all_datasets() if d.endpoint == endpoint]
    plain = sample(endpoint, shape, AT)
    decoded = lazy(plain)
    assert dataset.validator(decoded) == dataset.validator(plain)
    snapshots = [Snapshot(dataset.name, Slot(AT), payload, sha256_of(payload), "u", AT)
                 for payload in (plain, decoded)]
    assert snapshots[0].sha256 == snapshots[1].sha256
    assert _packed(dataset, snapshots[1]) == _packed(dataset, snapshots[0])


def test_broken_rows_get_the_same_reasons(every_array_lazy):
    """Failures inside a lazy array name the same rows and values."""
    payload = sample("RealTimeTotalLoad", "wire", AT)
    rows = payload["LoadInfo"]["FiveMinTotalLoad"]
    rows[3]["Load"]["Value"] = "-5"
    rows[7]["Load"]["Time"] = "noon"
    dataset = get("miso_realtime_total_load")
    verdict = dataset.validator(lazy(payload))
    assert not verdict.ok and verdict == dataset.validator(payload)


@pytest.mark.parametrize("text", ['[1, 2', '[1 2]', '{"a": [1,]}', '{"a": [1] "b": 2}',
                                  '{"a" [1]}', '{a: [1]}', '[1] x', '[', '{"a": [', ''])
def test_malformed_json_is_refused_like_json_loads(every_array_lazy, text):
    """Whatever json.loads refuses, the lazy decoder refuses too."""
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        largejson.loads(text, DECODER)


def test_lazy_arrays_are_read_again_on_each_pass(every_array_lazy):
    """Iterating twice gives the same elements; length and truth need no new parse."""
    array = lazy([{"a": 1}, [2, 3], "x"])
    assert isinstance(array, LazyArray)
    assert list(array) == list(array) == [{"a": 1}, [2, 3], "x"]
    assert len(array) == 3 and array and not lazy([])


def test_gzip_of_blocks_is_gzip_compress_of_their_bytes():
    """Streaming compression gives exactly gzip.compress's bytes (mtime 0)."""
    blocks = [json.dumps(sample("RealTimeTotalLoad", "wire", AT)).encode()] * 40
    assert largejson.gzip_of(iter(blocks)) == (gzip.compress(b"".join(blocks), mtime=0),
                                               sum(map(len, blocks)))


@pytest.fixture
def small_large_threshold(monkeypatch):
    monkeypatch.setattr(largejson, "LARGE_BODY_BYTES", 1024)
    monkeypatch.setattr(largejson, "LAZY_ARRAY_CHARS", 1024)


def fetch(body: bytes, **reply):
    dataset = get("miso_realtime_total_load")
    with (ReplayServer({"/RealTimeTotalLoad": Reply(body=body, **reply)}) as server,
          Fetcher(HttpSettings(api_base_url=server.url, max_retries=0)) as fetcher):
        return fetcher.fetch(dataset, {})


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_large_body_is_fetched_with_lazy_arrays(small_large_threshold, framing):
    """Over the threshold the payload's big arrays are lazy, its size and digest unchanged."""
    payload = sample("RealTimeTotalLoad", "wire", AT)
    body = json.dumps(payload).encode()
    outcome = fetch(body, framing=framing)
    assert isinstance(outcome, Fetched) and outcome.size == len(body)
    assert isinstance(outcome.payload["LoadInfo"]["FiveMinTotalLoad"], LazyArray)
    assert sha256_of(outcome.payload) == sha256_of(payload)


def test_a_large_body_with_a_non_finite_number_is_refused(small_large_threshold):
    """The checks of the ordinary decoder hold for large bodies too."""
    payload = sample("RealTimeTotalLoad", "wire", AT)
    payload["LoadInfo"]["FiveMinTotalLoad"].append({"Load": {"Time": "23:59", "Value": 1}})
    body = json.dumps(payload).encode().replace(b'"Value": 1}', b'"Value": 1e999}')
    outcome = fetch(body)
    assert isinstance(outcome, Rejected) and "non-finite number" in outcome.reason


def test_a_large_body_that_is_not_json_is_refused_with_a_preview(small_large_threshold):
    """A broken large body is named by its first bytes, though the buffer was released."""
    outcome = fetch(b'{"LoadInfo": [' + b"1, " * 2000 + b"oops]}")
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("invalid JSON") and "LoadInfo" in outcome.reason
