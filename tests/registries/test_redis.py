"""The Redis registry, against a real redis-server."""

import json
import threading
import time

import pytest

from gridcollect.digest import registry_key
from gridcollect.errors import BackendUnavailable
from gridcollect.model import RegistryEntry
from gridcollect.registries import AlreadyRegistered, Busy, Claimed
from gridcollect.registries.redis import RedisRegistry

NAME = registry_key("test", "miso_demo", "ab" * 32)
ENTRY = RegistryEntry(
    location="s3://bucket/sourcing/k.json.gz",
    key="sourcing/k.json.gz",
    size=123,
    registered_at="2025-01-01T00:00:00+00:00",
)
DAY = 86400.0
PASSWORD = "Sup3r-s3cret-pw"


@pytest.fixture
def registry(redis_db):
    registry = RedisRegistry.from_url(redis_db.url)
    yield registry
    registry.close()


def test_first_claim_is_stored_with_lease_and_retention_ttl(registry, redis_db):
    """A claim writes a JSON claim whose key expires with the retention, not the lease."""
    before = time.time()
    outcome = registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY)
    assert isinstance(outcome, Claimed) and outcome.abandoned_key is None
    client = redis_db.client()
    stored = json.loads(client.get(NAME))
    assert stored["state"] == "claimed"
    assert stored["token"] == outcome.token
    assert stored["key"] == "k1"
    assert before + 55 < stored["lease_until"] < time.time() + 65
    assert DAY * 1000 - 5000 < client.pttl(NAME) <= DAY * 1000


def test_live_claim_makes_other_claimers_busy_with_its_key(registry):
    """While the lease lasts, a second claimer is told which object the holder writes."""
    registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY)
    assert registry.claim(NAME, key="k2", lease_seconds=60, ttl_seconds=DAY) == Busy("k1")


def test_registered_entry_is_reported_and_expires_after_ttl(registry, redis_db):
    """register replaces the claim with the entry, with the given TTL; claims then see it."""
    claim = registry.claim(NAME, key=ENTRY.key, lease_seconds=60, ttl_seconds=60)
    registry.register(NAME, ENTRY, ttl_seconds=7 * DAY, token=claim.token)
    client = redis_db.client()
    assert json.loads(client.get(NAME)) == {"state": "registered", **ENTRY.as_dict()}
    assert 7 * DAY * 1000 - 5000 < client.pttl(NAME) <= 7 * DAY * 1000
    assert registry.lookup(NAME) == ENTRY
    assert registry.claim(NAME, key="other", lease_seconds=60, ttl_seconds=DAY) == (
        AlreadyRegistered(ENTRY)
    )


def test_lookup_ignores_claims_and_missing_names(registry):
    """Only registered entries are looked up; a claim is not an entry."""
    assert registry.lookup(NAME) is None
    registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY)
    assert registry.lookup(NAME) is None


def test_entries_lists_registered_names_under_a_prefix(registry):
    """entries() yields registered digests under the prefix, never claims or other prefixes."""
    registry.register(NAME, ENTRY, ttl_seconds=DAY, token=None)
    registry.claim(NAME[:-1] + "0", key="k", lease_seconds=60, ttl_seconds=DAY)
    registry.register("hash:prod:miso_demo:ff", ENTRY, ttl_seconds=DAY, token=None)
    assert list(registry.entries("hash:test:")) == [(NAME, ENTRY)]


def test_entry_disappears_when_its_ttl_runs_out(registry):
    """A registered digest is forgotten after its retention, so it can be stored again."""
    registry.register(NAME, ENTRY, ttl_seconds=0.2, token=None)
    time.sleep(0.4)
    assert registry.lookup(NAME) is None
    assert isinstance(registry.claim(NAME, key="k", lease_seconds=60, ttl_seconds=DAY), Claimed)


def test_release_drops_only_our_own_claim(registry):
    """release with a stranger's token leaves the claim; with ours, the digest is free."""
    claim = registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY)
    registry.release(NAME, token="not-the-token")
    assert registry.claim(NAME, key="k2", lease_seconds=60, ttl_seconds=DAY) == Busy("k1")
    registry.release(NAME, token=claim.token)
    outcome = registry.claim(NAME, key="k2", lease_seconds=60, ttl_seconds=DAY)
    assert isinstance(outcome, Claimed) and outcome.abandoned_key is None


def test_release_never_deletes_a_registered_entry(registry):
    """A late release after registration keeps the entry."""
    claim = registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY)
    registry.register(NAME, ENTRY, ttl_seconds=DAY, token=claim.token)
    registry.release(NAME, token=claim.token)
    assert registry.lookup(NAME) == ENTRY


def test_expired_lease_is_taken_over_and_names_the_abandoned_key(registry):
    """A claim whose lease ran out goes to the next claimer, who learns the old object key."""
    first = registry.claim(NAME, key="first", lease_seconds=0.2, ttl_seconds=DAY)
    time.sleep(0.35)
    second = registry.claim(NAME, key="second", lease_seconds=60, ttl_seconds=DAY)
    assert isinstance(second, Claimed)
    assert second.abandoned_key == "first"
    assert second.token != first.token
    registry.release(NAME, token=first.token)  # the old worker's late release is ignored
    assert registry.claim(NAME, key="third", lease_seconds=60, ttl_seconds=DAY) == Busy("second")


def test_unreadable_value_is_overwritten_by_a_claim(registry, redis_db):
    """A value that is not a registry record does not block the digest forever."""
    redis_db.client().set(NAME, "not json")
    outcome = registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY)
    assert isinstance(outcome, Claimed) and outcome.abandoned_key is None


def test_concurrent_claims_on_one_digest_have_exactly_one_winner(redis_db):
    """Many threads with their own connections claim one digest: one Claimed, rest Busy."""
    registries = [RedisRegistry.from_url(redis_db.url) for _ in range(8)]
    barrier = threading.Barrier(len(registries))
    outcomes = []

    def claim(registry, n):
        barrier.wait(timeout=10)
        outcomes.append(registry.claim(NAME, key=f"k{n}", lease_seconds=60, ttl_seconds=DAY))

    threads = [threading.Thread(target=claim, args=(r, n)) for n, r in enumerate(registries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=15)
    winners = [o for o in outcomes if isinstance(o, Claimed)]
    assert len(outcomes) == len(registries)
    assert len(winners) == 1
    winning_key = json.loads(redis_db.client().get(NAME))["key"]
    assert all(o == Busy(winning_key) for o in outcomes if not isinstance(o, Claimed))
    for registry in registries:
        registry.close()


def test_describe_masks_the_password(start_redis_server):
    """describe() names the server but never the password of the URL."""
    server = start_redis_server(password=PASSWORD)
    registry = RedisRegistry.from_url(server.url)
    registry.ping()
    assert PASSWORD not in registry.describe()
    assert f"{server.host}:{server.port}" in registry.describe()
    assert "***" in registry.describe()


def test_wrong_password_is_one_clear_line_without_the_password(start_redis_server):
    """Refused credentials say so, naming host:port and not the password tried."""
    server = start_redis_server(password=PASSWORD)
    url = f"redis://default:wrong-{PASSWORD}@{server.host}:{server.port}/0"
    with pytest.raises(BackendUnavailable) as caught:
        RedisRegistry.from_url(url).ping()
    message = str(caught.value)
    assert "credentials" in message
    assert f"{server.host}:{server.port}" in message
    assert PASSWORD not in message and "\n" not in message


def test_unreachable_redis_fails_fast_naming_host_and_port(start_redis_server):
    """With the server down, ping and claim raise BackendUnavailable quickly and secret-free."""
    server = start_redis_server(password=PASSWORD)
    registry = RedisRegistry.from_url(server.url)
    registry.ping()
    server.stop()
    started = time.monotonic()
    for call in (
        registry.ping,
        lambda: registry.claim(NAME, key="k", lease_seconds=60, ttl_seconds=DAY),
        lambda: registry.lookup(NAME),
    ):
        with pytest.raises(BackendUnavailable) as caught:
            call()
        message = str(caught.value)
        assert f"cannot reach Redis at {server.host}:{server.port}" in message
        assert PASSWORD not in message and "\n" not in message
    assert time.monotonic() - started < 10


def test_registry_recovers_when_redis_comes_back(start_redis_server):
    """After an outage the same registry object works again without being rebuilt."""
    server = start_redis_server()
    registry = RedisRegistry.from_url(server.url)
    registry.ping()
    server.stop()
    with pytest.raises(BackendUnavailable):
        registry.ping()
    server.start()
    assert isinstance(registry.claim(NAME, key="k", lease_seconds=60, ttl_seconds=DAY), Claimed)


def test_a_live_claim_is_superseded_only_by_its_own_token(redis_db):
    """Superseding needs the exact token of the claim being replaced; owner is reported."""
    registry = RedisRegistry.from_url(redis_db.url)
    registry.claim(NAME, key="first", lease_seconds=60, ttl_seconds=DAY, owner="host:1")
    busy = registry.claim(NAME, key="second", lease_seconds=60, ttl_seconds=DAY)
    assert (busy.owner, bool(busy.token)) == ("host:1", True)
    assert isinstance(registry.claim(NAME, key="second", lease_seconds=60, ttl_seconds=DAY,
                                     supersede="not-the-token"), Busy)
    taken = registry.claim(NAME, key="second", lease_seconds=60, ttl_seconds=DAY,
                           supersede=busy.token)
    assert isinstance(taken, Claimed) and taken.abandoned_key == "first"


def test_open_claims_are_indexed_until_registered_or_released(redis_db):
    """pending_claims lists open claims; register and release take them off the index."""
    registry = RedisRegistry.from_url(redis_db.url)
    prefix = NAME.rpartition(":")[0] + ":"
    other = prefix + "cd" * 32
    first = registry.claim(NAME, key="k1", lease_seconds=60, ttl_seconds=DAY, owner="h:1")
    registry.claim(other, key="k2", lease_seconds=-1, ttl_seconds=DAY, owner="h:2")
    pending = {p.name: p for p in registry.pending_claims(prefix)}
    assert set(pending) == {NAME, other}
    assert not pending[NAME].expired and pending[other].expired
    assert (pending[NAME].key, pending[NAME].owner, pending[NAME].token) == ("k1", "h:1",
                                                                             first.token)
    entry = RegistryEntry(location="s3://b/k1", key="k1", size=1, registered_at="t")
    registry.register(NAME, entry, ttl_seconds=DAY, token=first.token)
    registry.release(other, token=pending[other].token)
    assert registry.pending_claims(prefix) == []


def test_renewing_a_claim_pushes_its_lease_out_and_keeps_its_retention(registry, redis_db):
    """A renewed claim outlives its first lease; its retention TTL and index entry follow."""
    claim = registry.claim(NAME, key="k1", lease_seconds=0.3, ttl_seconds=DAY)
    assert registry.renew(NAME, token=claim.token, lease_seconds=60) is True
    time.sleep(0.45)
    assert registry.claim(NAME, key="k2", lease_seconds=60, ttl_seconds=DAY) == Busy("k1")
    client = redis_db.client()
    assert DAY * 1000 - 5000 < client.pttl(NAME) <= DAY * 1000
    assert [p.expired for p in registry.pending_claims(NAME.rpartition(":")[0] + ":")] == [False]


def test_renewal_fails_for_a_claim_that_is_not_ours(registry):
    """A stale token, a claim taken over, or an entry already registered: nothing renewed."""
    first = registry.claim(NAME, key="k1", lease_seconds=0.2, ttl_seconds=DAY)
    time.sleep(0.35)
    second = registry.claim(NAME, key="k2", lease_seconds=60, ttl_seconds=DAY)
    assert registry.renew(NAME, token=first.token, lease_seconds=60) is False
    registry.register(NAME, ENTRY, ttl_seconds=DAY, token=second.token)
    assert registry.renew(NAME, token=second.token, lease_seconds=60) is False
    assert registry.lookup(NAME) == ENTRY
    assert registry.renew("hash:test:nothing:here", token="x", lease_seconds=60) is False
