"""Synthetic OHLCV series for the signals tests: random walks with flat runs, trends, gaps."""

from __future__ import annotations

import numpy as np
import polars as pl

N = 5000


def ohlcv(seed: int = 7, n: int = N) -> dict[str, np.ndarray]:
    """A random walk around 100 with a 700-bar flat run (high = low = close), a steady uptrend,
    a steady downtrend and a volatile burst, so every guarded branch of TA-Lib is exercised."""
    rng = np.random.default_rng(seed)
    r = rng.normal(0.0, 0.01, n)
    r[1000:1700] = 0.0  # flat: long enough for Wilder averages to decay below 1e-14
    r[2000:2400] = 0.002  # uptrend
    r[2600:2900] = -0.002  # downtrend
    r[3500:3600] *= 5.0  # volatile burst
    close = 100.0 * np.exp(np.cumsum(r))
    high = close * (1.0 + np.abs(rng.normal(0.0, 0.003, n)))
    low = close * (1.0 - np.abs(rng.normal(0.0, 0.003, n)))
    high[1000:1700] = close[1000:1700]
    low[1000:1700] = close[1000:1700]
    volume = rng.uniform(100.0, 1000.0, n)
    return {"high": high, "low": low, "close": close, "volume": volume}


def with_gaps(values: np.ndarray, seed: int = 3, share: float = 0.03) -> np.ndarray:
    """A copy with ~3% of the values (never the first 40) replaced by NaN."""
    rng = np.random.default_rng(seed)
    out = values.copy()
    idx = rng.choice(np.arange(40, len(values)), int(share * len(values)), replace=False)
    out[idx] = np.nan
    return out


def series(values: np.ndarray) -> pl.Series:
    """A polars Series where NaN becomes null (a missing bar)."""
    return pl.Series(values).fill_nan(None)
