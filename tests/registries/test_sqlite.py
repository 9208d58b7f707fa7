"""The embedded SQLite registry."""

import sqlite3
import threading

import pytest

from gridcollect.errors import BackendUnavailable
from gridcollect.model import RegistryEntry
from gridcollect.registries import AlreadyRegistered, Busy, Claimed
from gridcollect.registries.sqlite import PURGE_BATCH, PURGE_INTERVAL_SECONDS, SqliteRegistry

ENTRY = RegistryEntry(location="file:///x", key="k", size=3, registered_at="2025-01-01T00:00:00")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_claim_wins_and_a_live_claim_is_busy(tmp_path):
    """A second claimer during the lease is told the digest is busy."""
    registry = SqliteRegistry(tmp_path / "r.db")
    assert isinstance(registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY), Claimed)
    assert registry.claim("h", key="k2", lease_seconds=60, ttl_seconds=600) == Busy("k")


def test_registered_digest_is_reported_with_its_entry(tmp_path):
    """After register, a claim sees the stored entry."""
    registry = SqliteRegistry(tmp_path / "r.db")
    claim = registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY)
    registry.register("h", ENTRY, ttl_seconds=600, token=claim.token)
    again = registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY)
    assert again == AlreadyRegistered(ENTRY)
    assert registry.lookup("h") == ENTRY


def test_expired_lease_is_taken_over_and_names_the_abandoned_key(tmp_path):
    """A claim whose worker died is taken over, telling which object it was writing."""
    clock = Clock()
    registry = SqliteRegistry(tmp_path / "r.db", clock=clock)
    registry.claim("h", key="first", lease_seconds=60, ttl_seconds=600)
    clock.now += 61
    outcome = registry.claim("h", key="second", lease_seconds=60, ttl_seconds=600)
    assert isinstance(outcome, Claimed) and outcome.abandoned_key == "first"


def test_entries_expire_after_their_ttl(tmp_path):
    """A registered digest is forgotten after the dataset's retention."""
    clock = Clock()
    registry = SqliteRegistry(tmp_path / "r.db", clock=clock)
    registry.register("h", ENTRY, ttl_seconds=10, token=None)
    clock.now += 11
    assert registry.lookup("h") is None
    assert isinstance(registry.claim("h", key="k", lease_seconds=1, ttl_seconds=10), Claimed)


def test_release_drops_only_our_claim(tmp_path):
    """Releasing with a stale token leaves another worker's claim alone."""
    registry = SqliteRegistry(tmp_path / "r.db")
    claim = registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY)
    registry.release("h", token="someone-else")
    assert isinstance(registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY), Busy)
    registry.release("h", token=claim.token)
    assert isinstance(registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY), Claimed)


def test_concurrent_claimers_on_separate_connections_get_one_winner(tmp_path):
    """Eight workers racing for one digest: exactly one claims it."""
    path = tmp_path / "r.db"
    SqliteRegistry(path).close()
    results = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        registry = SqliteRegistry(path)
        barrier.wait()
        results.append(registry.claim("h", key="k", lease_seconds=60, ttl_seconds=DAY))
        registry.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(isinstance(r, Claimed) for r in results) == 1
    assert sum(isinstance(r, Busy) for r in results) == 7


def test_a_live_claim_is_superseded_only_by_its_own_token(tmp_path):
    """Superseding needs the exact token of the claim being replaced."""
    registry = SqliteRegistry(tmp_path / "r.db")
    registry.claim("h", key="first", lease_seconds=60, ttl_seconds=600, owner="host:1")
    busy = registry.claim("h", key="second", lease_seconds=60, ttl_seconds=600)
    assert (busy.owner, bool(busy.token)) == ("host:1", True)
    stale = registry.claim("h", key="second", lease_seconds=60, ttl_seconds=600,
                           supersede="not-the-token")
    assert isinstance(stale, Busy)
    taken = registry.claim("h", key="second", lease_seconds=60, ttl_seconds=600,
                           supersede=busy.token)
    assert isinstance(taken, Claimed) and taken.abandoned_key == "first"


def test_many_threads_opening_a_new_registry_at_once_all_succeed(tmp_path):
    """Opening a brand-new state file from several threads never fails as locked."""
    path = tmp_path / "fresh.db"
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def opener() -> None:
        barrier.wait()
        try:
            registry = SqliteRegistry(path)
            registry.register(f"h{threading.get_ident()}", ENTRY, ttl_seconds=60, token=None)
            registry.close()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


def test_renewing_a_claim_pushes_its_lease_out(tmp_path):
    """A renewed claim is still busy after its first lease would have run out."""
    clock = Clock()
    registry = SqliteRegistry(tmp_path / "r.db", clock=clock)
    claim = registry.claim("h", key="k", lease_seconds=60, ttl_seconds=600)
    clock.now += 50
    assert registry.renew("h", token=claim.token, lease_seconds=60) is True
    clock.now += 50
    assert registry.claim("h", key="k2", lease_seconds=60, ttl_seconds=600) == Busy("k")
    assert [p.expired for p in registry.pending_claims("h")] == [False]


def test_renewal_fails_for_a_claim_that_is_not_ours(tmp_path):
    """A stale token, a claim taken over, or a registered entry: nothing renewed."""
    clock = Clock()
    registry = SqliteRegistry(tmp_path / "r.db", clock=clock)
    first = registry.claim("h", key="k", lease_seconds=60, ttl_seconds=600)
    clock.now += 61
    second = registry.claim("h", key="k2", lease_seconds=60, ttl_seconds=600)
    assert registry.renew("h", token=first.token, lease_seconds=60) is False
    registry.register("h", ENTRY, ttl_seconds=600, token=second.token)
    assert registry.renew("h", token=second.token, lease_seconds=60) is False
    assert registry.lookup("h") == ENTRY


def test_renewal_works_from_another_thread(tmp_path):
    """The lease keeper renews from a timer thread, not the thread that opened the file."""
    registry = SqliteRegistry(tmp_path / "r.db")
    claim = registry.claim("h", key="k", lease_seconds=60, ttl_seconds=600)
    results = []
    worker = threading.Thread(
        target=lambda: results.append(registry.renew("h", token=claim.token, lease_seconds=90))
    )
    worker.start()
    worker.join()
    assert results == [True]

DAY = 86400.0


def rows(path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT COUNT(*) FROM digests").fetchone()[0]
    finally:
        db.close()


def test_expired_rows_are_purged_a_bounded_batch_at_a_time(tmp_path):
    """Claiming deletes expired rows, at most PURGE_BATCH at once and once per interval."""
    clock = Clock()
    path = tmp_path / "r.db"
    registry = SqliteRegistry(path, clock=clock)
    registry._db.executemany(
        "INSERT INTO digests (name, state, key, expires_at) VALUES (?, 'registered', 'k', ?)",
        [(f"hash:dev:g:{n}", clock.now + 10) for n in range(PURGE_BATCH + 200)],
    )
    registry.register("hash:dev:g:kept", ENTRY, ttl_seconds=10_000, token=None)
    clock.now += 60

    later = SqliteRegistry(path, clock=clock)
    later.claim("hash:dev:g:new", key="k", lease_seconds=60, ttl_seconds=DAY)
    assert rows(path) == 200 + 2
    later.claim("hash:dev:g:other", key="k", lease_seconds=60, ttl_seconds=DAY)
    assert rows(path) == 200 + 3, "not again within the interval"
    clock.now += PURGE_INTERVAL_SECONDS
    later.claim("hash:dev:g:third", key="k", lease_seconds=60, ttl_seconds=DAY)
    assert rows(path) == 4
    assert later.lookup("hash:dev:g:kept") == ENTRY
    registry.close()
    later.close()


def test_an_empty_registry_file_is_refused(tmp_path):
    """An empty file is not quietly taken for a new registry: the history would be lost."""
    path = tmp_path / "registry.sqlite3"
    content = b""
    path.write_bytes(content)
    with pytest.raises(BackendUnavailable, match="holds no registry") as raised:
        SqliteRegistry(path)
    assert str(path) in str(raised.value)
    assert path.read_bytes() == content, "the file is left as it was"


def test_another_database_is_refused(tmp_path):
    """A SQLite file of something else is not turned into a registry."""
    path = tmp_path / "registry.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    with pytest.raises(BackendUnavailable, match="holds no registry"):
        SqliteRegistry(path)


def test_a_new_registry_leaves_no_temporary_file(tmp_path):
    """Creating a registry in a new directory works and leaves only its own files."""
    path = tmp_path / "new" / "registry.sqlite3"
    SqliteRegistry(path).close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["registry.sqlite3"]
    SqliteRegistry(path).close()
