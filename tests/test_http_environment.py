"""The HTTP client and the environment: proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) and
the trust store (SSL_CERT_FILE), against real local servers."""

from __future__ import annotations

import base64
import select
import socket
import socketserver

import pytest

from gridcollect.http import Fetched, Fetcher, Rejected, Unavailable, routes
from gridcollect.replay import ReplayServer, Reply
from gridcollect.secrets import mask_url
from gridcollect.settings import HttpSettings

from .reliability.tls import TlsReplayServer, self_signed_certificate
from .support.loopback import LoopbackServer, read_head
from .support.toy import TOY

PATH = "/Toy/Feed"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


class TunnelProxy(LoopbackServer):
    """A forward proxy for https:// URLs: answers CONNECT host:port, then relays bytes
    both ways. ``requests`` holds every request line it received."""

    def __init__(self) -> None:
        super().__init__(_TunnelHandler)
        self.requests: list[str] = []


class _TunnelHandler(socketserver.BaseRequestHandler):
    server: TunnelProxy

    def handle(self) -> None:
        client: socket.socket = self.request
        head = read_head(client)
        if not head:
            return
        line = head.split(b"\r\n", 1)[0].decode()
        self.server.requests.append(line)
        method, target, _ = line.split(" ", 2)
        if method != "CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = target.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            peers = {client: upstream, upstream: client}
            while True:
                readable, _, _ = select.select(list(peers), [], [], 5)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.fixture
def environment(monkeypatch):
    """No proxy variable from the machine running the tests."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def trusted(certificate, monkeypatch):
    """SSL_CERT_FILE names the test certificate; the process-wide trust store is rebuilt
    before and after."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    routes._trust_store.cache_clear()
    yield certificate
    routes._trust_store.cache_clear()


def fetch(base_url: str, **overrides):
    settings = HttpSettings(api_base_url=base_url, **{"max_retries": 0, **overrides})
    with Fetcher(settings, sleep=lambda s: None) as fetcher:
        return fetcher.fetch(TOY, {"zone": "EAST"})


def test_http_proxy_gets_the_whole_url_and_its_own_credentials(environment):
    """HTTP_PROXY receives the request in absolute form with Proxy-Authorization from its
    URL; the API's credentials still go to the API."""
    api = "http://reader:pw@api.example.invalid/base"
    with ReplayServer() as proxy:
        proxy.set("http://api.example.invalid/base/Toy/Feed", Reply(body={"value": 3}))
        environment.setenv("HTTP_PROXY", proxy.url.replace("://", "://pu:pp@"))
        outcome = fetch(api)
    assert outcome == Fetched({"value": 3}, mask_url(f"{api}{PATH}"), 11)
    [request] = proxy.requests
    assert request.path == "/http://api.example.invalid/base/Toy/Feed"
    assert request.query == {"zone": ["EAST"]}
    assert request.headers["proxy-authorization"] == basic("pu:pp")
    assert request.headers["authorization"] == basic("reader:pw")


@pytest.mark.parametrize("no_proxy", ["", "localhost,127.0.0.1", "*"])
def test_no_proxy_names_the_hosts_reached_directly(environment, no_proxy):
    """A proxy is used unless NO_PROXY names the host (or is *)."""
    environment.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    environment.setenv("NO_PROXY", no_proxy)
    with ReplayServer({PATH: Reply(body={"value": 1})}) as server:
        outcome = fetch(server.url)
    if no_proxy:
        assert isinstance(outcome, Fetched) and outcome.payload == {"value": 1}
    else:
        assert isinstance(outcome, Unavailable) and "connection failed" in outcome.reason


def test_ssl_cert_file_names_the_trust_store(trusted):
    """SSL_CERT_FILE replaces certifi's bundle, as it did with httpx."""
    with TlsReplayServer(*trusted, routes={PATH: Reply(body={"value": 4})}) as server:
        outcome = fetch(server.url)
    assert isinstance(outcome, Fetched) and outcome.payload == {"value": 4}


def test_https_goes_through_https_proxy_in_a_verified_tunnel(environment, trusted):
    """HTTPS_PROXY gets a CONNECT to the API's host:port; TLS runs end to end through the
    tunnel, certificate checked."""
    with (TlsReplayServer(*trusted, routes={PATH: Reply(body={"value": 5})}) as server,
          TunnelProxy() as proxy):
        environment.setenv("HTTPS_PROXY", proxy.url)
        outcome = fetch(server.url)
        assert isinstance(outcome, Fetched) and outcome.payload == {"value": 5}
        [line] = proxy.requests
        assert line.startswith(f"CONNECT {server.url.removeprefix('https://')} HTTP/")
        assert server.requests_for(PATH)[0].query == {"zone": ["EAST"]}


def test_an_unsupported_proxy_scheme_is_a_clear_refusal(environment):
    """ALL_PROXY=socks5://... (which needs a library we do not ship) is named, not crashed on."""
    environment.setenv("ALL_PROXY", "socks5://u:secret@127.0.0.1:1080")
    with ReplayServer({PATH: Reply(body={"value": 1})}) as server:
        outcome = fetch(server.url)
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "unsupported proxy in the environment: socks5://u:***@127.0.0.1:1080"


def test_a_proxy_whose_name_does_not_resolve_is_named_as_the_proxy(monkeypatch):
    """HTTP_PROXY naming an unknown host: one attempt, the proxy named as what is unreachable."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.gridcollect-test.invalid:3128")
    sleeps: list[float] = []
    settings = HttpSettings(api_base_url="http://api.example.com", max_retries=3)
    outcome = Fetcher(settings, sleep=sleeps.append).fetch(TOY, {})
    assert isinstance(outcome, Unavailable) and sleeps == []
    assert outcome.reason.startswith("cannot resolve proxy.gridcollect-test.invalid: the proxy "
                                     "is unreachable from this machine")
