"""Shared options turned into settings: defaults that depend on the command."""

import click
import pytest

from gridcollect.cli.options import (
    OPTION_NAMES,
    STORE_OPTION_NAMES,
    common_options,
    settings_from,
)


def parsed(*args: str, watching: bool = False):
    @click.command()
    @common_options
    def command(**options):
        return settings_from(options, watching=watching)

    return command.main(list(args), standalone_mode=False)


def test_a_one_shot_run_waits_5_seconds_for_kafka_and_watch_30():
    """One-shot runs leave an absent broker to the outbox soon; watch is patient."""
    assert parsed().backends.kafka_timeout_seconds == 5
    assert parsed(watching=True).backends.kafka_timeout_seconds == 30
    assert parsed("--kafka-timeout", "12", watching=True).backends.kafka_timeout_seconds == 12


def test_the_claim_lease_comes_from_the_option_or_the_environment(monkeypatch):
    """--claim-lease and GRIDCOLLECT_CLAIM_LEASE set the lease; 120 s by default."""
    assert parsed().backends.claim_lease_seconds == 120
    assert parsed("--claim-lease", "300").backends.claim_lease_seconds == 300
    monkeypatch.setenv("GRIDCOLLECT_CLAIM_LEASE", "45")
    assert parsed().backends.claim_lease_seconds == 45


def test_a_lease_too_short_to_renew_is_refused():
    """A lease under 5 s could run out between two renewals."""
    with pytest.raises(click.BadParameter):
        parsed("--claim-lease", "1")


def test_store_commands_offer_the_store_and_log_options_only():
    """export, plot, query and tables sync take where the store is and how to log, in the
    order the collect commands list them, and nothing about fetching or Kafka."""
    from gridcollect.cli import cli

    for path in (("export",), ("plot",), ("query",), ("tables", "sync")):
        command = cli
        for name in path:
            command = command.commands[name]
        shared = [p.name for p in command.params if p.name in OPTION_NAMES]
        assert shared == list(STORE_OPTION_NAMES), path
