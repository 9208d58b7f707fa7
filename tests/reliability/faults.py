"""Faults injected at a chosen moment of a real run, from the test process."""

from __future__ import annotations

import threading
from collections.abc import Callable

from gridcollect.replay import Reply


def when_asked(fault: Callable[[], object], reply: Reply) -> Callable[[], Reply]:
    """A replay producer that injects ``fault`` as the first request arrives, then answers.

    The collector has opened (and checked) every backend by the time it asks its source,
    so this is how a backend "goes down mid-run" at a known point: after start-up,
    before the claim.
    """
    done = threading.Event()

    def produce() -> Reply:
        if not done.is_set():
            done.set()
            fault()
        return reply

    return produce
