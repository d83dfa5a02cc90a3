"""The sink: batching by size and interval, backpressure, flush on close, write errors."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

import apex_tui.store.sink as sink_module
from apex_tui.domain.errors import StorageError
from apex_tui.store.lake import Lake
from apex_tui.store.repository import Repository, WriteResult
from apex_tui.store.settings import DataSettings, SinkKindSettings
from apex_tui.store.sink import Sink
from tests.unit.store.builders import tick_table


def wait_for(cond: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before deadline")
        time.sleep(0.005)  # the sink is a thread: poll its stats


def make(tmp_path: Path, **kw: object) -> tuple[Lake, Sink]:
    settings = DataSettings(dir=str(tmp_path / "lake"), **kw)
    lake = Lake.open(settings)
    return lake, Sink({"ticks": lake.ticks, "bars": lake.bars}, settings)


def test_close_writes_everything_accepted(tmp_path: Path) -> None:
    lake, sink = make(tmp_path, flush_rows=50_000, flush_interval_s=3600)
    sink.start()
    table = tick_table(12_345)
    for i in range(0, table.num_rows, 1_000):
        assert sink.put("ticks", table.slice(i, 1_000)) == 0
    stats = sink.close()
    assert (stats.rows_written, stats.dropped_rows, stats.queue_rows) == (12_345, 0, 0)
    assert not stats.running
    assert lake.ticks.scan().collect().height == 12_345
    with pytest.raises(StorageError):
        sink.put("ticks", table.slice(0, 1))


def test_flushes_by_size_into_files_of_flush_rows(tmp_path: Path) -> None:
    lake, sink = make(tmp_path, flush_rows=10_000, flush_interval_s=3600)
    sink.start()
    table = tick_table(30_000)
    for i in range(0, 30_000, 2_500):
        sink.put("ticks", table.slice(i, 2_500))
    wait_for(lambda: sink.stats().rows_written == 30_000)
    assert sink.stats().files_written == 3
    sink.close()
    assert len(lake.ticks.files()) == 3


def test_flushes_by_interval(tmp_path: Path) -> None:
    _lake, sink = make(tmp_path, flush_rows=100_000, flush_interval_s=0.05)
    sink.start()
    sink.put("ticks", tick_table(10))
    wait_for(lambda: sink.stats().rows_written == 10)
    assert sink.stats().last_flush_lag_s is not None
    sink.close()


def test_drop_oldest_counts_what_it_drops(tmp_path: Path) -> None:
    ticks = SinkKindSettings(max_queue_rows=1_000, policy="drop_oldest")
    lake, sink = make(tmp_path, ticks=ticks, flush_rows=100_000, flush_interval_s=3600)
    table = tick_table(2_500)
    # Not started: nothing drains, so the queue overflows deterministically.
    dropped = sum(sink.put("ticks", table.slice(i, 500)) for i in range(0, 2_500, 500))
    stats = sink.stats()
    assert dropped == 1_500 and stats.dropped_rows == 1_500 and stats.queue_rows == 1_000
    sink.close()
    kept = lake.ticks.scan().sort("time").collect()
    # The newest 1,000 rows survive.
    assert kept["time"].to_list() == table.slice(1_500)["time"].to_pylist()


def test_block_waits_briefly_then_drops_oldest(tmp_path: Path) -> None:
    bars = SinkKindSettings(max_queue_rows=1_000, policy="block", block_ms=20)
    _lake, sink = make(tmp_path, ticks=bars, flush_rows=100_000, flush_interval_s=3600)
    table = tick_table(1_500)
    sink.put("ticks", table.slice(0, 1_000))
    t0 = time.monotonic()
    dropped = sink.put("ticks", table.slice(1_000, 500))
    waited = time.monotonic() - t0
    assert dropped == 500 and waited >= 0.015
    sink.close()


class FlakyRepo(Repository):
    """Fails the first `failures` writes like a full disk, then delegates."""

    def __init__(self, inner: Repository, failures: int) -> None:
        super().__init__(inner.root, inner.settings)
        self.spec = inner.spec  # type: ignore[misc]
        self.inner = inner
        self.failures = failures
        self.calls = 0
        self.lock = threading.Lock()

    def write(self, data: pa.Table | pa.RecordBatch) -> WriteResult:
        with self.lock:
            self.calls += 1
            if self.calls <= self.failures:
                raise OSError(28, "No space left on device")
        return self.inner.write(data)


def test_write_error_is_reported_and_retried_without_loss(tmp_path: Path) -> None:
    settings = DataSettings(dir=str(tmp_path / "lake"), flush_interval_s=0.01, write_retry_s=0.02)
    lake = Lake.open(settings)
    flaky = FlakyRepo(lake.ticks, failures=2)
    sink = Sink({"ticks": flaky}, settings)
    sink.start()
    sink.put("ticks", tick_table(777))
    wait_for(lambda: sink.stats().errors >= 1)
    assert "No space left" in (sink.stats().last_error or "")
    wait_for(lambda: sink.stats().rows_written == 777)
    stats = sink.close()
    assert stats.errors == 2 and stats.dropped_rows == 0 and flaky.calls == 3
    assert lake.ticks.scan().collect().height == 777


def test_put_from_a_producer_is_fast_while_the_writer_works(tmp_path: Path) -> None:
    _, sink = make(tmp_path, flush_rows=20_000, flush_interval_s=3600)
    sink.start()
    table = tick_table(200_000)
    took = []
    for i in range(0, 200_000, 2_000):
        t0 = time.perf_counter()
        sink.put("ticks", table.slice(i, 2_000))
        took.append(time.perf_counter() - t0)
    sink.close()
    # A put only appends under a lock: far below the 10 ms event-loop budget (p99, so a
    # scheduler hiccup on a shared CI core does not decide the test).
    took.sort()
    assert took[int(len(took) * 0.99) - 1] < 0.010


def test_hands_freed_memory_back_after_writes_at_most_once_a_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trims: list[float] = []
    clock = [0.0]
    monkeypatch.setattr(sink_module, "release_free_memory", lambda: trims.append(clock[0]))
    settings = DataSettings(dir=str(tmp_path / "lake"), flush_rows=1000, flush_interval_s=3600)
    lake = Lake.open(settings)
    sink = Sink({"ticks": lake.ticks}, settings, monotonic=lambda: clock[0])
    sink.start()
    written = 0
    for now, trims_after in ((1.0, 0), (30.0, 0), (61.0, 1), (90.0, 1), (125.0, 2)):
        clock[0] = now
        sink.put("ticks", tick_table(1000))
        written += 1000

        # the trim follows the write on the sink's thread: wait for both before time moves
        def done(rows: int = written, n: int = trims_after) -> bool:
            return sink.stats().rows_written == rows and len(trims) == n

        wait_for(done)
    sink.close()
    assert trims == [61.0, 125.0]  # after the writes, never within 60 s of the last
