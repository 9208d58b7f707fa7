"""The replay server: routes, scripts, recording, slow and broken answers, clean stops."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gridcollect.replay import Framing, ReplayServer, Reply, routes_from_directory

WIRE_FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "miso" / "wire"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer() as running:
        yield running


def _get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=5)


def _replay_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("replay-")]


def test_serves_a_route_at_the_base_url_plus_path() -> None:
    """A route given to the constructor is served at url + path, its body JSON-encoded."""
    with ReplayServer({"/RealTimeTotalLoad": Reply(body={"LoadInfo": {"RefId": "x"}})}) as srv:
        assert srv.url.startswith("http://127.0.0.1:")
        response = _get(srv.url + "/RealTimeTotalLoad")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"LoadInfo": {"RefId": "x"}}


def test_unknown_path_answers_404_json(server: ReplayServer) -> None:
    """A path without a route answers 404 with a JSON body naming the path."""
    response = _get(server.url + "/Nope")
    assert response.status_code == 404
    assert response.json()["path"] == "/Nope"


def test_query_string_is_ignored_for_matching_but_recorded(server: ReplayServer) -> None:
    """The query string does not affect routing, and is recorded as a dict of lists."""
    server.set("/CsatSupplyDemand", Reply(body=[1]))
    response = _get(server.url + "/CsatSupplyDemand?region=SOUTH&x=1&x=2")
    assert response.json() == [1]
    [recorded] = server.requests_for("/CsatSupplyDemand")
    assert recorded.method == "GET"
    assert recorded.query == {"region": ["SOUTH"], "x": ["1", "2"]}
    assert recorded.headers["host"].startswith("127.0.0.1:")


def test_script_is_served_in_order_and_the_last_reply_repeats(server: ReplayServer) -> None:
    """set() with several replies serves them in order, then repeats the last."""
    server.set("/x", Reply(status=503), Reply(status=429), Reply(body="ok"))
    statuses = [_get(server.url + "/x").status_code for _ in range(5)]
    assert statuses == [503, 429, 200, 200, 200]
    assert len(server.requests_for("/x")) == 5


def test_set_replaces_a_route_and_restarts_its_script(server: ReplayServer) -> None:
    """A second set() on a path replaces the first script."""
    server.set("/x", Reply(body=1))
    assert _get(server.url + "/x").json() == 1
    server.set("/x", Reply(body=2))
    assert _get(server.url + "/x").json() == 2


def test_publisher_is_called_for_every_request(server: ReplayServer) -> None:
    """set_publisher() builds a fresh reply per request."""
    counter = iter(range(100))
    server.set_publisher("/live", lambda: Reply(body={"n": next(counter)}))
    assert [_get(server.url + "/live").json()["n"] for _ in range(3)] == [0, 1, 2]


def test_failing_publisher_answers_500(server: ReplayServer) -> None:
    """A producer that raises turns into a 500 answer, and the server keeps serving."""
    def broken() -> Reply:
        raise RuntimeError("boom")

    server.set_publisher("/broken", broken)
    assert _get(server.url + "/broken").status_code == 500
    assert _get(server.url + "/other").status_code == 404


def test_bytes_and_headers_are_sent_as_given(server: ReplayServer) -> None:
    """Bytes bodies go out untouched; extra headers (e.g. Retry-After) are sent."""
    server.set("/raw", Reply(status=429, body=b"{not json", headers={"Retry-After": "7"}))
    response = _get(server.url + "/raw")
    assert response.status_code == 429
    assert response.content == b"{not json"
    assert response.headers["retry-after"] == "7"


def test_delay_holds_the_reply_back(server: ReplayServer) -> None:
    """delay_seconds waits before answering."""
    server.set("/slow", Reply(body=1, delay_seconds=0.3))
    started = time.monotonic()
    assert _get(server.url + "/slow").json() == 1
    assert time.monotonic() - started >= 0.3


def test_gzip_reply_is_encoded_on_the_wire(server: ReplayServer) -> None:
    """gzip=True sends a gzip body with Content-Encoding: gzip."""
    server.set("/z", Reply(body={"a": 1}, gzip=True))
    response = _get(server.url + "/z")
    assert response.headers["content-encoding"] == "gzip"
    assert response.json() == {"a": 1}
    with httpx.stream("GET", server.url + "/z", timeout=5) as streamed:
        raw = b"".join(streamed.iter_raw())
    assert json.loads(gzip.decompress(raw)) == {"a": 1}
    assert int(streamed.headers["content-length"]) == len(raw)


@pytest.mark.parametrize("framing", ["chunked", "close"])
def test_body_without_content_length(server: ReplayServer, framing: Framing) -> None:
    """Chunked and close-delimited replies carry no Content-Length and arrive whole."""
    body = b"x" * 100_000
    server.set("/big", Reply(body=body, framing=framing))
    response = _get(server.url + "/big")
    assert "content-length" not in response.headers
    assert response.content == body
    if framing == "chunked":
        assert response.headers["transfer-encoding"] == "chunked"


def test_announced_content_length_is_sent_as_given(server: ReplayServer) -> None:
    """A Content-Length header in the reply replaces the real one (to test size caps)."""
    server.set("/huge", Reply(body=b"{}", headers={"Content-Length": "999999999"}))
    with httpx.stream("GET", server.url + "/huge", timeout=5) as response:
        assert response.headers["content-length"] == "999999999"


def test_stall_sends_part_of_the_body_then_times_the_client_out(server: ReplayServer) -> None:
    """stall_after_bytes sends that many bytes, then nothing: a client read timeout fires."""
    server.set("/stall", Reply(body=b"0123456789" * 10, stall_after_bytes=10, stall_seconds=5))
    received = b""
    with pytest.raises(httpx.ReadTimeout), httpx.stream(
        "GET", server.url + "/stall", timeout=httpx.Timeout(5, read=0.3)
    ) as response:
        assert response.headers["content-length"] == "100"
        for chunk in response.iter_raw():
            received += chunk
    assert received == b"0123456789"


def test_stall_ends_when_the_server_stops() -> None:
    """stop() ends a stall at once; the client sees the body cut short."""
    srv = ReplayServer({"/stall": Reply(body=b"x" * 100, stall_after_bytes=1, stall_seconds=30)})
    srv.start()
    errors: list[BaseException] = []

    def client() -> None:
        try:
            _get(srv.url + "/stall")
        except httpx.HTTPError as exc:
            errors.append(exc)

    worker = threading.Thread(target=client)
    worker.start()
    deadline = time.monotonic() + 5
    while not srv.requests_for("/stall") and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 1.5
    worker.join(5)
    assert not worker.is_alive()
    assert errors and isinstance(errors[0], httpx.RemoteProtocolError)


def test_stop_is_quick_with_kept_alive_connections_and_leaves_no_threads() -> None:
    """A client holding a kept-alive connection does not delay stop(); no thread is left."""
    before = len(_replay_threads())
    srv = ReplayServer({"/x": Reply(body=1)}).start()
    with httpx.Client(timeout=5) as client:
        assert client.get(srv.url + "/x").json() == 1
        assert len(_replay_threads()) == before + 2  # the server and the kept-alive handler
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 1.5
    srv.stop()  # a second stop is harmless
    assert len(_replay_threads()) == before


def test_delay_ends_when_the_server_stops() -> None:
    """stop() cuts a long delay short instead of waiting it out."""
    srv = ReplayServer({"/slow": Reply(delay_seconds=30)}).start()
    with socket.create_connection(("127.0.0.1", int(srv.url.rsplit(":", 1)[1])), timeout=5) as s:
        s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        deadline = time.monotonic() + 5
        while not srv.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        srv.stop()
        assert time.monotonic() - started < 1.5
        assert s.recv(100) == b""  # closed without an answer


def test_url_before_start_is_an_error() -> None:
    """Asking a stopped server for its URL raises instead of returning a dead address."""
    with pytest.raises(RuntimeError):
        _ = ReplayServer().url


def test_post_body_and_headers_are_recorded(server: ReplayServer) -> None:
    """Requests are recorded with method, body and lower-cased header names."""
    server.set("/p", Reply(status=201))
    httpx.post(server.url + "/p", content=b"hello", headers={"X-Trace": "t1"}, timeout=5)
    [recorded] = server.requests
    assert (recorded.method, recorded.body, recorded.headers["x-trace"]) == ("POST", b"hello", "t1")


def test_requests_are_recorded_from_concurrent_clients(server: ReplayServer) -> None:
    """Concurrent requests are all answered and recorded."""
    server.set("/c", Reply(body=1, delay_seconds=0.05))
    with httpx.Client(timeout=5) as client:
        threads = [threading.Thread(target=client.get, args=(f"{server.url}/c?i={i}",))
                   for i in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
    recorded = server.requests_for("/c")
    assert sorted(int(r.query["i"][0]) for r in recorded) == list(range(20))


@pytest.mark.skipif(not WIRE_FIXTURES.is_dir(), reason="shared MISO fixtures not present")
def test_routes_from_directory_serves_fixture_bytes_exactly() -> None:
    """Every *.json under the directory is served at its relative path, bytes unchanged."""
    routes = routes_from_directory(WIRE_FIXTURES)
    assert {"/CsatSupplyDemand", "/RealTimeTotalLoad", "/BindingConstraints/Reserve",
            "/BindingConstraints/RealTime"} <= set(routes)
    with ReplayServer(routes) as srv:
        for path in routes:
            on_disk = (WIRE_FIXTURES / (path.lstrip("/") + ".json")).read_bytes()
            assert _get(srv.url + path).content == on_disk


def test_routes_from_directory_with_prefix(tmp_path: Path) -> None:
    """A prefix puts every file under a common base path; non-JSON files are ignored."""
    (tmp_path / "A").mkdir()
    (tmp_path / "A" / "B.json").write_bytes(b"[]")
    (tmp_path / "notes.txt").write_text("ignored")
    assert list(routes_from_directory(tmp_path, prefix="/wire")) == ["/wire/A/B"]
