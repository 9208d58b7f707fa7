"""The content digest deduplication is keyed on."""

import math

import pytest

from gridcollect.digest import canonical_json, registry_key, sha256_in, sha256_of
from gridcollect.registries import claim_index
from gridcollect.registries.redis import RedisRegistry
from gridcollect.registries.sqlite import SqliteRegistry


def test_key_order_and_whitespace_do_not_change_the_digest():
    """Equal JSON values have equal digests."""
    assert sha256_of({"a": 1, "b": [1, 2]}) == sha256_of({"b": [1, 2], "a": 1})


def test_any_value_change_changes_the_digest():
    """A changed number is a new snapshot."""
    assert sha256_of({"a": 1}) != sha256_of({"a": 2})


def test_non_finite_numbers_cannot_be_hashed():
    """NaN has no canonical JSON form."""
    with pytest.raises(ValueError):
        canonical_json({"a": math.nan})


def test_registry_key_layout():
    """Registry keys are hash:{environment}:{dgroup}:{sha256}."""
    assert registry_key("dev", "grp", "ab") == "hash:dev:grp:ab"


def test_registry_key_with_parameter_values_names_them_after_the_digest():
    """Parameter values are part of the scope: sorted, percent-encoded, after a ``?``;
    none given (or only empty ones) keeps the key every existing registry holds."""
    assert registry_key("dev", "grp", "ab", {}) == "hash:dev:grp:ab"
    assert registry_key("dev", "grp", "ab", {"region": ""}) == "hash:dev:grp:ab"
    assert registry_key("dev", "grp", "ab", {"region": "SOUTH"}) == "hash:dev:grp:ab?region=SOUTH"
    assert (registry_key("dev", "grp", "ab", {"z": "1", "a": "x:y/z"})
            == "hash:dev:grp:ab?a=x%3Ay%2Fz&z=1")
    assert registry_key("dev", "grp", "ab", {"region": "SOUTH"}) != registry_key(
        "dev", "grp", "ab", {"region": "NORTH"})


@pytest.mark.parametrize("params", [{}, {"region": "SOUTH"}, {"a": "x:y?z"}])
def test_the_digest_and_the_claim_index_are_read_back_from_any_key(params):
    """Recovery reads the digest from the key; Redis files every claim of a dataset in one
    index, whatever its parameter values."""
    name = registry_key("dev", "grp", "ab" * 32, params)
    assert sha256_in(name) == "ab" * 32
    assert claim_index(name) == claim_index(registry_key("dev", "grp", "")) == "claims:dev:grp"


@pytest.mark.parametrize("kind", ["sqlite", "redis"])
def test_a_claim_with_parameter_values_is_pending_under_its_dataset(kind, tmp_path, request):
    """Recovery of a dataset finds the open claims of every parameter value."""
    if kind == "redis":
        registry = RedisRegistry.from_url(request.getfixturevalue("redis_db").url)
    else:
        registry = SqliteRegistry(tmp_path / "registry.sqlite3")
    name = registry_key("dev", "grp", "ab" * 32, {"region": "SOUTH"})
    registry.claim(name, key="k", lease_seconds=-1, ttl_seconds=60, owner="elsewhere:1")
    [pending] = registry.pending_claims(registry_key("dev", "grp", ""))
    assert pending.name == name and sha256_in(pending.name) == "ab" * 32
