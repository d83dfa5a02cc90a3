"""Disk faults under the sink: ENOSPC and EIO injected into the atomic write path.

While writes fail the error is in the sink's stats and the health check (UNHEALTHY, naming
the error), the queue stays bounded with the dropped rows counted and shown, and no partial
file ever becomes visible. Once the disk heals the kept rows are written and nothing is lost
beyond what was counted as dropped.
"""

from __future__ import annotations

import asyncio
import errno
import io
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from apex_tui.core.recording import sink_view
from apex_tui.domain.clock import FixedClock
from apex_tui.domain.quotes import Tick
from apex_tui.health.checks import SinkCheck
from apex_tui.health.model import Status
from apex_tui.store.lake import Lake
from apex_tui.store.paths import TMP_SUFFIX
from apex_tui.store.settings import DataSettings, SinkKindSettings
from apex_tui.store.sink import Sink
from apex_tui.store.verify import verify

BATCH = 1_000
QUEUE = 2_000  # rows the ticks queue holds before it drops the oldest
T0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def wait_until(predicate: Callable[[], object], within: float = 5.0, what: str = "") -> None:
    """Poll the sink's thread's progress with a deadline."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within} s waiting for {what or predicate}")
        time.sleep(0.005)


class Disk:
    """Injects `errno` into the atomic writer while `failing` is set."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.failing = False
        self.faults = 0

    def error(self) -> OSError:
        self.faults += 1
        return OSError(self.code, os.strerror(self.code))


@pytest.fixture(params=["write", "fsync"])
def point(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[errno.ENOSPC, errno.EIO], ids=["ENOSPC", "EIO"])
def disk(
    request: pytest.FixtureRequest, point: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Disk]:
    fault = Disk(int(request.param))
    real_write_table, real_fsync = pq.write_table, os.fsync

    def write_table(table: Any, where: Any, **kw: Any) -> None:
        if fault.failing and point == "write":
            buf = io.BytesIO()  # half the file reaches the disk, then the disk is full
            real_write_table(table, buf, **kw)
            where.write(buf.getvalue()[: len(buf.getvalue()) // 2])
            raise fault.error()
        real_write_table(table, where, **kw)

    def fsync(fd: int) -> None:
        if fault.failing and point == "fsync":
            raise fault.error()
        real_fsync(fd)

    # The atomic writer's own references: pq.write_table and os.fsync of apex_tui.store.atomic.
    monkeypatch.setattr(pq, "write_table", write_table)
    monkeypatch.setattr(os, "fsync", fsync)
    yield fault
    fault.failing = False  # let the sink's close write what it kept


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    settings = DataSettings(
        dir=str(tmp_path),
        flush_rows=BATCH,
        flush_interval_s=0.01,
        write_retry_s=0.01,
        ticks=SinkKindSettings(max_queue_rows=QUEUE, policy="drop_oldest"),
    )
    lake = Lake.open(settings)
    s = Sink(lake.repositories(), settings)
    s.start()
    yield s
    s.close(timeout=10)


def _ticks(batch: int) -> list[Tick]:
    start = T0 + timedelta(seconds=batch)
    return [
        Tick(start + timedelta(microseconds=i), "AAPL", 1.0, 1.1, 1.05, 1, 1, 1, i)
        for i in range(BATCH)
    ]


def _health(s: Sink) -> tuple[Status, str, str]:
    check = SinkCheck(FixedClock(T0), lambda: sink_view(s, QUEUE))
    result = asyncio.run(check.run())
    return result.status, result.value, result.message


def _visible_and_temp(base: Path) -> tuple[list[Path], list[Path]]:
    files = [p for p in base.rglob("*.parquet") if not p.name.startswith(".")]
    return files, list(base.rglob(f"*{TMP_SUFFIX}"))


def test_disk_fault_is_reported_bounded_and_never_half_visible(
    sink: Sink, disk: Disk, tmp_path: Path
) -> None:
    disk.failing = True
    sink.put_ticks(_ticks(0))
    wait_until(lambda: sink.stats().errors >= 2, what="two failed attempts (a retry)")
    stats = sink.stats()
    assert stats.last_error is not None and os.strerror(disk.code) in stats.last_error
    assert stats.kinds["ticks"].retrying and stats.rows_written == 0
    assert _visible_and_temp(tmp_path) == ([], [])  # the torn temp file was removed

    status, value, message = _health(sink)
    assert status is Status.UNHEALTHY
    assert message.startswith("write failing") and os.strerror(disk.code) in message

    for batch in range(1, 11):  # ten more seconds of feed while the disk is failing
        sink.put_ticks(_ticks(batch))
        stats = sink.stats()
        assert stats.queue_rows <= QUEUE + BATCH  # the queue plus the batch being retried
    assert stats.dropped_rows > 0
    status, value, _ = _health(sink)
    assert status is Status.UNHEALTHY and f"{stats.dropped_rows:,} dropped" in value

    disk.failing = False
    assert sink.flush(timeout=10)
    stats = sink.stats()
    assert stats.queue_rows == 0 and not stats.kinds["ticks"].retrying
    assert stats.rows_written + stats.dropped_rows == 11 * BATCH  # every row written or counted
    status, value, message = _health(sink)
    assert status is Status.DEGRADED and message == "rows dropped"  # error gone, drops remain
    visible, temp = _visible_and_temp(tmp_path)
    assert visible and temp == []
    report = verify(Lake.open(DataSettings(dir=str(tmp_path))).root, quarantine=False)
    assert report.clean and report.rows == stats.rows_written
