"""Atomic file writes: `.<name>.tmp`, fsync, os.replace, fsync the folder; leftover cleanup.

A reader either sees the whole file or nothing: the temp name is hidden from discovery, the
rename is atomic, and fsyncing the folder makes the rename itself durable. On object stores
(non-local pyarrow filesystems) a PUT is already all-or-nothing, so the file is written directly.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from apex_tui.store.paths import TMP_SUFFIX, DatasetRoot, temp_name

COMPACT_INTENT = ".compact-intent.json"


def fsync_dir(path: str) -> None:
    """Make a folder's entries (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(root: DatasetRoot, folder: str) -> None:
    if not root.is_local:
        root.fs.create_dir(folder, recursive=True)
        return
    missing: list[Path] = []
    probe = Path(folder)
    while not probe.is_dir():
        missing.append(probe)
        probe = probe.parent
    if not missing:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    # A new folder's own entry lives in its parent: fsync each parent of a created folder.
    for created in reversed(missing):
        fsync_dir(str(created.parent))


def write_table_atomic(
    root: DatasetRoot,
    path: str,
    table: pa.Table,
    *,
    compression: str = "zstd",
    row_group_rows: int = 100_000,
) -> int:
    """Write `table` as a Parquet file at `path` atomically; return the bytes written."""
    folder, name = path.rsplit("/", 1)
    _ensure_dir(root, folder)
    codec = None if compression == "none" else compression
    if not root.is_local:
        with root.fs.open_output_stream(path) as out:
            pq.write_table(table, out, compression=codec, row_group_size=row_group_rows)
        return int(root.fs.get_file_info(path).size or 0)
    tmp = Path(folder) / temp_name(name)
    try:
        with tmp.open("wb") as fh:
            pq.write_table(table, fh, compression=codec, row_group_size=row_group_rows)
            fh.flush()
            os.fsync(fh.fileno())
            size = fh.tell()
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)
    return size


def write_bytes_atomic(root: DatasetRoot, path: str, data: bytes) -> None:
    """Same protocol for small metadata files (coverage ledger, compaction intents)."""
    folder, name = path.rsplit("/", 1)
    _ensure_dir(root, folder)
    if not root.is_local:
        with root.fs.open_output_stream(path) as out:
            out.write(data)
        return
    tmp = Path(folder) / temp_name(name)
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    fsync_dir(folder)


def _walk_local(base: str) -> Iterator[tuple[str, list[str]]]:
    for folder, _dirs, files in os.walk(base):
        yield folder, files


def remove_leftovers(root: DatasetRoot) -> list[str]:
    """Delete temp files a crashed writer left and finish interrupted compactions.

    Run once at start, before any writer of this process begins. Returns what was removed.
    """
    if not root.is_local or not Path(root.base).is_dir():
        return []
    removed: list[str] = []
    for folder, files in _walk_local(root.base):
        if COMPACT_INTENT in files:
            removed.extend(_finish_compaction(folder))
        for name in files:
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                path = Path(folder) / name
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed.append(str(path))
    return removed


def _finish_compaction(folder: str) -> list[str]:
    """Roll an interrupted compaction forward (new file visible) or back (it is not)."""
    intent_path = str(Path(folder) / COMPACT_INTENT)
    try:
        intent = json.loads(Path(intent_path).read_text())
        new_file, old_files = str(intent["new"]), [str(p) for p in intent["old"]]
    except (OSError, ValueError, KeyError, TypeError):
        new_file, old_files = "", []
    removed: list[str] = []
    if new_file and (Path(folder) / new_file).exists():
        for old in old_files:
            with contextlib.suppress(FileNotFoundError):
                (Path(folder) / old).unlink()
                removed.append(str(Path(folder) / old))
    Path(intent_path).unlink()
    fsync_dir(folder)
    return removed
