"""`dataset compact`: merge a partition's small files into row groups of >= 100k rows.

Atomic per partition: the merged file is written under its temp name and fsynced, an intent
(`.compact-intent.json`, new file and old files) is written, the merged file is renamed into
place, the old files are removed, then the intent. A crash after the rename leaves the intent,
and `remove_leftovers` at the next start deletes the old files it lists (roll forward); a crash
before it leaves only hidden files (roll back).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from apex_tui.store.atomic import COMPACT_INTENT, fsync_dir, write_bytes_atomic, write_table_atomic
from apex_tui.store.paths import DataFile, new_file_name
from apex_tui.store.repository import Repository, _folder_lock


@dataclass(frozen=True, slots=True)
class CompactReport:
    """What compaction did across one kind."""

    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    duplicates_removed: int = 0


def _rows(repo: Repository, f: DataFile) -> int:
    with repo.root.fs.open_input_file(f.path) as fh:
        return int(pq.read_metadata(fh).num_rows)


def compact(repo: Repository, *, min_rows: int | None = None) -> CompactReport:
    """Merge every partition holding two or more files smaller than `min_rows`."""
    target = min_rows or repo.settings.compact_min_rows
    by_folder: dict[str, list[DataFile]] = defaultdict(list)
    for f in repo.files():
        by_folder[f.folder].append(f)
    parts = before = after = rows = dups = 0
    for folder, files in sorted(by_folder.items()):
        small = [f for f in files if _rows(repo, f) < target]
        if len(small) < 2:
            continue
        # The write path's dedupe reads this folder under the same lock: it must never see a
        # file vanish halfway (the sink compacts while it writes).
        with _folder_lock(folder):
            merged, n_in = _merge(repo, small)
            _replace(repo, folder, small, merged, max(target, repo.settings.row_group_rows))
        parts += 1
        before += len(small)
        after += 1
        rows += merged.num_rows
        dups += n_in - merged.num_rows
    return CompactReport(parts, before, after, rows, dups)


def _merge(repo: Repository, files: list[DataFile]) -> tuple[pa.Table, int]:
    spec = repo.spec
    table = pa.concat_tables(
        [pq.read_table(f.path, filesystem=repo.root.fs, schema=spec.file_schema) for f in files]
    )
    n_in = table.num_rows
    if spec.key is not None:
        key = [k for k in spec.key if k not in spec.partitions]
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        # Files are named by write time: keep the first-written row, as `write` does.
        table = frame.unique(subset=key, keep="first", maintain_order=True).to_arrow()
    table = table.sort_by([(c, "ascending") for c in spec.sort]).cast(spec.file_schema)
    return table, n_in


def _replace(
    repo: Repository, folder: str, old: list[DataFile], merged: pa.Table, row_group: int
) -> None:
    root = repo.root
    name = new_file_name()
    path = f"{folder}/{name}"
    old_names = [f.path.rsplit("/", 1)[1] for f in old]
    if root.is_local:
        intent = json.dumps({"new": name, "old": old_names}).encode()
        write_bytes_atomic(root, f"{folder}/{COMPACT_INTENT}", intent)
    write_table_atomic(
        root, path, merged, compression=repo.settings.compression, row_group_rows=row_group
    )
    for f in old:
        root.fs.delete_file(f.path)
    if root.is_local:
        root.fs.delete_file(f"{folder}/{COMPACT_INTENT}")
        fsync_dir(folder)
