"""Figures for the data lake: sink throughput vs raw pyarrow, read latency, file layout.

Each function returns a dict of figures; `make bench` (wired by the lead) prints them and
writes bench/RESULTS.md. Run directly: `python bench/bench_store.py`.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from apex_tui.jobs.pacer import Pacer, PacingKey
from apex_tui.jobs.settings import PacingSettings
from apex_tui.jobs.source import BarRequest
from apex_tui.store.lake import Lake
from apex_tui.store.schemas import BARS, TICKS
from apex_tui.store.settings import DataSettings, SinkKindSettings
from apex_tui.store.sink import Sink
from bench.harness import Figure

T0 = datetime(2026, 1, 2, 9, 0, tzinfo=UTC)


def tick_rows(n: int, symbols: int = 8, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    names = np.array([f"SYM{i}" for i in range(symbols)])
    t0 = int(T0.timestamp() * 1e9)
    schema = pa.schema([f for f in TICKS.schema if f.name != "date"])
    return pa.table(
        {
            "time": pa.array(t0 + np.arange(n) * 1_000, pa.timestamp("ns", tz="UTC")),
            "symbol": pa.array(names[rng.integers(0, symbols, n)]),
            "bid": rng.random(n),
            "ask": rng.random(n),
            "last": rng.random(n),
            "bid_size": rng.integers(1, 100, n),
            "ask_size": rng.integers(1, 100, n),
            "last_size": rng.integers(1, 100, n),
            "volume": rng.integers(1, 1_000_000, n),
        },
        schema=schema,
    )


def sink_vs_raw(rows: int = 2_000_000, chunk: int = 10_000) -> dict[str, float]:
    """Sink rows/s (atomic writes, 100k-row files) vs raw write_table of the same files."""
    table = tick_rows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        raw_dir = Path(tmp) / "raw"
        raw_dir.mkdir()
        t = time.perf_counter()
        for i in range(0, rows, 100_000):
            pq.write_table(table.slice(i, 100_000), raw_dir / f"{i}.parquet", compression="zstd")
        raw_s = time.perf_counter() - t
        ticks = SinkKindSettings(max_queue_rows=rows, policy="block")
        settings = DataSettings(dir=str(Path(tmp) / "lake"), ticks=ticks)
        lake = Lake.open(settings)
        sink = Sink({"ticks": lake.ticks}, settings)
        sink.start()
        worst_put = 0.0
        t = time.perf_counter()
        for i in range(0, rows, chunk):
            p = time.perf_counter()
            sink.put("ticks", table.slice(i, chunk))
            worst_put = max(worst_put, time.perf_counter() - p)
        stats = sink.close()
        sink_s = time.perf_counter() - t
        assert stats.rows_written == rows and stats.dropped_rows == 0
    return {
        "rows": rows,
        "raw_rows_per_s": rows / raw_s,
        "sink_rows_per_s": rows / sink_s,
        "ratio": raw_s / sink_s,
        "worst_put_ms": worst_put * 1e3,
    }


def minute_bars_year(symbol: str = "AAPL") -> pa.Table:
    """A year of all-hours 1-minute bars (~250 sessions x 960 bars) for one symbol."""
    days = [T0.date() + timedelta(days=i) for i in range(365)]
    days = [d for d in days if d.weekday() < 5][:252]
    starts = np.array(
        [int(datetime(d.year, d.month, d.day, 9, tzinfo=UTC).timestamp()) for d in days]
    )
    secs = (starts[:, None] + np.arange(960)[None, :] * 60).ravel()
    n = secs.size
    rng = np.random.default_rng(2)
    px = 100 + rng.standard_normal(n).cumsum() * 0.01
    schema = pa.schema([f for f in BARS.schema if f.name != "year"])
    return pa.table(
        {
            "symbol": [symbol] * n,
            "bar_size": ["1min"] * n,
            "what_to_show": ["TRADES"] * n,
            "time": pa.array(secs * 1_000_000_000, pa.timestamp("ns", tz="UTC")),
            "open": px,
            "high": px + 0.05,
            "low": px - 0.05,
            "close": px,
            "volume": rng.integers(100, 10_000, n),
            "wap": px,
            "count": rng.integers(1, 100, n),
        },
        schema=schema,
    )


def read_symbol_month(repeats: int = 20) -> dict[str, float]:
    """Read one symbol-month of 1-minute bars from a year written in 100k-row flushes."""
    year = minute_bars_year()
    with tempfile.TemporaryDirectory() as tmp:
        lake = Lake.open(DataSettings(dir=tmp))
        for i in range(0, year.num_rows, 100_000):
            lake.bars.write(year.slice(i, 100_000))
        start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
        times = []
        rows = 0
        for _ in range(repeats):
            t = time.perf_counter()
            rows = lake.bars.read_bars("AAPL", "1 min", "TRADES", start, end).height
            times.append(time.perf_counter() - t)
        files = len(lake.bars.files())
    return {
        "year_rows": year.num_rows,
        "files": files,
        "month_rows": rows,
        "read_ms_median": statistics.median(times) * 1e3,
        "read_ms_max": max(times) * 1e3,
    }


def layout_comparison(rows: int = 1_000_000) -> dict[str, float]:
    """The issue's measurement, scaled: symbol/date partitions at 1k-row vs 100k-row flushes."""
    table = tick_rows(rows, symbols=20)
    out: dict[str, float] = {}
    for flush in (1_000, 100_000):
        with tempfile.TemporaryDirectory() as tmp:
            n_files = 0
            for i in range(0, rows, flush):
                part = table.slice(i, flush)
                for sym in pa.compute.unique(part["symbol"]).to_pylist():
                    sub = part.filter(pa.compute.equal(part["symbol"], sym))
                    folder = Path(tmp) / f"symbol={sym}" / "date=2026-01-02"
                    folder.mkdir(parents=True, exist_ok=True)
                    pq.write_table(sub, folder / f"part-{i}.parquet")
                    n_files += 1
            t = time.perf_counter()
            n = pl.scan_parquet(f"{tmp}/**/*.parquet", hive_partitioning=True).collect().height
            out[f"flush_{flush}_files"] = n_files
            out[f"flush_{flush}_full_read_s"] = time.perf_counter() - t
            assert n == rows
    return out


def pacer_efficiency(requests: int = 600, symbols: int = 20) -> dict[str, float]:
    """Requests granted vs IB's theoretical rate (60 per 10 min), on a fake clock."""
    clock = {"t": 0.0}

    async def sleep(s: float) -> None:
        clock["t"] += s
        await asyncio.sleep(0)

    async def go() -> float:
        pacer = Pacer(PacingSettings(), monotonic=lambda: clock["t"], sleep=sleep)
        last = 0.0
        for i in range(requests):
            req = BarRequest(
                f"S{i % symbols}", "1 min", "TRADES", T0 + timedelta(days=i), "1 D", True
            )
            lease = await pacer.acquire(PacingKey.for_request(req))
            pacer.release(lease)
            last = lease.granted_at
        return last

    elapsed = asyncio.run(go())
    # Theoretical: the first 60 at t=0, then 60 more every 600 s.
    theoretical = (requests // 60 - (1 if requests % 60 == 0 else 0)) * 600.0
    return {"requests": requests, "elapsed_s": elapsed, "efficiency": theoretical / elapsed}


def run(smoke: bool = False) -> list[Figure]:
    """The harness entry point (`make bench`): figures with same-run baselines and goals."""
    sink = sink_vs_raw(rows=200_000 if smoke else 2_000_000)
    read = read_symbol_month(repeats=3 if smoke else 20)
    layout = layout_comparison(rows=100_000 if smoke else 1_000_000)
    pace = pacer_efficiency(requests=120 if smoke else 600)
    return [
        Figure(
            "sink rows/s (atomic, 100k-row files)",
            sink["sink_rows_per_s"],
            "rows/s",
            baseline="raw pyarrow write_table, same rows and files",
            ratio=sink["ratio"],
            goal=">= 1M rows/s and >= 0.5x raw",
            met=sink["sink_rows_per_s"] >= 1e6 and sink["ratio"] >= 0.5,
        ),
        Figure(
            "worst Sink.put while writing",
            sink["worst_put_ms"],
            "ms",
            goal="<= 10 ms",
            met=sink["worst_put_ms"] <= 10,
        ),
        Figure(
            "read one symbol-month of 1-min bars",
            read["read_ms_median"],
            "ms",
            spread=f"max {read['read_ms_max']:.1f}",
            goal="< 100 ms",
            met=read["read_ms_median"] < 100,
        ),
        Figure(
            "full read, 1k-row flushes (symbol/date)",
            layout["flush_1000_full_read_s"],
            "s",
            baseline="100k-row flushes",
            ratio=layout["flush_1000_full_read_s"] / layout["flush_100000_full_read_s"],
        ),
        Figure(
            "pacer: share of IB's theoretical rate",
            pace["efficiency"],
            "x",
            goal=">= 0.9",
            met=pace["efficiency"] >= 0.9,
        ),
    ]


def main() -> None:
    for name, fn in (
        ("sink_vs_raw", sink_vs_raw),
        ("read_symbol_month", read_symbol_month),
        ("layout_comparison", layout_comparison),
        ("pacer_efficiency", pacer_efficiency),
    ):
        figures = fn()
        print(name, {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()})


if __name__ == "__main__":
    main()
