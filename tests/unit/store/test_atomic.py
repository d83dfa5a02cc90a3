"""Atomic writes: a writer killed with SIGKILL mid-flush leaves no unreadable visible file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from apex_tui.store.atomic import write_table_atomic
from apex_tui.store.lake import Lake
from apex_tui.store.paths import DatasetRoot
from apex_tui.store.settings import DataSettings
from apex_tui.store.verify import verify

WRITER = """
import sys
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from tests.unit.store.builders import tick_table
lake = Lake.open(DataSettings(dir=sys.argv[1], compression="none"))
table = tick_table(300_000)
print("ready", flush=True)
while True:
    lake.ticks.write(table)
"""


def wait_for(cond: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before deadline")
        time.sleep(0.002)  # polling a filesystem condition: nothing to await


def test_kill_9_mid_flush_leaves_a_readable_dataset(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        ticks = root / "ticks"

        def mid_flush() -> bool:
            done = list(ticks.rglob("part-*.parquet"))
            return len(done) >= 2 and any(ticks.rglob(".part-*.tmp"))

        # Kill while a temp file exists and at least two files were completed before it.
        wait_for(mid_flush)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    leftovers = list(root.rglob(".*.tmp"))
    assert leftovers, "the kill should have interrupted a flush"
    for f in root.rglob("part-*.parquet"):
        assert pq.read_metadata(f).num_rows == 300_000  # every visible file is whole
    lake = Lake.open(DataSettings(dir=str(root)))
    assert sorted(lake.leftovers_removed) == sorted(str(p) for p in leftovers)
    assert not list(root.rglob(".*.tmp"))
    n_files = len(list(root.rglob("part-*.parquet")))
    assert lake.ticks.scan().select("time").collect().height == n_files * 300_000
    report = verify(lake.root)
    assert report.clean and report.files_checked == n_files


def test_failed_write_removes_its_temp_and_shows_nothing(tmp_path: Path) -> None:
    root = DatasetRoot(tmp_path)
    table = pa.table({"a": [1, 2, 3]})
    path = f"{root.base}/k/part-1.parquet"
    write_table_atomic(root, path, table)
    assert pq.read_table(path).num_rows == 3
    with pytest.raises((ValueError, OSError, pa.ArrowException)):
        write_table_atomic(root, f"{root.base}/k/part-2.parquet", table, compression="nope")
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == ["part-1.parquet"]
