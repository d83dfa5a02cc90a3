"""Signals benchmarks: whole-history generators vs TA-Lib, one live bar, peak memory.

Run `python bench/bench_signals.py [symbols] [bars]`; each function returns its figures so
`make bench` can collect them. Timings never gate CI.
"""

from __future__ import annotations

import json
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

T0 = datetime(2026, 1, 5, tzinfo=UTC)


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
    (9 with ADX when the regime classes are computed too)."""
    settings = SignalSettings()
    ours = talib_s = 0.0
    for i in range(symbols):
        df = make_bars(i, bars)
        t = time.perf_counter()
        _talib_8(df, adx=regime)
        talib_s += time.perf_counter() - t
        t = time.perf_counter()
        score_history(df, settings, regime=regime)
        ours += time.perf_counter() - t
    return {"ours_s": ours, "talib_s": talib_s, "ratio": ours / talib_s}


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
    return {"median_ms": float(np.median(ms)), "p95_ms": float(np.percentile(ms, 95))}


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
