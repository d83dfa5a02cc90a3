"""Signals benchmarks: whole-history generators vs TA-Lib, one live bar, peak memory.

Goals (issue 6): every generator over 100 symbols x 100k bars within 3x of TA-Lib computing
the same 8 series on the same bars (measured in the same run, symbol by symbol, so load on the
shared cores hits both sides alike); one new bar across 500 symbols within 5 ms; peak memory
of the 100 x 100k run within 500 MB.

`run(smoke)` returns the figures for `make bench` (`python -m bench --only signals`); `python
bench/bench_signals.py [symbols] [bars]` prints the raw numbers as JSON. Timings never gate CI.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import numpy as np
import polars as pl
import talib  # the oracle: only tests and benchmarks import it

from apex_tui.domain.quotes import BarRecord
from apex_tui.flags import FlagBoard, FlagsSettings
from apex_tui.signals.batch import score_history
from apex_tui.signals.engine import SignalEngine
from apex_tui.signals.settings import SignalSettings
from bench.harness import Figure

T0 = datetime(2026, 1, 5, tzinfo=UTC)
RATIO_GOAL, LIVE_GOAL_MS, MEMORY_GOAL_MB = 3.0, 5.0, 500.0


def make_bars(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n)))
    return pl.DataFrame(
        {
            "time": np.arange(n, dtype=np.int64),
            "high": close * (1 + np.abs(rng.normal(0, 0.0005, n))),
            "low": close * (1 - np.abs(rng.normal(0, 0.0005, n))),
            "close": close,
            "volume": rng.uniform(100.0, 1000.0, n),
        }
    )


def _talib_8(df: pl.DataFrame, *, adx: bool = False) -> None:
    h, lo, c = (df[k].to_numpy() for k in ("high", "low", "close"))
    talib.EMA(c, 12), talib.EMA(c, 26), talib.ATR(h, lo, c, 14), talib.RSI(c, 14)
    talib.BBANDS(c, 20, 2.0, 2.0), talib.MACD(c, 12, 26, 9), talib.MAX(h, 20), talib.MIN(lo, 20)
    if adx:
        talib.ADX(h, lo, c, 14)


def bench_generators(
    symbols: int = 100, bars: int = 100_000, *, regime: bool = False
) -> dict[str, float]:
    """All generators (+ensemble vote) over every symbol vs TA-Lib's 8 series on the same data
    (9 with ADX when the regime classes are computed too).

    Each symbol is timed on both sides back to back; `ratio` is the total time ratio and
    `ratio_median` / `ratio_low` / `ratio_high` describe the per-symbol ratios.
    """
    settings = SignalSettings()
    score_history(make_bars(10_000, min(bars, 5_000)), settings, regime=regime)  # warm caches
    ours = talib_s = 0.0
    ratios = []
    for i in range(symbols):
        df = make_bars(i, bars)
        t = time.perf_counter()
        _talib_8(df, adx=regime)
        t_talib = time.perf_counter() - t
        t = time.perf_counter()
        score_history(df, settings, regime=regime)
        t_ours = time.perf_counter() - t
        talib_s += t_talib
        ours += t_ours
        ratios.append(t_ours / t_talib)
    return {
        "ours_s": ours,
        "talib_s": talib_s,
        "ratio": ours / talib_s,
        "ratio_median": statistics.median(ratios),
        "ratio_low": min(ratios),
        "ratio_high": max(ratios),
    }


def bench_live_bar(symbols: int = 500, warm: int = 300, samples: int = 200) -> dict[str, float]:
    """Time to advance every symbol by one bar (all generators, regime, ensemble, book)."""
    engine = SignalEngine(
        SignalSettings(max_symbols=symbols), FlagBoard(FlagsSettings(ml_signals=True))
    )
    rng = np.random.default_rng(0)
    price = np.full(symbols, 100.0)
    names = [f"S{i:03d}" for i in range(symbols)]
    times = []
    for step in range(warm + samples):
        price *= np.exp(rng.normal(0, 0.002, symbols))
        now = T0.replace(minute=0)
        batch = [
            BarRecord(n, now, p, p * 1.001, p * 0.999, p, 100.0 + step % 7)
            for n, p in zip(names, price.tolist(), strict=True)
        ]
        t = time.perf_counter()
        engine.on_bars(batch)
        if step >= warm:
            times.append(time.perf_counter() - t)
    ms = np.array(times) * 1000
    return {
        "median_ms": float(np.median(ms)),
        "p95_ms": float(np.percentile(ms, 95)),
        "min_ms": float(ms.min()),
        "max_ms": float(ms.max()),
    }


def _peak_child(code: str) -> float:
    """Peak RSS (MiB) of a fresh interpreter running `code`, as it reports it itself.

    VmHWM is per address space, so unlike ru_maxrss it does not inherit the parent's peak.
    """
    report = (
        "import pathlib; print([ln.split()[1] for ln in pathlib.Path('/proc/self/status')"
        ".read_text().splitlines() if ln.startswith('VmHWM')][0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], check=True, capture_output=True, text=True
    )
    return int(out.stdout.split()[-1]) / 1024  # KiB -> MiB


def bench_memory(symbols: int = 100, bars: int = 100_000) -> dict[str, float]:
    """Peak RSS of a fresh process scoring every symbol, against one that only imports."""
    base = _peak_child("import bench.bench_signals")
    peak = _peak_child(
        f"from bench.bench_signals import bench_generators as b; b({symbols}, {bars})"
    )
    return {"import_only_mb": base, "peak_mb": peak}


def run(smoke: bool = False) -> list[Figure]:
    """For `make bench`; smoke sizes only prove the code runs (a few seconds)."""
    symbols, bars = (3, 5_000) if smoke else (100, 100_000)
    live_symbols, warm, samples = (50, 40, 10) if smoke else (500, 300, 200)
    size = f"{symbols} x {bars // 1000}k bars"
    figures = []
    for regime in (False, True):
        g = bench_generators(symbols, bars, regime=regime)
        what = "all generators + regime" if regime else "all generators"
        series = "9 series (8 + ADX)" if regime else "8 series"
        figures.append(
            Figure(
                f"{what}, {size}",
                g["ours_s"],
                "s",
                spread=f"per-symbol ratio {g['ratio_low']:.2f}..{g['ratio_high']:.2f}x",
                baseline=f"TA-Lib {series} on the same bars: {g['talib_s']:.4g} s",
                ratio=g["ratio"],
                goal="" if regime else f"<= {RATIO_GOAL:g}x",
                met=None if regime else g["ratio"] <= RATIO_GOAL,
            )
        )
    live = bench_live_bar(live_symbols, warm, samples)
    figures.append(
        Figure(
            f"one new bar across {live_symbols} symbols",
            live["median_ms"],
            "ms",
            spread=f"{live['min_ms']:.3g}..{live['max_ms']:.3g} (p95 {live['p95_ms']:.3g})",
            goal=f"<= {LIVE_GOAL_MS:g} ms",
            met=live["median_ms"] <= LIVE_GOAL_MS,
        )
    )
    mem = bench_memory(symbols, bars)
    figures.append(
        Figure(
            f"peak memory, {size}",
            mem["peak_mb"],
            "MiB",
            baseline=f"a process that only imports: {mem['import_only_mb']:.0f} MiB",
            ratio=mem["peak_mb"] / mem["import_only_mb"],
            goal=f"<= {MEMORY_GOAL_MB:g} MB",
            met=mem["peak_mb"] * 1.048576 <= MEMORY_GOAL_MB,  # MiB -> MB
        )
    )
    return figures


def main() -> None:
    symbols = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    bars = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    results = {
        "generators": bench_generators(symbols, bars),
        "generators_with_regime": bench_generators(symbols, bars, regime=True),
        "live_bar_500": bench_live_bar(),
        "memory": bench_memory(symbols, bars),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
