"""Who holds a claim: ``host:pid``, and whether that holder is known to be dead."""

from __future__ import annotations

import os
import socket
from functools import cache


@cache
def this_owner() -> str:
    """This process, as other workers see it in a claim."""
    return f"{socket.gethostname()}:{os.getpid()}"


def is_dead(owner: str) -> bool:
    """True only when ``owner`` is a process of this host that no longer exists.

    A holder on another host, or one we cannot judge, is presumed alive: its lease
    decides when the claim may be taken over.
    """
    host, _, pid_text = owner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and process_is_gone(pid)


def process_is_gone(pid: int) -> bool:
    """True when no process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False
