"""A child process for the crash drills: writes ticks through the Sink until it is killed.

    python -m tests.integration.drills.sink_writer DATA_DIR MODE

After every committed file it prints `committed <rows in files so far>`. MODE `stall` makes
the Nth write (N = 3) write half of its Parquet bytes into the temp file, print `midflush`,
and hang there, so the parent kills it mid-flush for certain; MODE `run` just keeps writing,
and the parent kills it at a random moment.
"""

from __future__ import annotations

import io
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow.parquet as pq

from apex_tui.domain.quotes import Tick
from apex_tui.store import atomic
from apex_tui.store.lake import Lake
from apex_tui.store.settings import DataSettings
from apex_tui.store.sink import Sink

BATCH = 1_000
STALL_AT = 3


def _ticks(start: int) -> list[Tick]:
    t0 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    return [
        Tick(t0 + timedelta(milliseconds=start + i), "AAPL", 100.0, 100.1, 100.05, 1, 1, 1, i)
        for i in range(BATCH)
    ]


def main(data_dir: str, mode: str) -> None:
    writes = 0
    real_write_table = pq.write_table

    def write_table(table: Any, where: Any, **kw: Any) -> None:
        nonlocal writes
        writes += 1
        if mode == "stall" and writes == STALL_AT:
            buf = io.BytesIO()
            real_write_table(table, buf, **kw)
            data = buf.getvalue()
            where.write(data[: len(data) // 2])
            where.flush()
            print("midflush", flush=True)
            time.sleep(3600)
        real_write_table(table, where, **kw)

    atomic.pq.write_table = write_table  # type: ignore[attr-defined]
    settings = DataSettings(dir=data_dir, flush_rows=BATCH, flush_interval_s=0.01)
    lake = Lake.open(settings)
    sink = Sink(lake.repositories(), settings)
    sink.start()
    n = 0
    while True:
        sink.put_ticks(_ticks(n))
        n += BATCH
        sink.flush()
        print(f"committed {sink.stats().rows_written}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
