"""One settings object, built by the CLI from options and environment, read by the core."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Limits of a burst (collect_many, the collect command): snapshots in flight, and
# worker processes they are spread over.
MAX_CONCURRENCY = 64
MAX_PROCESSES = 16

DEFAULT_API_BASE_URL = "https://public-api.misoenergy.org/api"
DEFAULT_KAFKA_TOPIC = "gridcollect.objects"

# How long a delivery waits for Kafka's acknowledgement before leaving the notification
# in the outbox: a one-shot run (cron) should end soon, the next run delivers; a watch
# has nothing better to do than wait out a short broker hiccup.
ONE_SHOT_KAFKA_TIMEOUT_SECONDS = 5.0
WATCH_KAFKA_TIMEOUT_SECONDS = 30.0
# A claim's lease: how long other hosts wait before judging its worker dead. It is
# renewed while a store is in flight, so it need not cover a slow store.
DEFAULT_CLAIM_LEASE_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """How the one HTTP client behaves."""

    api_base_url: str = DEFAULT_API_BASE_URL
    timeout_seconds: float = 30.0
    max_retries: int = 4
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    max_response_bytes: int = 64 * 1024 * 1024
    insecure: bool = False


@dataclass(frozen=True, slots=True)
class BackendSettings:
    """Which store, registry and notifier to use. ``None`` means the embedded default."""

    output_dir: Path = Path("data")
    state_dir: Path | None = None
    prefix: str = "sourcing"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    aws_profile: str | None = None
    redis_url: str | None = None
    kafka_connection_string: str | None = None
    kafka_topic: str = DEFAULT_KAFKA_TOPIC
    kafka_timeout_seconds: float = ONE_SHOT_KAFKA_TIMEOUT_SECONDS
    claim_lease_seconds: float = DEFAULT_CLAIM_LEASE_SECONDS

    @property
    def resolved_state_dir(self) -> Path:
        return self.state_dir if self.state_dir is not None else self.output_dir / ".gridcollect"


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Per-run switches of the pipeline."""

    environment: str = "dev"
    force: bool = False
    skip_hash_check: bool = False


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a collect command needs."""

    http: HttpSettings = HttpSettings()
    backends: BackendSettings = BackendSettings()
    run: RunOptions = RunOptions()
