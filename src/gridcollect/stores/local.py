"""The embedded store: gzip objects under a local directory, written atomically."""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from ..errors import KeyConflict, StoreError
from ..model import StoredObject
from ..owner import process_is_gone

# Temporary file names: unique per process without a random draw for each write.
_TEMP_SERIAL = itertools.count()


class LocalStore:
    """Objects as files under ``root``; a crash never leaves a truncated object.

    A directory is created, checked to lie inside ``root`` once symlinks are resolved,
    and swept of dead writers' leftovers the first time this store writes to it, not
    on every write.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._ready: set[Path] = set()
        self._ready_lock = threading.Lock()

    def put(self, key: str, body: bytes, *, sha256: str, overwrite: bool,
            content_type: str = "application/json", content_encoding: str | None = "gzip",
            ) -> StoredObject:
        path = self._path(key)
        try:
            self._prepare(path.parent)
            tmp = self._write_temp(path, body)
            try:
                if overwrite:
                    os.replace(tmp, path)
                else:
                    # link() refuses to replace an existing file: create-only, atomically.
                    os.link(tmp, path)
            except FileExistsError:
                raise KeyConflict(f"{key} already exists") from None
            finally:
                tmp.unlink(missing_ok=True)
            fsync_directory(path.parent)
        except OSError as exc:
            raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None
        etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        return StoredObject(key=key, location=self.location(key), size=len(body), etag=etag)

    def delete(self, key: str) -> None:
        """Remove ``key``; a key already gone is not an error."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot delete {key}: {exc.strerror or exc}") from None

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"cannot read {key}: {exc.strerror or exc}") from None

    def location(self, key: str) -> str:
        # Path.as_uri() escapes "=", which would garble year=YYYY partitions for readers.
        return "file://" + quote(str(self._path(key)), safe="/=:@-._~")

    def describe(self) -> str:
        return f"local files under {self.root}"

    def keys(self, prefix: str) -> Iterator[str]:
        """Stored keys starting with ``prefix``, sorted; hidden entries (a writer's
        ``.*.tmp`` files, the ``.gridcollect`` state directory) are never listed."""
        directory, _, _ = prefix.rpartition("/")
        start = self._path(directory) if directory else self.root
        if not start.is_dir():
            return
        relative = "/".join(part for part in directory.split("/") if part not in ("", "."))
        for key in self._walk(start, relative):
            if key.startswith(prefix):
                yield key

    def _walk(self, directory: Path, relative: str) -> Iterator[str]:
        """Keys under ``directory`` (``relative`` to the root): built as text, since a
        listing of a year of snapshots is 100,000 names."""
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except FileNotFoundError:
            return  # removed while we were listing
        except OSError as exc:
            raise StoreError(f"cannot list {directory}: {exc.strerror or exc}") from None
        for entry in entries:
            if entry.name.startswith("."):
                continue
            key = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), key)
            elif entry.is_file(follow_symlinks=False):
                yield key

    def _path(self, key: str) -> Path:
        """Where ``key`` lives, by its text alone (symlinks are checked by :meth:`_prepare`)."""
        segments = key.split("/")
        if key.startswith("/") or ".." in segments or "\0" in key:
            raise StoreError(f"key {key!r} escapes the output directory")
        return self.root.joinpath(*(segment for segment in segments if segment not in ("", ".")))

    def _prepare(self, directory: Path) -> None:
        """Create ``directory``, check where it really is, and sweep it: once per store."""
        if directory in self._ready:
            return
        with self._ready_lock:
            if directory in self._ready:
                return
            # Checked before creating anything (a link on the way would have us create
            # directories elsewhere) and after (the link may appear in between).
            self._check_inside(directory)
            directory.mkdir(parents=True, exist_ok=True)
            self._check_inside(directory)
            _sweep_orphans(directory)
            self._ready.add(directory)

    def _check_inside(self, directory: Path) -> None:
        if not directory.resolve().is_relative_to(self.root):
            raise StoreError(f"{directory} escapes the output directory")

    def _write_temp(self, path: Path, body: bytes) -> Path:
        # The pid in the name lets a later run tell a dead writer's leftovers from live ones.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{next(_TEMP_SERIAL)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileNotFoundError:
            # The directory was removed since it was prepared: make it again, once.
            self._ready.discard(path.parent)
            self._prepare(path.parent)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp


def _sweep_orphans(directory: Path) -> None:
    """Delete temporary files that a killed writer left in ``directory``."""
    for leftover in directory.glob(".*.tmp"):
        pid = leftover.name.split(".")[-3]
        if pid.isdigit() and process_is_gone(int(pid)):
            leftover.unlink(missing_ok=True)


def fsync_directory(directory: Path) -> None:
    """Make the names in ``directory`` durable (a new file's name survives a power cut
    only once its directory is fsync'd)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

