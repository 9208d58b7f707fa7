"""The content digest deduplication is keyed on."""

import math

import pytest

from gridcollect.digest import canonical_json, registry_key, sha256_of


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
