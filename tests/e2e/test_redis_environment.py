"""Redis settings from the environment, as Kubernetes leaves it: service links beside
REDIS_URL."""

from __future__ import annotations

import pytest

from gridcollect.replay import ReplayServer, Reply

from .cli import WIRE, run_cli
from .test_collect_commands import COMMANDS

# What Kubernetes injects into every pod of a namespace with a Service named "redis".
SERVICE_LINKS = {"REDIS_PORT": "tcp://10.0.0.11:6379", "REDIS_SERVICE_HOST": "10.0.0.11",
                 "REDIS_PORT_6379_TCP": "tcp://10.0.0.11:6379"}


@pytest.mark.servers
def test_redis_url_wins_over_kubernetes_service_links(tmp_path, redis_db):
    """With REDIS_URL set, REDIS_PORT=tcp://... is ignored and the run registers in Redis."""
    endpoint, args = COMMANDS["load"]
    with ReplayServer() as miso:
        miso.set(f"/{endpoint}", Reply(body=(WIRE / f"{endpoint}.json").read_bytes()))
        result = run_cli(*args, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                         env={**SERVICE_LINKS, "REDIS_URL": redis_db.url})
    assert result.code == 0, result.stderr
    client = redis_db.client()
    try:
        assert client.keys("hash:dev:miso_realtime_total_load:*")
    finally:
        client.close()


def test_a_service_link_without_redis_url_is_named_in_one_line(tmp_path):
    """Without REDIS_URL, the error names REDIS_PORT and says what set it and what to do."""
    _endpoint, args = COMMANDS["load"]
    result = run_cli(*args, "--output-dir", str(tmp_path), env=SERVICE_LINKS)
    assert result.code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: Invalid value for '--redis-port'")
    assert "REDIS_PORT='tcp://10.0.0.11:6379'" in line
    assert "Kubernetes service link" in line and "enableServiceLinks: false" in line
    assert "REDIS_URL" in line
