"""Fixtures of the reliability suite: small file systems that a test can fill up."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class TinyDisk:
    """A tmpfs of a few hundred KiB; :meth:`fill` takes every free byte, :meth:`free` gives
    them back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ballast = path / ".ballast"

    def fill(self) -> None:
        fd = os.open(self._ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for size in (1 << 16, 1 << 12, 1):  # big steps, then the last page, byte by byte
                with contextlib.suppress(OSError):
                    while os.write(fd, b"\0" * size):
                        pass
        finally:
            os.close(fd)
        try:
            (self.path / ".probe").write_bytes(b"x")
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        else:
            raise AssertionError(f"{self.path} still has room after fill()")

    def free(self) -> None:
        self._ballast.unlink(missing_ok=True)


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Callable[[str], TinyDisk]]:
    """Factory: ``tiny_disk(name)`` mounts a 512 KiB tmpfs at ``tmp_path/name``.

    Needs root (or CAP_SYS_ADMIN); without it the test is skipped, loudly. Every mount
    is undone at teardown, lazily if a process still holds it open.
    """
    mounted: list[Path] = []

    def mount(name: str) -> TinyDisk:
        path = tmp_path / name
        path.mkdir()
        command = ["mount", "-t", "tmpfs", "-o", "size=512k,mode=0700", "tmpfs", str(path)]
        if shutil.which("mount") is None:
            pytest.skip("SKIPPED DISK-FULL TESTS: no mount command on this system")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"SKIPPED DISK-FULL TESTS: cannot mount a tmpfs ({done.stderr.strip()}); "
                        "run the suite as root to include them")
        mounted.append(path)
        return TinyDisk(path)

    yield mount
    for path in mounted:
        if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)
