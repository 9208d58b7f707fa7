"""Command-line options shared by every collect command, and their checks.

Each check turns a malformed value into a usage error (exit 2, one line) before
anything is fetched or stored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from .errors import ConfigurationError
from .secrets import redact, register_secret
from .settings import (
    DEFAULT_API_BASE_URL,
    DEFAULT_KAFKA_TOPIC,
    BackendSettings,
    HttpSettings,
    RunOptions,
    Settings,
)

ENVIRONMENTS = ("dev", "staging", "prod")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _http_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{redact(value)!r} is not an http(s) URL with a host")
    if parts.password:
        register_secret(parts.password)
    return value


def _redis_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise click.BadParameter(f"{redact(value)!r} is not a redis://, rediss:// or unix:// URL")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise click.BadParameter(f"{redact(value)!r} has an invalid port") from None
    if parts.password:
        register_secret(parts.password)
    return value


def _kafka(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if not value:
        return None
    from .notifiers.kafka import parse_connection_string

    try:
        config = parse_connection_string(
            value, default_topic=DEFAULT_KAFKA_TOPIC, environ=os.environ
        )
    except (ConfigurationError, ValueError) as exc:
        raise click.BadParameter(redact(str(exc))) from None
    register_secret(config.password)
    return value


def _bucket(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _BUCKET_NAME.match(value):
        raise click.BadParameter(f"{value!r} is not a valid S3 bucket name")
    return value


_OPTIONS: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
    click.option("--environment", type=click.Choice(ENVIRONMENTS), default="dev",
                 envvar="GRIDCOLLECT_ENVIRONMENT", show_default=True,
                 help="Deployment environment; part of every registry key."),
    click.option("--force", is_flag=True, help="Store even when the snapshot is a duplicate."),
    click.option("--skip-hash-check", is_flag=True,
                 help="Neither check nor record content hashes (every fetch is stored)."),
    click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
                 default="INFO", show_default=True),
    click.option("--log-format", type=click.Choice(("text", "json")), default="text",
                 show_default=True, help="Logs on stderr as plain text or JSON lines."),
    click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
                 default=Path("data"), envvar="GRIDCOLLECT_OUTPUT_DIR", show_default=True,
                 help="Root of the local store (when no S3 bucket is given)."),
    click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
                 envvar="GRIDCOLLECT_STATE_DIR",
                 help="Registry, outbox, notifications file. [default: OUTPUT_DIR/.gridcollect]"),
    click.option("--prefix", "--s3-prefix", "prefix", default="sourcing", show_default=True,
                 envvar="GRIDCOLLECT_PREFIX", help="Key prefix, in the bucket or output dir."),
    click.option("--api-base-url", default=DEFAULT_API_BASE_URL, envvar="MISO_API_BASE_URL",
                 show_default=True, callback=_http_url, help="Base URL of the MISO public API."),
    click.option("--timeout", type=click.FloatRange(min=0.1, max=600), default=30.0,
                 show_default=True, help="HTTP timeout in seconds."),
    click.option("--max-retries", type=click.IntRange(0, 20), default=4, show_default=True,
                 help="Retries of 429/5xx/timeouts, with exponential backoff and jitter."),
    click.option("--max-response-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024,
                 show_default=True, help="Refuse responses larger than this."),
    click.option("--insecure", is_flag=True,
                 help="Turn TLS certificate verification off (testing only; warns)."),
    click.option("--s3-bucket", envvar="S3_BUCKET", callback=_bucket,
                 help="Store objects in this S3 bucket instead of local files."),
    click.option("--s3-endpoint-url", callback=_http_url,
                 help="S3-compatible endpoint (MinIO, LocalStack). Also AWS_ENDPOINT_URL_S3."),
    click.option("--aws-profile", envvar="AWS_PROFILE", help="AWS profile for S3."),
    click.option("--redis-url", envvar="REDIS_URL", callback=_redis_url,
                 help="Shared registry in Redis, e.g. redis://host:6379/0."),
    click.option("--redis-host", envvar="REDIS_HOST", help="Redis host (selects Redis)."),
    click.option("--redis-port", envvar="REDIS_PORT", type=click.IntRange(1, 65535),
                 help="Redis port (selects Redis).  [default: 6379]"),
    click.option("--redis-db", envvar="REDIS_DB", type=click.IntRange(0, 1_000_000),
                 help="Redis database number (selects Redis).  [default: 0]"),
    click.option("--kafka-connection-string", envvar="KAFKA_CONNECTION_STRING",
                 callback=_kafka, help="Announce stored objects on Kafka (see README)."),
    click.option("--kafka-topic", envvar="KAFKA_TOPIC", default=DEFAULT_KAFKA_TOPIC,
                 show_default=True, help="Topic when the connection string names none."),
    click.option("--kafka-timeout", type=click.FloatRange(min=0.5, max=600), default=30.0,
                 show_default=True,
                 help="Seconds to wait for Kafka's acknowledgement before keeping "
                      "notifications in the outbox."),
]

OPTION_NAMES = ("environment", "force", "skip_hash_check", "log_level", "log_format",
                "output_dir", "state_dir", "prefix", "api_base_url", "timeout",
                "max_retries", "max_response_bytes", "insecure", "s3_bucket",
                "s3_endpoint_url", "aws_profile", "redis_url", "redis_host", "redis_port",
                "redis_db", "kafka_connection_string", "kafka_topic", "kafka_timeout")


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command with every shared option."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return command


def settings_from(options: dict[str, Any]) -> Settings:
    """The settings object for the parsed shared options."""
    # Credentials the clients read from the environment must not be echoed either.
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SASL_PASSWORD"):
        register_secret(os.environ.get(name))
    redis_url = options["redis_url"]
    if redis_url is None and any(
        options[name] is not None for name in ("redis_host", "redis_port", "redis_db")
    ):
        host = options["redis_host"] or "localhost"
        redis_url = f"redis://{host}:{options['redis_port'] or 6379}/{options['redis_db'] or 0}"
    return Settings(
        http=HttpSettings(
            api_base_url=options["api_base_url"],
            timeout_seconds=options["timeout"],
            max_retries=options["max_retries"],
            max_response_bytes=options["max_response_bytes"],
            insecure=options["insecure"],
        ),
        backends=BackendSettings(
            output_dir=options["output_dir"],
            state_dir=options["state_dir"],
            prefix=options["prefix"],
            s3_bucket=options["s3_bucket"],
            s3_endpoint_url=options["s3_endpoint_url"],
            aws_profile=options["aws_profile"],
            redis_url=redis_url,
            kafka_connection_string=options["kafka_connection_string"],
            kafka_topic=options["kafka_topic"],
            kafka_timeout_seconds=options["kafka_timeout"],
        ),
        run=RunOptions(
            environment=options["environment"],
            force=options["force"],
            skip_hash_check=options["skip_hash_check"],
        ),
    )
