"""The streaming sink: a thread drains bounded per-kind queues into the dataset in batches.

Producers (the connector's handlers on the event loop) call `put`, which only appends to a
queue under a lock, so it returns in microseconds unless the kind's policy is "block" and the
queue is full (then it waits at most `block_ms`). The thread writes a kind's rows once
`flush_rows` are queued or `flush_interval_s` has passed since its oldest queued row. A failed
write keeps its rows and is retried with backoff; the error is reported, never raised into the
app. `close()` drains every queue before the thread ends: nothing accepted is lost.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from apex_tui.domain.errors import ApexError, StorageError
from apex_tui.domain.quotes import Tick
from apex_tui.store.heap import release_free_memory
from apex_tui.store.repository import Repository
from apex_tui.store.settings import DataSettings, SinkKindSettings
from apex_tui.store.ticks import ticks_table

RATE_WINDOW_S = 10.0
# Freed memory goes back to the OS after writes at most this often (store/heap.py says why).
TRIM_EVERY_S = 60.0
MAX_RETRY_DELAY_S = 60.0


@dataclass(frozen=True, slots=True)
class KindStats:
    """One kind's queue and counters."""

    queued_rows: int
    dropped_rows: int
    rows_written: int
    files_written: int
    retrying: bool


@dataclass(frozen=True, slots=True)
class SinkStats:
    """A snapshot for the health pane."""

    running: bool
    queue_rows: int
    rows_per_s: float
    last_flush_lag_s: float | None
    rows_written: int
    files_written: int
    dropped_rows: int
    last_error: str | None
    errors: int
    kinds: dict[str, KindStats] = field(default_factory=dict)


@dataclass
class _Queue:
    repo: Repository
    cfg: SinkKindSettings
    batches: deque[tuple[float, pa.Table]] = field(default_factory=deque)
    rows: int = 0
    dropped: int = 0
    written: int = 0
    files: int = 0
    retry: pa.Table | None = None  # rows of a failed write, retried before anything newer
    retry_oldest: float = 0.0
    retry_at: float = 0.0
    retry_delay: float = 0.0
    in_flight: int = 0  # rows taken by the writer and not yet written or back in `retry`


class Sink:
    """Background writer of live ticks and bars (one thread, one queue per kind)."""

    def __init__(
        self,
        repos: dict[str, Repository],
        settings: DataSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        per_kind = {"ticks": settings.ticks, "bars": settings.bars}
        self._settings = settings
        self._mono = monotonic
        self._queues = {
            kind: _Queue(repo, per_kind.get(kind, settings.bars)) for kind, repo in repos.items()
        }
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # the writer waits on it for work
        self._room = threading.Condition(self._lock)  # "block" producers wait on it for room
        self._closing = False
        self._thread: threading.Thread | None = None
        self._rate: deque[tuple[float, int]] = deque()
        self._last_lag: float | None = None
        self._last_error: str | None = None
        self._errors = 0
        self._flush_requested = False
        self._trimmed_at = monotonic()

    # -- producer side --------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="apex-sink", daemon=True)
        self._thread.start()

    def put(self, kind: str, data: pa.Table | pa.RecordBatch) -> int:
        """Queue rows of `kind`; return how many rows backpressure dropped (0 normally)."""
        table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
        n = table.num_rows
        if n == 0:
            return 0
        q = self._queues.get(kind)
        if q is None:
            raise StorageError(f"sink has no queue for kind {kind!r}", retryable=False)
        limit = q.cfg.max_queue_rows
        with self._lock:
            if self._closing:
                raise StorageError("sink is closed", retryable=False)
            if q.cfg.policy == "block" and q.rows + n > limit:
                deadline = time.monotonic() + q.cfg.block_ms / 1000.0
                while q.rows + n > limit and not self._closing:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self._room.wait(left):
                        break
            dropped = 0
            if n > limit:  # larger than the whole queue: keep the newest rows
                dropped += n - limit
                table, n = table.slice(n - limit), limit
            while q.rows + n > limit and q.batches:
                dropped += self._drop_oldest(q, q.rows + n - limit)
            q.dropped += dropped
            q.batches.append((self._mono(), table))
            q.rows += n
            if q.rows >= self._settings.flush_rows:
                self._wake.notify()
        return dropped

    def put_ticks(self, ticks: Sequence[Tick]) -> int:
        return self.put("ticks", ticks_table(ticks))

    @staticmethod
    def _drop_oldest(q: _Queue, excess: int) -> int:
        t0, oldest = q.batches[0]
        if oldest.num_rows <= excess:
            q.batches.popleft()
            q.rows -= oldest.num_rows
            return int(oldest.num_rows)
        q.batches[0] = (t0, oldest.slice(excess))
        q.rows -= excess
        return excess

    def flush(self, timeout: float = 30.0) -> bool:
        """Write everything queued now; True once the queues are empty (or False on timeout)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._flush_requested = True
            self._wake.notify()
            while any(_pending(q) for q in self._queues.values()):
                left = deadline - time.monotonic()
                if left <= 0 or self._thread is None or not self._thread.is_alive():
                    return False
                self._room.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 60.0) -> SinkStats:
        """Stop accepting rows, write everything queued, stop the thread; return final stats."""
        with self._lock:
            self._closing = True
            self._wake.notify()
            self._room.notify_all()
        if self._thread is None:
            self.start()  # rows queued before start are still written
        assert self._thread is not None
        self._thread.join(timeout)
        return self.stats()

    def stats(self) -> SinkStats:
        with self._lock:
            now = self._mono()
            while self._rate and self._rate[0][0] < now - RATE_WINDOW_S:
                self._rate.popleft()
            recent = sum(r for _, r in self._rate)
            kinds = {
                k: KindStats(
                    q.rows + q.in_flight + (q.retry.num_rows if q.retry is not None else 0),
                    q.dropped,
                    q.written,
                    q.files,
                    # Failing until a write succeeds: also while a retry is in flight.
                    q.retry is not None or q.retry_delay > 0,
                )
                for k, q in self._queues.items()
            }
            return SinkStats(
                running=self._thread is not None and self._thread.is_alive(),
                queue_rows=sum(k.queued_rows for k in kinds.values()),
                rows_per_s=recent / RATE_WINDOW_S,
                last_flush_lag_s=self._last_lag,
                rows_written=sum(k.rows_written for k in kinds.values()),
                files_written=sum(k.files_written for k in kinds.values()),
                dropped_rows=sum(k.dropped_rows for k in kinds.values()),
                last_error=self._last_error,
                errors=self._errors,
                kinds=kinds,
            )

    # -- writer thread --------------------------------------------------------------------
    def _due(self, q: _Queue, now: float) -> bool:
        if q.retry is not None:
            return now >= q.retry_at
        if not q.rows:
            return False
        if self._closing or self._flush_requested or q.rows >= self._settings.flush_rows:
            return True
        return now - q.batches[0][0] >= self._interval(q)

    def _interval(self, q: _Queue) -> float:
        """This kind's flush interval: its own setting, else the dataset's."""
        own = q.cfg.flush_interval_s
        return own if own is not None else self._settings.flush_interval_s

    def _next_wait(self, now: float) -> float:
        waits = [self._settings.flush_interval_s]
        for q in self._queues.values():
            if q.retry is not None:
                waits.append(q.retry_at - now)
            elif q.batches:
                waits.append(q.batches[0][0] + self._interval(q) - now)
        return max(0.001, min(waits))

    def _run(self) -> None:
        while True:
            with self._lock:
                now = self._mono()
                due = [k for k, q in self._queues.items() if self._due(q, now)]
                if not due:
                    pending = any(q.rows or q.retry is not None for q in self._queues.values())
                    self._flush_requested = False
                    self._room.notify_all()
                    if self._closing and not pending:
                        return
                    self._wake.wait(self._next_wait(now))
                    continue
                work = [(k, self._take(self._queues[k])) for k in due]
                self._room.notify_all()
            for kind, (oldest, table) in work:
                self._write(kind, oldest, table)
            now = self._mono()
            if now - self._trimmed_at >= TRIM_EVERY_S:
                self._trimmed_at = now
                release_free_memory()

    def _take(self, q: _Queue) -> tuple[float, pa.Table]:
        """Pop a kind's rows (at most flush_rows per file) under the lock."""
        if q.retry is not None:
            table, oldest = q.retry, q.retry_oldest
            q.retry = None
            q.in_flight = table.num_rows
            return oldest, table
        oldest = q.batches[0][0]
        tables: list[pa.Table] = []
        rows = 0
        while q.batches and rows < self._settings.flush_rows:
            _, t = q.batches.popleft()
            tables.append(t)
            rows += t.num_rows
        q.rows -= rows
        q.in_flight = rows
        return oldest, pa.concat_tables(tables)

    def _write(self, kind: str, oldest: float, table: pa.Table) -> None:
        q = self._queues[kind]
        try:
            result = q.repo.write(table)
        except (OSError, ApexError, pa.ArrowException) as exc:
            # Disk full, permissions, a bad batch: keep the rows, report, retry later. A batch
            # that can never be written (schema) is still kept and counted, never silently lost.
            with self._lock:
                q.in_flight = 0
                q.retry, q.retry_oldest = table, oldest
                q.retry_delay = min(
                    MAX_RETRY_DELAY_S, (q.retry_delay * 2) or self._settings.write_retry_s
                )
                q.retry_at = self._mono() + q.retry_delay
                self._last_error = f"{kind}: {type(exc).__name__}: {exc}"
                self._errors += 1
                if self._closing and q.retry_delay >= MAX_RETRY_DELAY_S:
                    q.dropped += table.num_rows  # give up only when quitting
                    q.retry = None
            return
        with self._lock:
            now = self._mono()
            q.in_flight = 0
            q.written += result.rows_written
            q.files += len(result.files)
            q.retry_delay = 0.0
            self._rate.append((now, table.num_rows))
            self._last_lag = now - oldest


def _pending(q: _Queue) -> bool:
    """Rows not yet on disk: queued, being written, or waiting for a retry."""
    return bool(q.rows or q.in_flight or q.retry is not None)
