"""Builds the store, registry and publisher that the settings ask for.

Embedded defaults need nothing installed; Redis, S3 and Kafka clients are imported
only when their option is used, so a plain run starts fast.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from . import keys
from .errors import ConfigurationError
from .notifiers import Publisher
from .notifiers.jsonl import JsonLinesPublisher
from .notifiers.outbox import Outbox
from .pipeline import Backends
from .registries import Registry
from .settings import BackendSettings
from .stores import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OpenBackends:
    """Backends ready for the pipeline, plus the publisher that drains the outbox."""

    backends: Backends
    publisher: Publisher

    def start_delivery(self) -> None:
        """Deliver what earlier runs left, and get the publisher connecting for this
        run's own notifications."""
        self.flush_outbox()
        self.publisher.connect()

    def flush_outbox(self, *, strict: bool = False) -> int:
        """Deliver waiting notifications; return how many are still pending.

        Notifications meant for another destination than this run's stay pending, with
        a warning; with ``strict`` (``gridcollect outbox flush``) they stop the flush
        with a :class:`ConfigurationError` naming where they wait to go.
        """
        outbox = self.backends.outbox
        if elsewhere := outbox.elsewhere():
            waiting = ", ".join(f"{count} for {where}" for where, count in elsewhere.items())
            problem = (f"the outbox {outbox.path} holds notifications meant for another "
                       f"destination ({waiting}), while this run delivers to "
                       f"{outbox.destination}")
            if strict:
                raise ConfigurationError(
                    f"{problem}: nothing delivered; flush again with the options of that "
                    "destination (--kafka-connection-string, --kafka-topic, --state-dir)"
                )
            log.warning("%s: they stay there until a run set up for it flushes them", problem)
        if outbox.pending():
            delivered = outbox.flush(self.publisher)
            if delivered:
                log.info("delivered %d notification(s) via %s", delivered,
                         self.publisher.describe())
        return outbox.pending()


@contextmanager
def open_backends(
    settings: BackendSettings, *, store: Store | None = None
) -> Iterator[OpenBackends]:
    """Open (and check) every backend; close them all on the way out.

    ``store``, if given, is used instead of opening another: the workers of a burst
    share one (stores are safe to share between threads; an S3 client costs about
    0.1 s of CPU to build), while each has its own registry and outbox connections.
    """
    prefix = keys.check_prefix(settings.prefix)
    state_dir = settings.resolved_state_dir
    with ExitStack() as stack:
        registry = _registry(settings)
        stack.callback(registry.close)
        registry.ping()
        store = store if store is not None else _store(settings)
        publisher = _publisher(settings)
        stack.callback(publisher.close)
        outbox = Outbox(state_dir / "outbox.sqlite3", destination=publisher.destination)
        stack.callback(outbox.close)
        log.debug("store: %s; registry: %s; notifications: %s",
                  store.describe(), registry.describe(), publisher.describe())
        yield OpenBackends(Backends(store, registry, outbox, prefix), publisher)


def _registry(settings: BackendSettings) -> Registry:
    if settings.redis_url:
        from .registries.redis import RedisRegistry

        return RedisRegistry.from_url(settings.redis_url)
    from .registries.sqlite import SqliteRegistry

    return SqliteRegistry(settings.resolved_state_dir / "registry.sqlite3")


def open_store(settings: BackendSettings) -> Store:
    """The store the settings name, checked; for readers that need no registry or outbox."""
    return _store(settings)


def _store(settings: BackendSettings) -> Store:
    if settings.s3_bucket:
        from .stores.s3 import S3Store

        s3 = S3Store(
            settings.s3_bucket, endpoint_url=settings.s3_endpoint_url,
            profile=settings.aws_profile,
        )
        s3.check()
        return s3
    from .stores.local import LocalStore

    return LocalStore(settings.output_dir)


def check_publisher(settings: BackendSettings) -> None:
    """Raise :class:`ConfigurationError` if the notifier's settings are unusable; for
    commands (``watch``) that check their setup before starting workers."""
    _publisher(settings).close()


def _publisher(settings: BackendSettings) -> Publisher:
    if settings.kafka_connection_string:
        from .notifiers.kafka import KafkaPublisher, parse_connection_string

        config = parse_connection_string(
            settings.kafka_connection_string, default_topic=settings.kafka_topic,
            environ=os.environ,
        )
        publisher = KafkaPublisher(
            config, delivery_timeout_seconds=settings.kafka_timeout_seconds
        )
        publisher.check()  # a setting librdkafka refuses stops the run before any fetch
        return publisher
    return JsonLinesPublisher(settings.resolved_state_dir / "notifications.jsonl")
