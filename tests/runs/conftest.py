"""Fixtures shared by the tests of runs: a replay server standing in for MISO."""

from collections.abc import Iterator

import pytest

from gridcollect.replay import ReplayServer


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    """An empty replay server on loopback; each test sets its routes."""
    with ReplayServer() as srv:
        yield srv
