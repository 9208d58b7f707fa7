"""The one HTTP client against a real local server."""

import pytest

from gridcollect.http import USER_AGENT, Fetched, Fetcher, NoData, Rejected, Unavailable
from gridcollect.replay import ReplayServer, Reply
from gridcollect.settings import HttpSettings

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


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_bodies_over_the_cap_are_refused(server, framing):
    """A response larger than the cap is refused whether or not it declares its size."""
    server.set(PATH, Reply(body=b"[" + b"1," * 5000 + b"1]", framing=framing))
    outcome = fetcher_for(server, max_response_bytes=1000).fetch(TOY, {})
    assert isinstance(outcome, Rejected) and "cap" in outcome.reason


def test_gzip_encoded_bodies_are_decoded(server):
    """Content-Encoding: gzip is transparent."""
    server.set(PATH, Reply(body={"value": 5}, gzip=True))
    outcome = fetcher_for(server).fetch(TOY, {})
    assert isinstance(outcome, Fetched) and outcome.payload == {"value": 5}


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
