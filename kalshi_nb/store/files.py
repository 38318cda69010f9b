"""The store's files on any fsspec filesystem: Parquet parts, the committed state, and the commit rule.

Layout under the store's root::

    trades/date=2026-12-01/series=KXBTC15M/part-<uuid>.parquet
    markets/date=.../series=.../part-<uuid>.parquet
    _store/state.json        the committed state: every live part file (and its rows), every watermark
    _store/tmp/              parts being written (local filesystems only)

**The commit rule.** A part is written in full (to ``_store/tmp`` and renamed into place, with fsync, on a
local disk; as one object upload on an object store), and only then is ``state.json`` replaced in one step
(a temporary file renamed over it, or one object upload) with the new part listed and the watermarks
advanced. A part that is on disk but not in the state (the process died between the two steps) is an
orphan: readers ignore it, since they read the state's file list, and the next write removes it; its rows
are fetched again because its watermark never moved. So an interruption at any point loses nothing and
duplicates nothing. One writer at a time per store.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import fsspec
    import pyarrow as pa

STATE = "_store/state.json"
TMP = "_store/tmp"
FORMAT = 1


@dataclass
class State:
    """What the store has committed: part files per dataset (path -> rows) and watermarks per dataset/key."""

    files: dict[str, dict[str, int]] = field(default_factory=dict)
    watermarks: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        body = {"format": FORMAT, "files": self.files, "watermarks": self.watermarks}
        return json.dumps(body, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> State:
        body = json.loads(data)
        if body.get("format") != FORMAT:
            raise ValueError(f"store state format {body.get('format')!r} is not {FORMAT}; upgrade kalshi_nb")
        return cls(body.get("files", {}), body.get("watermarks", {}))

    def copy(self) -> State:
        return State.from_json(self.to_json())


class Files:
    """A store root on a filesystem: read and commit the state, write parts, list and remove orphans."""

    def __init__(self, fs: fsspec.AbstractFileSystem, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")
        self.local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
        if self.local:  # an object store has no folders to create (its bucket must exist)
            self.fs.makedirs(self.path(TMP), exist_ok=True)

    def path(self, rel: str) -> str:
        return posixpath.join(self.root, rel)

    def url(self, rel: str) -> str:
        """A path as an engine outside fsspec reads it (``s3://bucket/...`` or a local path)."""
        path = self.path(rel)
        if self.local:
            return path
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        return f"{protocol}://{path}"

    # ----------------------------------------------------------------------------------------------
    def read_state(self) -> State:
        path = self.path(STATE)
        if not self.fs.exists(path):
            return State()
        return State.from_json(self.fs.cat_file(path))

    def commit(self, state: State) -> None:
        """Replace the state in one step (the moment a sync's rows and watermarks become visible)."""
        self.atomic_write(STATE, state.to_json())

    def atomic_write(self, rel: str, data: bytes) -> None:
        target = self.path(rel)
        if not self.local:
            self.fs.pipe_file(target, data)  # an object PUT replaces the whole object at once
            return
        tmp = self.path(f"{TMP}/{uuid.uuid4().hex}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _fsync_dir(os.path.dirname(target))

    def write_part(self, folder: str, table: pa.Table) -> str:
        """Write one Parquet part under ``folder`` (relative to the root), durably; its relative path."""
        import pyarrow.parquet as pq

        rel = f"{folder}/part-{uuid.uuid4().hex}.parquet"
        target = self.path(rel)
        options = {"compression": "zstd", "row_group_size": 256 * 1024, "write_statistics": True}
        if not self.local:
            with self.fs.open(target, "wb") as f:  # uploaded when closed: the object appears whole
                pq.write_table(table, f, **options)
            return rel
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        tmp = self.path(f"{TMP}/{uuid.uuid4().hex}.parquet")
        with open(tmp, "wb") as f:
            pq.write_table(table, f, **options)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _fsync_dir(posixpath.dirname(target))
        return rel

    def remove(self, rels: list[str]) -> None:
        for rel in rels:
            with contextlib.suppress(FileNotFoundError):  # already gone: what we wanted
                self.fs.rm_file(self.path(rel))

    def orphans(self, state: State, datasets: list[str]) -> list[str]:
        """Part files on disk that the state does not list (left by an interrupted write), and temp files."""
        found: list[str] = []
        for name in datasets:
            base = self.path(name)
            if not self.fs.exists(base):
                continue
            live = state.files.get(name, {})
            for path in self.fs.find(base):
                rel = posixpath.relpath(_strip(path), self.root)
                if rel.endswith(".parquet") and rel not in live:
                    found.append(rel)
        if self.local and self.fs.exists(self.path(TMP)):
            found += [posixpath.relpath(_strip(p), self.root) for p in self.fs.find(self.path(TMP))]
        return found


def _strip(path: str) -> str:
    return path.split("://", 1)[-1]


def _fsync_dir(folder: str) -> None:
    """Make a rename durable: the directory entry itself is flushed (POSIX; a no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def open_files(path: str | os.PathLike[str], **storage_options: Any) -> Files:
    """The store root at a local path or an fsspec URL (``s3://bucket/prefix``, ``memory://x``, ...)."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(os.fspath(path), **storage_options)
    if "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)):
        root = os.path.abspath(root)
    return Files(fs, root)
