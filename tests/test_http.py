"""The one HTTP client against a real local server."""

import email.utils
import gzip
import json
import socket
import tempfile
import time
import tracemalloc
import zlib

import pytest
from urllib3.connection import HTTPSConnection
from urllib3.exceptions import NameResolutionError

from gridcollect import largejson
from gridcollect.http import USER_AGENT, Fetched, Fetcher, NoData, Rejected, Unavailable
from gridcollect.http import body as http_body
from gridcollect.http.failures import Unreachable, failure_of
from gridcollect.replay import ReplayServer, Reply
from gridcollect.settings import HttpSettings

from .support.drip import DripServer
from .support.toy import NO_PLACEHOLDER, TOY

PATH = "/Toy/Feed"


@pytest.fixture
def server():
    with ReplayServer() as srv:
        yield srv


def fetcher_for(server, sleeps=None, **overrides):
    settings = HttpSettings(api_base_url=server.url, **{"max_retries": 2, **overrides})
    record = sleeps if sleeps is not None else []
    return Fetcher(settings, sleep=record.append)


def test_json_payload_is_fetched_with_our_user_agent_and_query(server):
    """A 200 JSON answer is Fetched; the request names the tool and sends parameters."""
    server.set(PATH, Reply(body={"value": 1}))
    outcome = fetcher_for(server).fetch(TOY, {"zone": "EAST"})
    assert outcome == Fetched({"value": 1}, f"{server.url}{PATH}", 11)
    request = server.requests_for(PATH)[0]
    assert request.headers["user-agent"] == USER_AGENT and request.query == {"zone": ["EAST"]}
    assert request.headers["accept"] == "application/json"
    # br and zstd are asked for only when their decoders are installed.
    assert {"gzip", "deflate"} <= set(request.headers["accept-encoding"].split(","))


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_with_backoff(server, status):
    """429 and 5xx are retried; the next good answer wins."""
    sleeps: list[float] = []
    server.set(PATH, Reply(status=status), Reply(body={"value": 2}))
    assert isinstance(fetcher_for(server, sleeps).fetch(TOY, {}), Fetched)
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 1.0


def test_retry_after_is_honoured(server):
    """A Retry-After header sets the wait instead of the backoff."""
    sleeps: list[float] = []
    server.set(PATH, Reply(status=429, headers={"Retry-After": "7"}), Reply(body={"value": 2}))
    fetcher_for(server, sleeps).fetch(TOY, {})
    assert sleeps == [7.0]


def test_retry_after_as_an_http_date_is_honoured(server):
    """Retry-After may name an instant instead of a number of seconds."""
    sleeps: list[float] = []
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.set(PATH, Reply(status=503, headers={"Retry-After": when}), Reply(body={"value": 2}))
    fetcher_for(server, sleeps).fetch(TOY, {})
    assert len(sleeps) == 1 and 27 <= sleeps[0] <= 30


@pytest.mark.parametrize("value", ["Wed, 99 Foo 2025 00:00:00 GMT", "\u00b2", "soon", ","],
                         ids=["bad-date", "superscript-two", "word", "comma"])
def test_a_malformed_retry_after_is_treated_as_absent(server, value):
    """An unparseable Retry-After never raises: the backoff applies and the retry happens."""
    sleeps: list[float] = []
    server.set(PATH, Reply(status=503, headers={"Retry-After": value}), Reply(body={"value": 2}))
    outcome = fetcher_for(server, sleeps).fetch(TOY, {})
    assert isinstance(outcome, Fetched)
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 1.0


def test_a_retry_after_date_without_a_zone_is_read_as_utc(server, monkeypatch):
    """An HTTP date is GMT: ``-0000`` is not the local time of the machine."""
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    try:
        sleeps: list[float] = []
        when = email.utils.formatdate(time.time() + 30)  # "... +0000"
        when = when.removesuffix("+0000") + "-0000"
        server.set(PATH, Reply(status=503, headers={"Retry-After": when}),
                   Reply(body={"value": 2}))
        fetcher_for(server, sleeps, backoff_max_seconds=100_000).fetch(TOY, {})
    finally:
        monkeypatch.undo()
        time.tzset()
    assert len(sleeps) == 1 and 27 <= sleeps[0] <= 30


def test_retries_are_bounded_then_unavailable(server):
    """After max_retries the outcome is Unavailable with the last reason."""
    sleeps: list[float] = []
    server.set(PATH, Reply(status=503))
    outcome = fetcher_for(server, sleeps).fetch(TOY, {})
    assert isinstance(outcome, Unavailable) and "HTTP 503" in outcome.reason
    assert len(server.requests_for(PATH)) == 3 and len(sleeps) == 2


def test_timeouts_are_retried_then_unavailable(server):
    """A server slower than the timeout is retried, then given up on."""
    server.set(PATH, Reply(body={"value": 1}, delay_seconds=1.0))
    outcome = fetcher_for(server, timeout_seconds=0.2, max_retries=1).fetch(TOY, {})
    assert isinstance(outcome, Unavailable) and "timed out" in outcome.reason


def test_declared_no_data_status_is_no_data(server):
    """A dataset's no-data status (CSAT's 404) is NoData, not a failure."""
    server.set(PATH, Reply(status=404))
    assert isinstance(fetcher_for(server).fetch(TOY, {}), NoData)


def test_undeclared_404_is_rejected_with_the_status(server):
    """Elsewhere a 404 is a rejection naming the status."""
    server.set(PATH, Reply(status=404))
    outcome = fetcher_for(server).fetch(NO_PLACEHOLDER, {})
    assert isinstance(outcome, Rejected) and "HTTP 404" in outcome.reason


def test_declared_status_reason_is_reported(server):
    """A dataset's meaning for a status (CSAT's 400: invalid region) is the reason."""
    server.set(PATH, Reply(status=400))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Rejected) and outcome.reason == "invalid zone (HTTP 400)"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(body="<html>maintenance</html>", content_type="text/html"), "expected JSON"),
        (Reply(body=b'{"value": 1'), "invalid JSON"),
        (Reply(body=b""), "empty response body"),
        (Reply(body=b'{"value": NaN}'), "non-finite"),
        (Reply(body=b'{"value": Infinity}'), "non-finite"),
        (Reply(body=b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        (Reply(body=b"\xff\xfe\xfa"), "invalid JSON"),
    ],
    ids=["html-200", "truncated", "empty", "nan", "infinity", "deep-nesting", "binary"],
)
def test_unusable_bodies_are_rejected_with_a_named_reason(server, reply, reason):
    """Broken or hostile bodies never crash: they are Rejected and say why."""
    server.set(PATH, reply)
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Rejected) and reason in outcome.reason


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"value": 1, "name": "a\\ud800b"}', "at name"),
        (b'{"value": 1, "rows": [{"x": "\\uDC00"}]}', "at rows[0].x"),
        ('{"value": 1, "\ud800": 2}'.encode("utf-8", "surrogatepass"), "at the top level"),
        (b'"\\ud800"', "at the top level"),
    ],
    ids=["escaped", "escaped-low-in-a-row", "raw-bytes-in-a-key", "top-level-string"],
)
def test_a_lone_surrogate_is_refused_by_name(server, body, where):
    """A string holding half a UTF-16 pair is not text: refused, naming where it sits."""
    server.set(PATH, Reply(body=body))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Rejected), outcome
    assert "lone surrogate \\ud" in outcome.reason.lower() and where in outcome.reason


def test_a_surrogate_pair_is_text_and_fetched(server):
    """An escaped pair (an emoji) is one character, fetched as such."""
    server.set(PATH, Reply(body=b'{"value": 1, "name": "\\ud83d\\ude00"}'))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Fetched) and outcome.payload["name"] == "\U0001F600"


@pytest.mark.parametrize("framing", ["chunked", "length"])
def test_a_lone_surrogate_in_a_large_streamed_body_is_refused(server, framing):
    """Past the size where arrays are parsed lazily (and, chunked, spooled to a file),
    the last row's lone surrogate is still found and named."""
    rows = [{"n": n, "text": "x" * 40} for n in range(100_000)] + [{"n": -1, "text": "\ud800"}]
    body = json.dumps({"value": 1, "rows": rows}).encode()
    assert len(body) > largejson.LARGE_BODY_BYTES
    server.set(PATH, Reply(body=body, framing=framing))
    outcome = fetcher_for(server, max_retries=0).fetch(TOY, {})
    assert isinstance(outcome, Rejected), outcome
    assert "lone surrogate \\ud800" in outcome.reason and "rows[100000].text" in outcome.reason


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_bodies_over_the_cap_are_refused(server, framing):
    """A response larger than the cap is refused whether or not it declares its size."""
    server.set(PATH, Reply(body=b"[" + b"1," * 5000 + b"1]", framing=framing))
    outcome = fetcher_for(server, max_response_bytes=1000).fetch(TOY, {})
    assert isinstance(outcome, Rejected) and "cap" in outcome.reason


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_encoded_bodies_are_decoded(server, encoding):
    """Content-Encoding: gzip or deflate is transparent; the size is the decoded one."""
    body = json.dumps({"value": 5, "pad": "x" * 1000}).encode()
    wire = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
    server.set(PATH, Reply(body=wire, headers={"Content-Encoding": encoding}))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Fetched) and outcome.payload["value"] == 5
    assert outcome.size == len(body)


def test_a_chunked_body_over_the_cap_is_refused_without_being_held_in_memory(
    server, monkeypatch
):
    """A body of unannounced length goes to a temporary file past the spool size, so
    refusing 24 MB at a 16 MB cap holds a few MiB at most, not the 16 MB read so far."""
    monkeypatch.setattr(http_body, "_SPOOL_BYTES", 1024 * 1024)
    server.set(PATH, Reply(body=b"[" + b"1," * 12_000_000 + b"1]", framing="chunked"))
    fetcher = fetcher_for(server, max_response_bytes=16_000_000, max_retries=0)
    tracemalloc.start()
    try:
        outcome = fetcher.fetch(TOY, {})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "response exceeds the 16000000-byte cap"
    assert peak < 8_000_000


@pytest.mark.parametrize(("framing", "gzipped"),
                         [("chunked", False), ("close", False), ("length", True)])
def test_a_spooled_body_under_the_cap_is_read_back_whole(server, monkeypatch, framing, gzipped):
    """Past the spool size a body of unannounced (or encoded) length still arrives intact."""
    monkeypatch.setattr(http_body, "_SPOOL_BYTES", 64 * 1024)
    payload = {"value": 7, "rows": list(range(100_000))}
    body = json.dumps(payload).encode()
    server.set(PATH, Reply(body=body, framing=framing, gzip=gzipped))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert outcome == Fetched(payload, f"{server.url}{PATH}", len(body))


def test_a_body_that_cannot_be_spooled_is_refused_with_the_reason(server, monkeypatch, tmp_path):
    """No room for the temporary file (here: no directory) is a named refusal, not a crash."""
    monkeypatch.setattr(http_body, "_SPOOL_BYTES", 1024)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    server.set(PATH, Reply(body={"value": 1, "pad": "x" * 10_000}, framing="chunked"))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Rejected) and "cannot hold the response body" in outcome.reason


def test_one_connection_serves_fetches_retries_and_no_data(server):
    """Kept alive: a 503, a 404 and data in turn do not cost a new connection each."""
    server.set(PATH, Reply(status=503), Reply(body={"value": 1}), Reply(status=404),
               Reply(status=302, headers={"Location": "/elsewhere"}))
    server.set("/elsewhere", Reply(body={"value": 2}))
    fetcher = fetcher_for(server)
    outcomes = [fetcher.fetch(TOY, {}) for _ in range(3)]
    assert [type(o) for o in outcomes] == [Fetched, NoData, Fetched]
    assert [route.pool.num_connections for route in fetcher._routes] == [1]


@pytest.mark.parametrize(("hops", "fetched"), [(20, True), (21, False)])
def test_redirects_are_followed_twenty_deep_and_no_further(server, hops, fetched):
    """Up to 20 redirects are followed; one more is a refusal, not another request."""
    server.set(PATH, Reply(status=302, headers={"Location": "/hop/1"}))
    for n in range(1, hops):
        server.set(f"/hop/{n}", Reply(status=307, headers={"Location": f"/hop/{n + 1}"}))
    server.set(f"/hop/{hops}", Reply(body={"value": 1}))
    outcome = fetcher_for(server).fetch(TOY, {"zone": "EAST"})
    if fetched:
        assert isinstance(outcome, Fetched)
    else:
        assert isinstance(outcome, Rejected)
        assert outcome.reason == "bad HTTP response (more than 20 redirects)"
        assert not server.requests_for(f"/hop/{hops}")


def test_a_server_stalling_mid_body_times_out(server):
    """A body that stops arriving ends in Unavailable, not a hang."""
    server.set(PATH, Reply(body={"value": 5, "pad": "x" * 100}, stall_after_bytes=10,
                           stall_seconds=5))
    outcome = fetcher_for(server, timeout_seconds=0.3, max_retries=0).fetch(TOY, {})
    assert isinstance(outcome, Unavailable)


def test_connection_refused_is_unavailable():
    """Nothing listening is Unavailable after the retries."""
    settings = HttpSettings(api_base_url="http://127.0.0.1:9", max_retries=1)
    outcome = Fetcher(settings, sleep=lambda s: None).fetch(TOY, {})
    assert isinstance(outcome, Unavailable) and "connection failed" in outcome.reason


def test_a_host_name_that_does_not_resolve_is_not_retried_and_says_what_to_do():
    """No DNS answer (offline): one attempt, the host named, the ways to go on given."""
    sleeps: list[float] = []
    settings = HttpSettings(api_base_url="http://gridcollect-test.invalid/api", max_retries=4)
    outcome = Fetcher(settings, sleep=sleeps.append).fetch(TOY, {})
    assert isinstance(outcome, Unavailable) and sleeps == []
    assert outcome.reason.startswith(
        "cannot resolve gridcollect-test.invalid: the API server is unreachable from this "
        "machine")
    assert "gridcollect demo" in outcome.reason and "--api-base-url" in outcome.reason


def test_misos_own_host_not_resolving_is_said_to_be_misos_api():
    """The default host is called MISO's API (checked on the error alone: no lookup made)."""
    host = "public-api.misoenergy.org"
    error = NameResolutionError(host, HTTPSConnection(host), socket.gaierror(-2, "unknown"))
    failure = failure_of(error)
    assert isinstance(failure, Unreachable)
    assert str(failure).startswith(
        f"cannot resolve {host}: MISO's API is unreachable from this machine")


@pytest.mark.parametrize("phase", ["headers", "body", "chunked"])
def test_an_answer_dripping_a_byte_at_a_time_ends_at_the_deadline(phase):
    """Each byte comes well within the read timeout, yet the attempt (headers and body,
    spooled or not) ends once the timeout has passed in all, as a timeout."""
    with DripServer(phase, interval=0.05) as drip:
        settings = HttpSettings(api_base_url=drip.url, timeout_seconds=0.6, max_retries=0)
        started = time.monotonic()
        outcome = Fetcher(settings).fetch(TOY, {})
        elapsed = time.monotonic() - started
    assert isinstance(outcome, Unavailable), outcome
    assert outcome.reason == ("timed out (no complete answer within 0.6 s) "
                              "(gave up after 1 attempts)")
    assert 0.6 <= elapsed < 1.5


def test_a_slow_answer_within_the_deadline_is_fetched():
    """Dripping that ends in time is a complete answer."""
    with DripServer("body", interval=0.01, size=20) as drip:
        settings = HttpSettings(api_base_url=drip.url, timeout_seconds=5, max_retries=0)
        outcome = Fetcher(settings).fetch(TOY, {})
    assert isinstance(outcome, Fetched) and outcome.payload["value"] == 1

