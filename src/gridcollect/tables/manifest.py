"""The manifest: the one source of truth of which Parquet files a table holds.

Each commit is a JSON object ``_manifest/log/<seq>.json``, created only if absent (a
create-only put: a local hard link, or S3's ``If-None-Match``), so two writers can never
both commit the same step and a half-written commit is never seen. A commit adds files
(each with the snapshot keys whose rows it holds), removes files (compaction), and names
every snapshot it read (also those that gave no rows or could not be read), so no
snapshot is read twice. Every ``CHECKPOINT_EVERY`` commits the whole state is written to
``_manifest/checkpoint/<seq>.json.gz``; commits before the previous checkpoint are
deleted, so loading reads one checkpoint and a few commits whatever the history.
"""

from __future__ import annotations

import gzip
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from ..errors import KeyConflict
from .layout import MANIFEST_FOLDER, TableStore

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 50
VERSION = 1


@dataclass(slots=True)
class FileEntry:
    """A live Parquet file: its path inside the table, rows, and the snapshots it holds."""

    path: str
    rows: int
    snapshots: list[str]
    source: str | None = None  # a latest file: the revisions file it was computed from

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"path": self.path, "rows": self.rows,
                                 "snapshots": self.snapshots}
        if self.source is not None:
            found["source"] = self.source
        return found


@dataclass(slots=True)
class State:
    """The table as of commit ``seq``."""

    seq: int = 0
    checkpoint: int = 0
    files: dict[str, FileEntry] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)
    unreadable: set[str] = field(default_factory=set)
    skipped: dict[str, list[Any]] = field(default_factory=dict)  # key -> [count, example]

    def apply(self, commit: dict[str, Any]) -> None:
        for path in commit.get("remove", ()):
            self.files.pop(path, None)
        for entry in commit.get("add", ()):
            self.files[entry["path"]] = FileEntry(entry["path"], entry["rows"],
                                                  list(entry["snapshots"]), entry.get("source"))
        self.read.update(commit.get("read", ()))
        self.read.update(commit.get("unreadable", ()))  # read too: never tried again
        self.unreadable.update(commit.get("unreadable", ()))
        self.skipped.update(commit.get("skipped", {}))
        self.seq = commit["seq"]

    def as_dict(self) -> dict[str, Any]:
        return {"version": VERSION, "seq": self.seq,
                "files": [entry.as_dict() for entry in self.files.values()],
                "read": sorted(self.read), "unreadable": sorted(self.unreadable),
                "skipped": self.skipped}

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> State:
        state = cls(seq=document["seq"], checkpoint=document["seq"])
        state.apply({**document, "add": document["files"]})
        return state

    @property
    def rows(self) -> int:
        """Revision rows (latest files repeat some of them)."""
        return sum(entry.rows for entry in self.files.values() if entry.source is None)

    def revision_files(self) -> list[str]:
        return sorted(path for path, entry in self.files.items() if entry.source is None)

    def current_latest(self) -> dict[str, str]:
        """Latest files still valid, by the one revisions file of the day they came from:
        a day with more revisions files than that one has no valid latest file."""
        revisions = set(self.revision_files())
        days = Counter(path.split("/", 1)[0] for path in revisions)
        return {entry.source: path for path, entry in self.files.items()
                if entry.source in revisions and days[entry.source.split("/", 1)[0]] == 1}


class Manifest:
    """Reads and commits one table's manifest in ``store`` under ``root``."""

    def __init__(self, store: TableStore, root: str) -> None:
        self.store = store
        self.root = root
        self._log = f"{root}/{MANIFEST_FOLDER}/log/"
        self._checkpoints = f"{root}/{MANIFEST_FOLDER}/checkpoint/"

    def load(self, state: State | None = None) -> State:
        """The current state; given an earlier ``state``, only what was committed since is
        read (unless a newer checkpoint replaced the commits in between)."""
        fresh = state is None
        state = state if state is not None else State()
        checkpoints = sorted(self._numbered(self._checkpoints, ".json.gz"))
        if checkpoints and checkpoints[-1][0] > state.seq:
            seq, key = checkpoints[-1]
            body = self.store.get(key)
            if body is not None:
                state = State.from_dict(orjson.loads(gzip.decompress(body)))
                fresh = True
        if fresh:
            for seq, key in sorted(self._numbered(self._log, ".json")):
                if seq <= state.seq:
                    continue
                body = self.store.get(key)
                if body is None:
                    continue  # deleted by a checkpoint since it was listed
                state.apply(orjson.loads(body))
            return state
        # Up to date but for a few commits: ask for the next ones by name, not by listing
        # every commit since the last checkpoint.
        while (body := self.store.get(self._log_key(state.seq + 1))) is not None:
            state.apply(orjson.loads(body))
        return state

    def _log_key(self, seq: int) -> str:
        return f"{self._log}{seq:012d}.json"

    def commit(self, state: State, *, add: list[FileEntry] = (),  # type: ignore[assignment]
               remove: list[str] = (), read: list[str] = (),  # type: ignore[assignment]
               unreadable: list[str] = (),  # type: ignore[assignment]
               skipped: dict[str, list[Any]] | None = None) -> bool:
        """Commit the next step after ``state`` and apply it; False when another writer
        committed that step first (``state`` is then unchanged: reload and retry)."""
        seq = state.seq + 1
        commit = {"version": VERSION, "seq": seq,
                  "time": datetime.now(UTC).isoformat(timespec="seconds"),
                  "add": [entry.as_dict() for entry in add], "remove": list(remove),
                  "read": list(read), "unreadable": list(unreadable),
                  "skipped": skipped or {}}
        body = orjson.dumps(commit)
        try:
            self.store.put(self._log_key(seq), body, sha256="",
                           overwrite=False, content_encoding=None)
        except KeyConflict:
            return False
        state.apply(commit)
        return True

    def checkpoint_if_due(self, state: State) -> bool:
        """Write the whole state when enough commits piled up, then drop the commits that
        the previous checkpoint already covered (kept until now for slow readers)."""
        if state.seq - state.checkpoint < CHECKPOINT_EVERY:
            return False
        body = gzip.compress(orjson.dumps(state.as_dict()), compresslevel=5)
        self.store.put(f"{self._checkpoints}{state.seq:012d}.json.gz", body, sha256="",
                       overwrite=True, content_encoding=None)
        previous = state.checkpoint
        state.checkpoint = state.seq
        for seq, key in self._numbered(self._log, ".json"):
            if seq <= previous:
                self.store.delete(key)
        for seq, key in self._numbered(self._checkpoints, ".json.gz"):
            if seq < previous:
                self.store.delete(key)
        return True

    def _numbered(self, folder: str, suffix: str) -> list[tuple[int, str]]:
        found = []
        for key in self.store.keys(folder):
            name = key[len(folder):]
            if name.endswith(suffix) and name[: -len(suffix)].isdigit():
                found.append((int(name[: -len(suffix)]), key))
        return found
