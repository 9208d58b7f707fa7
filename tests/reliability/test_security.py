"""Security: no secret leaks anywhere, TLS checks stay on, paths stay inside, redirects are told.

Secrets are searched for in everything a run leaves: stdout, stderr (DEBUG, text and
JSON), the stored objects and their S3 metadata, the registry, the outbox and the
notifications.
"""

from __future__ import annotations

import gzip
import json
import sqlite3

import pytest

from gridcollect.replay import ReplayServer, Reply

from ..e2e.cli import run_cli
from .faults import when_asked
from .runs import BODY, KEY, LOAD
from .state import local_state, objects_in_s3, registry_in_redis
from .tls import TlsReplayServer, self_signed_certificate

PATH = "/RealTimeTotalLoad"
SECRETS = {
    "api": "api-Pass-7f3a",
    "redis": "redis-Pass-91bc",
    "kafka": "kafka-Pass-0d2e",
    "aws_secret": "aws-Secret-Key-55e1",
    "aws_id": "AKIDLEAKCHECK0042",
    "s3_endpoint": "s3-Endpoint-Pass-3c9d",
}


@pytest.fixture
def miso():
    with ReplayServer({PATH: Reply(body=BODY)}) as server:
        yield server


def with_credentials(url: str, user: str, password: str) -> str:
    return url.replace("://", f"://{user}:{password}@", 1)


def leaks(texts: dict[str, str | bytes]) -> list[str]:
    """``where: secret`` for every secret found in any of ``texts``."""
    found = []
    for where, text in texts.items():
        raw = text.encode() if isinstance(text, str) else text
        found += [f"{where}: {name}" for name, secret in SECRETS.items() if secret.encode() in raw]
    return found


def state_files(state_dir) -> dict[str, bytes]:
    """Every file of the state directory, SQLite WAL files included."""
    return {str(p): p.read_bytes() for p in state_dir.iterdir() if p.is_file()}


@pytest.mark.servers
@pytest.mark.scenario("Passwords in the API URL, the Redis URL and a SASL file, AWS keys in "
                      "the environment; DEBUG logs as text and as JSON",
                      outcome="no secret in logs, summary, stored objects, S3 metadata, "
                              "registry, outbox or notifications")
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_reaches_logs_summary_objects_or_notifications(
    tmp_path, miso, s3_server, s3_bucket, start_redis_server, kafka_broker, log_format
):
    """Every credential the run is given stays out of everything the run writes."""
    redis = start_redis_server(password=SECRETS["redis"])
    sasl_file = tmp_path / "sasl.json"
    sasl_file.write_text(json.dumps({"username": "alice", "password": SECRETS["kafka"]}))
    kafka = (f"kafka://{kafka_broker.bootstrap}/t?security_protocol=SASL_PLAINTEXT"
             f"&X_sasl_file={sasl_file}")
    result = run_cli(
        *LOAD, "--api-base-url", with_credentials(miso.url, "collector", SECRETS["api"]),
        "--output-dir", str(tmp_path / "out"), "--s3-bucket", s3_bucket,
        "--s3-endpoint-url", s3_server.endpoint_url, "--redis-url", redis.url,
        "--kafka-connection-string", kafka, "--kafka-timeout", "1",
        "--log-level", "DEBUG", "--log-format", log_format,
        env={"AWS_SECRET_ACCESS_KEY": SECRETS["aws_secret"],
             "AWS_ACCESS_KEY_ID": SECRETS["aws_id"]},
    )
    assert result.code == 0, result.stderr
    # The broker has no SASL users, so the notification waits in the outbox: checked there.
    assert result.summary["collected"] == 1 and result.summary["notifications_pending"] == 1
    assert miso.requests[0].headers["authorization"].startswith("Basic ")

    client = s3_server.client()
    head = client.head_object(Bucket=s3_bucket, Key=KEY)
    written = {
        "stdout": result.stdout, "stderr": result.stderr,
        "s3 metadata": json.dumps(head["Metadata"]),
        **{f"s3 object {key}": gzip.decompress(body)
           for key, body in objects_in_s3(client, s3_bucket).items()},
        "registry": json.dumps(registry_in_redis(redis.client())),
        **state_files(tmp_path / "out" / ".gridcollect"),
    }
    assert leaks(written) == []
    envelope = json.loads(written[f"s3 object {KEY}"])
    assert envelope["collection_metadata"]["source_url"] == (
        with_credentials(miso.url, "collector", "***") + PATH)


@pytest.mark.scenario("The SASL credentials file is not valid JSON and holds the password",
                      outcome="exit 2 naming the file; its contents are never shown")
def test_a_broken_sasl_file_is_named_but_never_shown(tmp_path, miso):
    """A malformed credentials file is reported by path only."""
    sasl_file = tmp_path / "sasl.json"
    sasl_file.write_text(f'{{"username": "alice", "password": "{SECRETS["kafka"]}"')
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path / "out"),
                     "--kafka-connection-string",
                     f"kafka://127.0.0.1:9/t?X_sasl_file={sasl_file}")
    assert result.code == 2 and str(sasl_file) in result.stderr
    assert leaks({"stderr": result.stderr, "stdout": result.stdout}) == []
    assert miso.requests == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_miso(certificate):
    with TlsReplayServer(*certificate, routes={PATH: Reply(body=BODY)}) as server:
        yield server


# Variables that switch certificate checks off in other tools; none may affect ours.
LOOKALIKE_SWITCHES = {"PYTHONHTTPSVERIFY": "0", "CURL_CA_BUNDLE": "", "REQUESTS_CA_BUNDLE": "",
                      "HTTPX_VERIFY": "0", "GRIDCOLLECT_INSECURE": "1"}


@pytest.mark.scenario("MISO presents a certificate no trust store knows (also with "
                      "PYTHONHTTPSVERIFY=0, CURL_CA_BUNDLE= and similar variables set)",
                      outcome="exit 1 'TLS certificate verification failed', not retried; "
                              "nothing stored")
@pytest.mark.parametrize("env", [{}, LOOKALIKE_SWITCHES], ids=["plain", "lookalike-switches"])
def test_an_untrusted_certificate_is_refused_without_retrying(tmp_path, tls_miso, env):
    """Only --insecure turns verification off; environment variables cannot."""
    result = run_cli(*LOAD, "--api-base-url", tls_miso.url, "--output-dir", str(tmp_path),
                     env=env)
    assert result.code == 1, result.stderr
    [error] = result.summary["errors"]
    assert "TLS certificate verification failed" in error["error"]
    assert "retry" not in result.stderr and tls_miso.requests == []
    assert local_state(tmp_path).objects == {}


@pytest.mark.scenario("--insecure against a self-signed certificate",
                      outcome="the snapshot is stored, and a warning says verification is off")
def test_insecure_connects_and_warns(tmp_path, tls_miso):
    """The one switch works, and never silently."""
    result = run_cli(*LOAD, "--api-base-url", tls_miso.url, "--output-dir", str(tmp_path),
                     "--insecure")
    assert result.code == 0, result.stderr
    assert result.summary["stored"] == [KEY]
    assert "WARNING" in result.stderr and "TLS certificate verification is OFF" in result.stderr


@pytest.mark.scenario("--insecure with --log-level ERROR",
                      outcome="the warning that verification is off is still printed")
def test_no_log_level_hides_the_insecure_warning(tmp_path, tls_miso):
    """The warning does not depend on logging settings."""
    result = run_cli(*LOAD, "--api-base-url", tls_miso.url, "--output-dir", str(tmp_path),
                     "--insecure", "--log-level", "ERROR")
    assert result.code == 0, result.stderr
    assert "TLS certificate verification is OFF" in result.stderr


@pytest.mark.scenario("MISO redirects to another server (another port on 127.0.0.1)",
                      outcome="the redirect is followed and a warning names the new server; "
                              "credentials in the API URL are not sent there")
def test_a_redirect_to_another_server_is_followed_and_said(tmp_path):
    """Two replay servers: the first sends the client to the second, which is named."""
    with ReplayServer({PATH: Reply(body=BODY)}) as elsewhere, ReplayServer() as miso:
        miso.set(PATH, Reply(status=302, headers={"Location": f"{elsewhere.url}{PATH}"}))
        result = run_cli(*LOAD, "--api-base-url", with_credentials(miso.url, "u", SECRETS["api"]),
                         "--output-dir", str(tmp_path))
        assert result.code == 0, result.stderr
        assert f"following a redirect to another host: {elsewhere.url}" in result.stderr
        assert "authorization" in miso.requests[0].headers
        assert "authorization" not in elsewhere.requests[0].headers
    assert leaks({"stderr": result.stderr}) == []


@pytest.mark.scenario("MISO redirects within its own server",
                      outcome="followed without a warning")
def test_a_redirect_within_the_same_server_is_followed_quietly(tmp_path, miso):
    """Same scheme, host and port: nothing to warn about."""
    miso.set("/old", Reply(body=BODY))
    miso.set(PATH, Reply(status=301, headers={"Location": "/old"}))
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path))
    assert result.code == 0, result.stderr
    assert "following a redirect" not in result.stderr and miso.requests_for("/old")


@pytest.mark.scenario("A directory inside the output directory is a symlink to elsewhere",
                      outcome="exit 1 'escapes the output directory'; nothing written outside")
def test_a_symlink_cannot_lead_the_store_out_of_the_output_directory(tmp_path, miso):
    """Keys resolve inside the root or are refused, whatever links lie on the way."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "out"
    root.mkdir()
    (root / "sourcing").symlink_to(outside, target_is_directory=True)
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(root))
    assert result.code == 1
    assert "escapes the output directory" in result.summary["errors"][0]["error"]
    assert list(outside.iterdir()) == []


@pytest.mark.scenario("An absolute --prefix (/etc)",
                      outcome="taken relative to the output directory (or bucket); nothing "
                              "written outside it")
def test_an_absolute_prefix_stays_inside_the_output_directory(tmp_path, miso):
    """A leading slash is dropped, so the prefix cannot name a system directory."""
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path),
                     "--prefix", "/etc")
    assert result.code == 0, result.stderr
    [key] = result.summary["stored"]
    assert key.startswith("etc/") and (tmp_path / key).is_file()
    registry = sqlite3.connect(tmp_path / ".gridcollect" / "registry.sqlite3")
    [(location,)] = registry.execute("SELECT location FROM digests").fetchall()
    assert location == f"file://{tmp_path}/{key}"


@pytest.mark.servers
@pytest.mark.scenario("The S3 endpoint URL holds a password and S3 drops every connection "
                      "mid-run",
                      outcome="exit 1; the failure text is kept in activity.sqlite3 and shown "
                              "by status --json with the password masked, as on stderr")
def test_an_s3_failure_text_is_persisted_without_the_endpoint_password(
    tmp_path, miso, s3_bucket, s3_throttling_proxy
):
    """What botocore says about a failed PUT (it quotes the endpoint URL) is redacted before
    anything is written to the state directory."""
    proxy = s3_throttling_proxy([])
    miso.set_publisher(PATH, when_asked(lambda: proxy.failures.extend(["reset"] * 10),
                                        Reply(body=BODY)))
    endpoint = with_credentials(proxy.endpoint_url, "collector", SECRETS["s3_endpoint"])
    result = run_cli(*LOAD, "--api-base-url", miso.url, "--output-dir", str(tmp_path / "out"),
                     "--s3-bucket", s3_bucket, "--s3-endpoint-url", endpoint,
                     env={"AWS_SECRET_ACCESS_KEY": SECRETS["aws_secret"],
                          "AWS_ACCESS_KEY_ID": SECRETS["aws_id"]})
    assert result.code == 1, result.stderr
    state_dir = tmp_path / "out" / ".gridcollect"
    status = run_cli("status", "--json", "--output-dir", str(tmp_path / "out"))
    assert status.code == 0, status.stderr
    [row] = [row for row in json.loads(status.stdout)["datasets"] if row["failures"]]
    assert "S3 write of" in row["last_error"] and "***" in row["last_error"]
    assert leaks({"stdout": result.stdout, "stderr": result.stderr,
                  "status": status.stdout, **state_files(state_dir)}) == []
