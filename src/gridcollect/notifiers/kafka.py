"""Kafka notifications: the connection string, and a publisher that waits for every ack.

Connection strings take two forms; both may carry ``/topic`` and ``?options``::

    kafka://[user:password@]host:port[,host:port...][/topic][?option=value&...]
    [user:password@]host:port[,host:port...]

Options: ``security_protocol`` (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL),
``sasl_mechanism`` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), ``ssl_ca_location`` and
``X_sasl_file`` (a JSON file holding ``username``/``password``, or ``sasl.username``/
``sasl.password``). Credentials are taken, field by field, from the string, then that
file, then ``SASL_USERNAME``/``SASL_PASSWORD`` in the environment.

With credentials and no ``security_protocol`` we choose ``SASL_SSL`` with ``PLAIN``:
sending a password over an unencrypted connection must be asked for explicitly
(``security_protocol=SASL_PLAINTEXT``). Without credentials the default is ``PLAINTEXT``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from ..errors import ConfigurationError, NotifierUnavailable
from ..secrets import MASK, mask_url, scrub, split_url
from . import Notification

log = logging.getLogger(__name__)

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
OPTIONS = ("security_protocol", "sasl_mechanism", "ssl_ca_location", "X_sasl_file")
DEFAULT_MESSAGE_TIMEOUT_MS = 30_000

_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")
_TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


@dataclass(frozen=True, slots=True, repr=False)
class KafkaConfig:
    """Where and how to publish; ``repr`` and ``masked()`` never show the password."""

    bootstrap_servers: tuple[str, ...]
    topic: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    username: str | None = None
    password: str | None = None
    ssl_ca_location: str | None = None
    message_timeout_ms: int = DEFAULT_MESSAGE_TIMEOUT_MS

    def producer_config(self) -> dict[str, Any]:
        """Settings for ``confluent_kafka.Producer``: idempotent, acknowledged by all replicas."""
        config: dict[str, Any] = {
            "bootstrap.servers": ",".join(self.bootstrap_servers),
            "client.id": "gridcollect",
            "enable.idempotence": True,
            "acks": "all",
            "message.timeout.ms": self.message_timeout_ms,
            "socket.connection.setup.timeout.ms": min(self.message_timeout_ms, 10_000),
            "linger.ms": 5,
            "security.protocol": self.security_protocol.lower(),
        }
        if self.sasl_mechanism:
            config["sasl.mechanism"] = self.sasl_mechanism
        if self.username is not None:
            config["sasl.username"] = self.username
            config["sasl.password"] = self.password or ""
        if self.ssl_ca_location:
            config["ssl.ca.location"] = self.ssl_ca_location
        return config

    def masked(self) -> str:
        """The configuration as a ``kafka://`` URL that is safe to log."""
        auth = f"{self.username}:{MASK}@" if self.username is not None else ""
        options = [f"security_protocol={self.security_protocol}"]
        if self.sasl_mechanism:
            options.append(f"sasl_mechanism={self.sasl_mechanism}")
        hosts = ",".join(self.bootstrap_servers)
        return f"kafka://{auth}{hosts}/{self.topic}?{'&'.join(options)}"

    def __repr__(self) -> str:
        return f"KafkaConfig({self.masked()!r})"


def parse_connection_string(
    value: str, *, default_topic: str, environ: Mapping[str, str]
) -> KafkaConfig:
    """Parse a connection string (see the module docs); errors show it masked."""
    shown = mask_url(value.strip())

    def fail(problem: str) -> ConfigurationError:
        return ConfigurationError(f"bad Kafka connection string {shown!r}: {problem}")

    # Split as mask_url does, so whatever parses as the password is what gets masked.
    scheme, userinfo, rest = split_url(value.strip())
    if scheme and scheme.lower() != "kafka://":
        raise fail(f"scheme must be kafka://, not {scheme}")
    rest, _, query = rest.partition("?")
    hosts, _, topic = rest.partition("/")
    username = password = None
    if userinfo is not None:
        raw_user, colon, raw_password = userinfo.partition(":")
        username = unquote(raw_user) or None
        password = unquote(raw_password) if colon else None

    servers = tuple(h.strip() for h in hosts.split(",") if h.strip())
    if not servers:
        raise fail("no host:port given")
    for server in servers:
        match = _HOST_PORT.match(server)
        if not match or not 0 < int(match["port"]) < 65536:
            raise fail(f"{scrub(server, password)!r} is not host:port")
    topic = unquote(topic.strip("/")) or default_topic
    if (problem := topic_problem(topic)) is not None:
        raise fail(problem)

    options = _options(query, fail)
    file_user, file_password = _sasl_file(options.get("x_sasl_file"), fail)
    username = username or file_user or environ.get("SASL_USERNAME") or None
    password = password or file_password or environ.get("SASL_PASSWORD") or None
    if (username is None) != (password is None):
        raise fail("SASL needs both a username and a password; only one was found")

    protocol = (options.get("security_protocol") or "").upper()
    protocol = protocol or ("SASL_SSL" if username else "PLAINTEXT")
    if protocol not in PROTOCOLS:
        raise fail(f"security_protocol must be one of {', '.join(PROTOCOLS)}")
    mechanism = (options.get("sasl_mechanism") or "").upper() or None
    if protocol.startswith("SASL_"):
        mechanism = mechanism or "PLAIN"
        if mechanism not in MECHANISMS:
            raise fail(f"sasl_mechanism must be one of {', '.join(MECHANISMS)}")
        if username is None:
            raise fail(f"{protocol} needs credentials (in the string, X_sasl_file or SASL_*)")
    elif username is not None or mechanism:
        raise fail(f"credentials or sasl_mechanism given, but {protocol} does not use SASL")

    return KafkaConfig(
        bootstrap_servers=servers,
        topic=topic,
        security_protocol=protocol,
        sasl_mechanism=mechanism,
        username=username,
        password=password,
        ssl_ca_location=options.get("ssl_ca_location"),
    )


def topic_problem(topic: str) -> str | None:
    """What is wrong with ``topic`` as a Kafka topic name, or ``None``."""
    if not _TOPIC.match(topic):
        return f"topic {topic!r} may only use letters, digits, '.', '_' and '-'"
    return None


def _options(query: str, fail: Any) -> dict[str, str]:
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        key = name.lower().replace(".", "_")
        if key not in (option.lower() for option in OPTIONS):
            raise fail(f"unknown option {name!r}; known: {', '.join(OPTIONS)}")
        options[key] = value
    return options


def _sasl_file(path: str | None, fail: Any) -> tuple[str | None, str | None]:
    if not path:
        return None, None
    try:
        data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"cannot read X_sasl_file {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise fail(f"X_sasl_file {path} is not valid JSON") from None
    if not isinstance(data, dict):
        raise fail(f"X_sasl_file {path} must hold a JSON object")
    username = data.get("username", data.get("sasl.username"))
    password = data.get("password", data.get("sasl.password"))
    if not all(v is None or isinstance(v, str) for v in (username, password)):
        raise fail(f"X_sasl_file {path}: username and password must be strings")
    return username or None, password or None


# Producer settings librdkafka has accepted in this process: checked once each.
_ACCEPTED: set[tuple[KafkaConfig, float]] = set()
_ACCEPTED_LOCK = threading.Lock()


class KafkaPublisher:
    """Publishes notifications and returns only when the broker acknowledged every one."""

    def __init__(self, config: KafkaConfig, *, delivery_timeout_seconds: float = 30) -> None:
        try:
            import confluent_kafka
        except ImportError:
            raise ConfigurationError(
                "Kafka notifications need confluent-kafka: pip install 'gridcollect[kafka]'"
            ) from None
        self._kafka = confluent_kafka
        self.config = config
        self.delivery_timeout_seconds = delivery_timeout_seconds
        # Brokers and topic: what decides where a message lands (credentials do not).
        self.destination = f"kafka:{','.join(config.bootstrap_servers)}/{config.topic}"
        self._producer_settings = {
            **config.producer_config(),
            # A message not acknowledged in time fails in its delivery report, so one
            # flush slightly longer than this sees the fate of every message.
            "message.timeout.ms": max(1, round(delivery_timeout_seconds * 1000)),
            "socket.connection.setup.timeout.ms": max(
                1000, min(10_000, round(delivery_timeout_seconds * 1000))
            ),
            "logger": _DebugOnly(logging.getLogger("gridcollect.librdkafka")),
            # Connection and authentication problems arrive here, not in delivery reports.
            "error_cb": self._remember_error,
        }
        self._last_error: str | None = None
        self._producer: Any = None
        self._lock = threading.Lock()

    def publish(self, notifications: Sequence[Notification]) -> None:
        """Deliver all ``notifications``; raise ``NotifierUnavailable`` unless all are acked."""
        if not notifications:
            return
        with self._lock:
            producer = self._producer_or_new()
            self._last_error = None
            failures: list[Any] = []

            def on_delivery(error: Any, _message: Any) -> None:
                if error is not None:
                    failures.append(error)

            try:
                for notification in notifications:
                    self._produce(producer, notification, on_delivery)
                remaining = producer.flush(self.delivery_timeout_seconds + 2)
            except (self._kafka.KafkaException, BufferError) as exc:
                self._discard_producer()
                raise self._unavailable(f"produce failed: {_reason(exc)}") from None
            if failures or remaining:
                # A fresh producer next time: it reconnects at once (no backoff left over
                # from the outage) and its new idempotence state cannot be poisoned by what
                # failed here. The outbox sends the undelivered notifications again.
                self._discard_producer()
                reason = _reason(failures[0]) if failures else "no acknowledgement in time"
                if self._last_error:
                    reason += f" (last error: {self._last_error})"
                undelivered = len(failures) + remaining
                raise self._unavailable(
                    f"{undelivered} of {len(notifications)} notifications not delivered "
                    f"within {self.delivery_timeout_seconds:g}s: {reason}"
                )

    def check(self) -> None:
        """Raise :class:`ConfigurationError` unless librdkafka accepts these settings
        (a CA file that cannot be read, say), before a run fetches or stores anything.

        The trial producer knows no broker, so nothing connects; each configuration is
        tried once per process, since a burst opens one publisher per worker.
        """
        identity = (self.config, self.delivery_timeout_seconds)
        with _ACCEPTED_LOCK:
            if identity in _ACCEPTED:
                return
        trial = {key: value for key, value in self._producer_settings.items()
                 if key not in ("bootstrap.servers", "error_cb")}
        trial["logger"] = _DebugOnly(logging.getLogger("gridcollect.librdkafka"))
        self._new_producer(trial)  # dropped at once: it never had a broker to talk to
        with _ACCEPTED_LOCK:
            _ACCEPTED.add(identity)

    def connect(self) -> None:
        """Create the producer now: an idempotent one needs about half a second to get
        its producer id before its first message goes out, time a run can spend on its
        work instead. A bad configuration is reported by :meth:`publish`."""
        with self._lock, contextlib.suppress(ConfigurationError):
            self._producer_or_new()

    def close(self) -> None:
        """Give queued messages a few seconds, then let the producer go."""
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            producer.flush(min(self.delivery_timeout_seconds, 5))

    def describe(self) -> str:
        """Where notifications go, with the password masked."""
        return f"kafka {self.config.masked()}"

    def _producer_or_new(self) -> Any:
        if self._producer is None:
            self._producer = self._new_producer(self._producer_settings)
        return self._producer

    def _new_producer(self, settings: dict[str, Any]) -> Any:
        try:
            return self._kafka.Producer(settings)
        except (self._kafka.KafkaException, ValueError, TypeError) as exc:
            reason = " ".join(scrub(_reason(exc), self.config.password).split())
            raise ConfigurationError(
                f"Kafka at {self.config.masked()} refuses this configuration: {reason}"
            ) from None

    def _produce(self, producer: Any, notification: Notification, on_delivery: Any) -> None:
        for _ in range(100):  # a full local queue drains as the broker acks; bounded
            try:
                producer.produce(
                    self.config.topic,
                    key=notification.urn.encode(),
                    value=notification.to_json(),
                    on_delivery=on_delivery,
                )
                return
            except BufferError:
                producer.poll(0.1)
        raise BufferError("the local produce queue stayed full")

    def _remember_error(self, error: Any) -> None:
        self._last_error = _reason(error)

    def _discard_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.purge()  # drop what is still queued; flush(0) only serves callbacks
            producer.flush(0)

    def _unavailable(self, reason: str) -> NotifierUnavailable:
        text = " ".join(scrub(reason, self.config.password).split())
        return NotifierUnavailable(f"Kafka at {self.config.masked()}: {text}")


def _reason(error: Any) -> str:
    """The readable part of a KafkaError, a KafkaException wrapping one, or anything else."""
    inner = error.args[0] if isinstance(error, Exception) and error.args else error
    text = inner.str() if hasattr(inner, "str") and callable(inner.str) else str(inner)
    return str(text)


class _DebugOnly:
    """Routes librdkafka's log to DEBUG: it reports every reconnect attempt as an error,
    while the outcome that matters reaches the user once, as NotifierUnavailable."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def log(self, _level: int, message: str, *args: Any, **_kwargs: Any) -> None:
        self._logger.debug(message, *args)
