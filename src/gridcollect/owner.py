"""Who holds a claim, and whether that holder is provably dead.

An owner reads ``host:pid pidns=<inode> boot=<id>``. The host name alone does not say
which processes a PID names: containers sharing the host's network (``hostNetwork``,
``--network host``) share its name but each has its own PID namespace, and PIDs start
again after a reboot. So a holder is judged from here only when its host name, PID
namespace (the inode of ``/proc/self/ns/pid``) and boot (``/proc/sys/kernel/random/boot_id``)
all equal ours; any other holder, including one written in the older ``host:pid`` form,
is presumed alive and its lease decides. Where ``/proc`` is missing (not Linux) the two
fields are left out on both sides, and host and PID decide, as they always did there.
"""

from __future__ import annotations

import contextlib
import os
import socket
from functools import cache
from pathlib import Path

_PROC = Path("/proc")


@cache
def this_owner() -> str:
    """This process, as other workers see it in a claim (a forked child clears the cache)."""
    return owner_of(os.getpid())


def owner_of(pid: int) -> str:
    """How process ``pid`` of this host, PID namespace and boot is named in a claim."""
    return " ".join([f"{socket.gethostname()}:{pid}", *_place()])


def is_dead(owner: str) -> bool:
    """True only when ``owner`` is a process of this host, PID namespace and boot that
    no longer runs (it is gone, or a zombie not yet reaped by its parent).

    A holder elsewhere, or one we cannot judge, is presumed alive: its lease decides
    when the claim may be taken over.
    """
    who, *place = owner.split(" ")
    host, _, pid_text = who.rpartition(":")
    if host != socket.gethostname() or sorted(place) != sorted(_place()):
        return False
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and process_is_gone(pid)


def process_is_gone(pid: int) -> bool:
    """True when no process ``pid`` runs here: none exists, or it is a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        pass
    # kill(pid, 0) succeeds on a zombie: killed, but not yet reaped by its parent.
    return _state(pid) in ("Z", "X")


def _state(pid: int) -> str | None:
    """The state letter of ``/proc/<pid>/stat`` (``R``, ``S``, ``Z``...), if readable."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # "pid (command) state ...": the command may itself hold spaces and parentheses.
    fields = stat.rpartition(")")[2].split()
    return fields[0] if fields else None


@cache
def _place() -> tuple[str, ...]:
    """This process's PID namespace and boot, as ``key=value`` fields (none without /proc)."""
    fields = []
    with contextlib.suppress(OSError):
        fields.append(f"pidns={(_PROC / 'self' / 'ns' / 'pid').stat().st_ino}")
    try:
        boot = (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
    except OSError:
        boot = ""
    if boot:
        fields.append(f"boot={boot}")
    return tuple(fields)
