"""Properties of the bytes-to-payload path: any body is decoded or refused with a reason.

tests/datasets/miso/test_validators_properties.py feeds JSON *values* to the validators;
these feed *bytes* to the HTTP client's decoder (directly and over a real local server),
then take every accepted payload through the steps the pipeline takes next: validation,
the digest and the stored envelope. None of them may raise.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridcollect.datasets.miso import (
    binding_constraints_reserve,
    csat_supply_demand,
    realtime_total_load,
)
from gridcollect.digest import sha256_of
from gridcollect.http import Fetched, Fetcher, Rejected
from gridcollect.http.failures import Refuse
from gridcollect.http.payload import decode_json
from gridcollect.model import Slot, Snapshot
from gridcollect.replay import ReplayServer, Reply
from gridcollect.samples import sample
from gridcollect.settings import HttpSettings

from ..datasets.miso.test_validators_properties import assert_well_formed
from ..e2e.cli import WIRE

DATASETS = {
    "CsatSupplyDemand": csat_supply_demand.DATASET,
    "RealTimeTotalLoad": realtime_total_load.DATASET,
    "BindingConstraints/Reserve": binding_constraints_reserve.DATASET,
}
AT = datetime(2025, 12, 5, 12, tzinfo=UTC)
# Every endpoint's recorded wire body and its documented sample, as bytes on the wire.
BODIES = [
    (endpoint, body)
    for endpoint in DATASETS
    for body in ((WIRE / f"{endpoint}.json").read_bytes(),
                 json.dumps(sample(endpoint, "documented", AT)).encode())
]
CONTENT_TYPES = st.sampled_from([
    "application/json", "application/json; charset=utf-8", "text/plain", "", "text/html",
    "TEXT/HTML; charset=iso-8859-1", "application/xml", "application/octet-stream",
]) | st.text(max_size=30)
# Spellings of numbers that JSON forbids, Python's parser half-accepts, or overflow a float.
NUMBERS = [
    b"1e999", b"-1e999", b"1E+400", b"NaN", b"Infinity", b"-Infinity", b"1" + b"0" * 5000,
    b"0x10", b"1_000", b"+1", b".5", b"1.", b"01", b"-", b"1e", b"9" * 400 + b".0",
]


def decoded(body: bytes, content_type: str = "application/json") -> Any:
    """The payload, or ``None`` when refused; refusals must carry a reason."""
    try:
        return decode_json(body, content_type)
    except Refuse as refusal:
        assert str(refusal).strip()
        return None


def assert_the_pipeline_can_take(endpoint: str, payload: Any) -> None:
    """Validate; if accepted, digest and build the stored envelope, as the pipeline does."""
    dataset = DATASETS[endpoint]
    verdict = dataset.validator(payload)
    assert_well_formed(verdict)
    if verdict.ok:
        sha256_of(payload)
        snapshot = Snapshot(dataset.name, Slot(AT), payload, "0" * 64, "http://x", AT)
        json.dumps(dataset.envelope(snapshot), allow_nan=False)


@st.composite
def mutated_body(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real body with bytes cut, flipped, inserted or replaced by a hostile number."""
    endpoint, body = draw(st.sampled_from(BODIES))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(body)))
        action = draw(st.sampled_from(["truncate", "flip", "insert", "delete", "number"]))
        if action == "truncate":
            body = body[:at]
        elif action == "flip" and at < len(body):
            body = body[:at] + bytes([body[at] ^ draw(st.integers(1, 255))]) + body[at + 1:]
        elif action == "insert":
            body = body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:]
        elif action == "delete":
            body = body[:at] + body[at + draw(st.integers(1, 16)):]
        else:
            body = body[:at] + draw(st.sampled_from(NUMBERS)) + body[at:]
    return endpoint, body


@pytest.mark.scenario("Random bytes under random content types reach the JSON decoder",
                      outcome="each is decoded or refused with a reason; nothing else escapes")
@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=400), content_type=CONTENT_TYPES)
def test_any_bytes_are_decoded_or_refused_with_a_reason(body: bytes, content_type: str) -> None:
    """The decoder raises nothing but its own refusal, which names the problem."""
    decoded(body, content_type)


@pytest.mark.scenario("Recorded MISO bodies with bytes cut, flipped, inserted or replaced "
                      "by hostile numbers (1e999, NaN, 5000-digit integers...)",
                      outcome="each is refused with a reason, or rejected by validation with "
                              "a named rule, or digested and enveloped without error")
@settings(max_examples=300, deadline=None)
@given(case=mutated_body())
def test_mutated_bodies_are_refused_rejected_or_storable(case: tuple[str, bytes]) -> None:
    """Whatever survives decoding and validation can be hashed and stored."""
    endpoint, body = case
    payload = decoded(body)
    if payload is not None:
        assert_the_pipeline_can_take(endpoint, payload)


def with_unchecked(body: bytes, number: bytes) -> bytes:
    """``body`` with ``number`` added where no validator looks: a new field, or a new row."""
    body = body.rstrip()
    extra = b', "unchecked": ' + number if body.endswith(b"}") else b", " + number
    return body[:-1] + extra + body[-1:]


@pytest.mark.parametrize("number", NUMBERS, ids=lambda n: n[:12].decode())
def test_a_hostile_number_in_an_unchecked_place_never_reaches_the_digest(number: bytes) -> None:
    """Numbers no validator looks at are still finite (or refused) before hashing."""
    for endpoint, body in BODIES:
        assert decoded(with_unchecked(body, b"1")) is not None  # the injection itself is sound
        payload = decoded(with_unchecked(body, number))
        if payload is not None:
            assert_the_pipeline_can_take(endpoint, payload)


@pytest.fixture(scope="module")
def server():
    with ReplayServer() as srv:
        yield srv


@pytest.mark.scenario("Random bodies served over HTTP by a local server",
                      outcome="every fetch ends Fetched or Rejected with a reason")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_body() | st.tuples(st.sampled_from(list(DATASETS)), st.binary(max_size=300)),
       gzipped=st.booleans())
def test_served_bodies_end_fetched_or_rejected(server, case, gzipped) -> None:
    """The whole client (framing, encoding, cap, decoder) turns any body into an outcome."""
    endpoint, body = case
    server.set(f"/{endpoint}", Reply(body=body, gzip=gzipped))
    settings_ = HttpSettings(api_base_url=server.url, max_retries=0, timeout_seconds=5)
    with Fetcher(settings_) as fetcher:
        outcome = fetcher.fetch(DATASETS[endpoint], {})
    assert isinstance(outcome, Fetched | Rejected), outcome
    if isinstance(outcome, Rejected):
        assert outcome.reason.strip()
    else:
        assert_the_pipeline_can_take(endpoint, outcome.payload)
