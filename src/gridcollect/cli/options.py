"""Command-line options shared by every collect command, and their checks.

Each check turns a malformed value into a usage error (exit 2, one line) before
anything is fetched or stored.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, overload
from urllib.parse import SplitResult, unquote, urlsplit

import click

from .. import logs
from ..errors import ConfigurationError
from ..secrets import (
    mask_url,
    password_of,
    redact,
    register_environment_secrets,
    register_secret,
)
from ..settings import (
    DEFAULT_API_BASE_URL,
    DEFAULT_CLAIM_LEASE_SECONDS,
    DEFAULT_KAFKA_TOPIC,
    ONE_SHOT_KAFKA_TIMEOUT_SECONDS,
    WATCH_KAFKA_TIMEOUT_SECONDS,
    BackendSettings,
    HttpSettings,
    RunOptions,
    Settings,
)

ENVIRONMENTS = ("dev", "staging", "prod")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IPV4 = re.compile(r"^\d+\.\d+\.\d+\.\d+$")


def _shown(url: str) -> str:
    """``url`` as an error message may quote it: its password masked (by the last ``@``)."""
    return repr(redact(mask_url(url)))


def _check_userinfo(value: str) -> None:
    """Register the URL's password, and refuse one that URL parsers would split.

    A raw ``/``, ``?`` or ``#`` ends the authority for every URL parser (urllib,
    redis-py, urllib3), so the rest of such a password would be read as a host, port or
    path, and reach error messages in pieces no masking recognises; urllib3 cannot parse
    a raw ``\\`` at all.
    """
    password = password_of(value)
    register_secret(password)
    register_secret(unquote(password or ""))  # as clients send it
    if password is not None and any(c in password for c in "/?#\\"):
        raise click.BadParameter(
            f"{_shown(value)}: percent-encode '/', '?', '#' and '\\' in the password "
            "(%2F, %3F, %23, %5C)"
        )


def _check_port(value: str, parts: SplitResult) -> None:
    try:
        parts.port  # noqa: B018 - raises on a malformed or out-of-range port
    except ValueError:
        raise click.BadParameter(f"{_shown(value)} has an invalid port") from None


def _http_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    _check_userinfo(value)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{_shown(value)} is not an http(s) URL with a host")
    _check_port(value, parts)
    if parts.password:
        register_secret(parts.password)
    return value


def _redis_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    _check_userinfo(value)
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise click.BadParameter(f"{_shown(value)} is not a redis://, rediss:// or unix:// URL")
    _check_port(value, parts)
    if parts.scheme == "unix" and not parts.path:
        raise click.BadParameter(f"{_shown(value)} names no socket path")
    database = parts.path.strip("/")
    # redis-py quietly falls back to database 0 on a path it cannot read as a number.
    if parts.scheme != "unix" and database and not database.isdigit():
        raise click.BadParameter(f"{_shown(value)}: the database must be a number, "
                                 "as in redis://host:6379/0")
    if parts.password:
        register_secret(parts.password)
    return value


class UpperChoice(click.Choice[str]):
    """Choices written in capitals (as MISO and the README write them), accepted in any case."""

    def __init__(self, choices: tuple[str, ...]) -> None:
        super().__init__(choices, case_sensitive=False)

    def normalize_choice(self, choice: Any, ctx: click.Context | None) -> str:
        # Click casefolds; upper-case shows in --help and errors as the README spells it.
        return str(choice).upper()


_SERVICE_LINK = re.compile(r"^(tcp|udp)://")


def _redis_part(kind: click.ParamType[Any]) -> Callable[..., Any]:
    """Check --redis-host/--redis-port/--redis-db; their variables yield to REDIS_URL.

    Kubernetes sets ``REDIS_PORT=tcp://IP:PORT`` for a Service named ``redis``: with a
    Redis URL given that variable is ignored, and without one the error names it.
    """

    def check(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        variable = param.envvar if isinstance(param.envvar, str) else ""
        # Compared by value: click records a value's source only after this callback.
        from_environment = bool(variable) and os.environ.get(variable) == value
        if from_environment and (ctx.params.get("redis_url") or os.environ.get("REDIS_URL")):
            return None  # the URL says everything; these variables may be service links
        if from_environment and _SERVICE_LINK.match(value):
            raise click.BadParameter(
                f"{variable}={redact(value)!r} looks like a Kubernetes service link "
                f"(a Service named redis); set REDIS_URL, or enableServiceLinks: false "
                f"in the pod spec")
        return kind.convert(value, param, ctx)

    return check


def _seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    # FloatRange lets NaN through: every comparison with NaN is false.
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds")
    return value


def _directory(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    # An empty value would silently mean the current directory.
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("must not be empty (write . for the current directory)")
    return Path(value)


def _kafka(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if not value:
        return None
    from ..notifiers.kafka import parse_connection_string

    try:
        config = parse_connection_string(
            value, default_topic=DEFAULT_KAFKA_TOPIC, environ=os.environ
        )
    except (ConfigurationError, ValueError) as exc:
        raise click.BadParameter(redact(str(exc))) from None
    register_secret(config.password)
    return value


def _warn_insecure(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    # Said outside logging, so no --log-level can hide it.
    if value:
        click.echo("warning: TLS certificate verification is OFF (--insecure); "
                   "use it only for testing", err=True)
    return value


def _bucket(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and (
        not _BUCKET_NAME.match(value) or ".." in value or _IPV4.match(value)
    ):
        raise click.BadParameter(f"{value!r} is not a valid S3 bucket name")
    return value


def _topic(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from ..notifiers.kafka import topic_problem

    if (problem := topic_problem(value)) is not None:
        raise click.BadParameter(problem)
    return value


_OPTIONS: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
    click.option("--environment", type=click.Choice(ENVIRONMENTS), default="dev",
                 envvar="GRIDCOLLECT_ENVIRONMENT", show_default=True,
                 help="Deployment environment; part of every registry key."),
    click.option("--force", is_flag=True, help="Store even when the snapshot is a duplicate."),
    click.option("--skip-hash-check", is_flag=True,
                 help="Neither check nor record content hashes (every fetch is stored)."),
    click.option("--log-level", type=UpperChoice(LOG_LEVELS),
                 default="INFO", show_default=True),
    click.option("--log-format", type=click.Choice(("text", "json")), default="text",
                 show_default=True, help="Logs on stderr as plain text or JSON lines."),
    click.option("--output-dir", type=click.Path(file_okay=False), callback=_directory,
                 default="data", envvar="GRIDCOLLECT_OUTPUT_DIR", show_default=True,
                 help="Root of the local store (when no S3 bucket is given)."),
    click.option("--state-dir", type=click.Path(file_okay=False), callback=_directory,
                 envvar="GRIDCOLLECT_STATE_DIR", show_default="OUTPUT_DIR/.gridcollect",
                 help="Registry, outbox, notifications file."),
    click.option("--prefix", "--s3-prefix", "prefix", default="sourcing", show_default=True,
                 envvar="GRIDCOLLECT_PREFIX", help="Key prefix, in the bucket or output dir."),
    click.option("--api-base-url", default=DEFAULT_API_BASE_URL, envvar="MISO_API_BASE_URL",
                 show_default=True, callback=_http_url, help="Base URL of the MISO public API."),
    click.option("--timeout", type=click.FloatRange(min=0.1, max=600), default=30.0,
                 show_default=True, callback=_seconds,
                 help="Seconds each HTTP attempt may take in all: connecting, headers and "
                      "body."),
    click.option("--max-retries", type=click.IntRange(0, 20), default=4, show_default=True,
                 help="Retries of 429/5xx/timeouts, with exponential backoff and jitter."),
    click.option("--max-response-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024,
                 show_default=True, help="Refuse responses larger than this."),
    click.option("--insecure", is_flag=True, callback=_warn_insecure,
                 help="Turn TLS certificate verification off (testing only; warns)."),
    click.option("--s3-bucket", envvar="S3_BUCKET", callback=_bucket,
                 help="Store objects in this S3 bucket instead of local files."),
    click.option("--s3-endpoint-url", callback=_http_url,
                 help="S3-compatible endpoint (MinIO, LocalStack). Also AWS_ENDPOINT_URL_S3."),
    click.option("--aws-profile", envvar="AWS_PROFILE", help="AWS profile for S3."),
    click.option("--redis-url", envvar="REDIS_URL", callback=_redis_url,
                 help="Shared registry in Redis, e.g. redis://host:6379/0."),
    click.option("--redis-host", envvar="REDIS_HOST", callback=_redis_part(click.STRING),
                 help="Redis host (selects Redis; ignored with a Redis URL)."),
    click.option("--redis-port", envvar="REDIS_PORT", metavar="PORT",
                 callback=_redis_part(click.IntRange(1, 65535)), show_default="6379",
                 help="Redis port (selects Redis; ignored with a Redis URL)."),
    click.option("--redis-db", envvar="REDIS_DB", metavar="N",
                 callback=_redis_part(click.IntRange(0, 1_000_000)), show_default="0",
                 help="Redis database number (selects Redis; ignored with a Redis URL)."),
    click.option("--kafka-connection-string", envvar="KAFKA_CONNECTION_STRING",
                 callback=_kafka, help="Announce stored objects on Kafka (see README)."),
    click.option("--kafka-topic", envvar="KAFKA_TOPIC", default=DEFAULT_KAFKA_TOPIC,
                 show_default=True, callback=_topic,
                 help="Topic when the connection string names none."),
    click.option("--kafka-timeout", type=click.FloatRange(min=0.5, max=600),
                 envvar="GRIDCOLLECT_KAFKA_TIMEOUT", callback=_seconds,
                 help="Seconds each delivery waits for Kafka's acknowledgement before "
                      "keeping notifications in the outbox for a later run.  [default: "
                      f"{ONE_SHOT_KAFKA_TIMEOUT_SECONDS:g}; watch: "
                      f"{WATCH_KAFKA_TIMEOUT_SECONDS:g}]"),
    click.option("--claim-lease", type=click.FloatRange(min=5, max=86_400),
                 default=DEFAULT_CLAIM_LEASE_SECONDS, show_default=True,
                 envvar="GRIDCOLLECT_CLAIM_LEASE", callback=_seconds,
                 help="Seconds a claim on a snapshot stays valid without renewal; renewed "
                      "while its store is in flight. Other hosts take over a claim whose "
                      "lease ran out."),
]

OPTION_NAMES = ("environment", "force", "skip_hash_check", "log_level", "log_format",
                "output_dir", "state_dir", "prefix", "api_base_url", "timeout",
                "max_retries", "max_response_bytes", "insecure", "s3_bucket",
                "s3_endpoint_url", "aws_profile", "redis_url", "redis_host", "redis_port",
                "redis_db", "kafka_connection_string", "kafka_topic", "kafka_timeout",
                "claim_lease")


_Command = Callable[..., Any]


@overload
def common_options(command: _Command) -> _Command: ...


@overload
def common_options(*, without: Collection[str]) -> Callable[[_Command], _Command]: ...


def common_options(
    command: _Command | None = None, *, without: Collection[str] = ()
) -> _Command | Callable[[_Command], _Command]:
    """Decorate a command with every shared option but those named in ``without``
    (``@common_options`` or ``@common_options(without=(...))``)."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(_OPTIONS):
            if _option_name(option) not in without:
                command = option(command)
        return command

    return decorate if command is None else decorate(command)


def pop_shared(options: dict[str, Any]) -> dict[str, Any]:
    """Take every shared option out of a command's parsed ``options`` (one the command
    does not offer takes its default), and set logging up as they say."""
    defaults = _defaults()
    shared = {name: options.pop(name) if name in options else defaults[name]
              for name in OPTION_NAMES}
    logs.configure(shared["log_level"], shared["log_format"])
    return shared


@functools.cache
def _defaults() -> dict[str, Any]:
    found = {}
    for option in _OPTIONS:
        default = _option(option).default
        # Every default declared here is a plain value; click marks "none given" with a
        # sentinel object of its own (newer versions), which means None to the settings.
        plain = isinstance(default, str | int | float | bool)
        found[_option_name(option)] = default if plain else None
    return found


def settings_from(options: dict[str, Any], *, watching: bool = False) -> Settings:
    """The settings object for the parsed shared options; ``watching`` for ``watch``,
    which waits longer for Kafka than a one-shot run."""
    register_environment_secrets()
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
            kafka_timeout_seconds=_kafka_timeout(options["kafka_timeout"], watching),
            claim_lease_seconds=options["claim_lease"],
        ),
        run=RunOptions(
            environment=options["environment"],
            force=options["force"],
            skip_hash_check=options["skip_hash_check"],
        ),
    )


def _kafka_timeout(given: float | None, watching: bool) -> float:
    if given is not None:
        return given
    return WATCH_KAFKA_TIMEOUT_SECONDS if watching else ONE_SHOT_KAFKA_TIMEOUT_SECONDS


STORE_OPTION_NAMES = ("log_level", "log_format", "output_dir", "prefix", "s3_bucket",
                      "s3_endpoint_url", "aws_profile")


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a command that only reads the store with the shared store and log options."""
    return common_options(without=set(OPTION_NAMES) - set(STORE_OPTION_NAMES))(command)


def store_from(options: dict[str, Any]) -> tuple[Any, str]:
    """Take the store and log options out of ``options``: the store they name, and the
    checked key prefix."""
    from .. import keys
    from ..backends import open_store
    from ..settings import BackendSettings

    shared = {name: options.pop(name) for name in STORE_OPTION_NAMES}
    logs.configure(shared["log_level"], shared["log_format"])
    register_environment_secrets()
    settings = BackendSettings(
        output_dir=shared["output_dir"], prefix=shared["prefix"],
        s3_bucket=shared["s3_bucket"], s3_endpoint_url=shared["s3_endpoint_url"],
        aws_profile=shared["aws_profile"],
    )
    prefix = keys.check_prefix(settings.prefix)
    return open_store(settings), prefix


def _option_name(option: Callable[[Callable[..., Any]], Callable[..., Any]]) -> str:
    return str(_option(option).name)


def _option(option: Callable[[Callable[..., Any]], Callable[..., Any]]) -> click.Option:
    def probe() -> None: ...

    param: click.Option = option(probe).__click_params__[0]  # type: ignore[attr-defined]
    return param
