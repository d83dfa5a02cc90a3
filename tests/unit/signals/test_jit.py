"""The numba kernels' own promises: one compile per kernel, exact zeros, no cancellation."""

from __future__ import annotations

import numpy as np
import polars as pl
import talib

from apex_tui.signals import jit
from tests.unit.signals.series import ohlcv

KERNELS = (jit._ema, jit._rsi, jit._atr, jit._adx, jit._macd, jit._sma, jit._bollinger)


def test_writable_and_read_only_inputs_share_one_compiled_kernel() -> None:
    d = ohlcv(n=300)
    writable = d["close"]
    read_only = pl.Series(writable).to_numpy()  # polars hands out read-only views
    assert not read_only.flags.writeable
    strided = np.repeat(writable, 2)[::2]  # not contiguous: copied, same type again
    for x in (writable, read_only, strided):
        jit.ema(x, 12)
        jit.rsi(x, 14)
        jit.atr(x, x, x, 14)
        jit.adx(x, x, x, 14)
        jit.macd(x, 12, 26, 9)
        jit.sma(x, 20)
        jit.bollinger(x, 20, 2.0)
    for kernel in KERNELS:
        assert len(kernel.signatures) == 1, kernel.signatures
    assert writable.flags.writeable  # the caller's array is left as it was


def test_deviation_is_exactly_zero_once_the_window_is_flat() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([100.0 + rng.normal(0.0, 1.0, 500), np.full(300, 101.25)])
    upper, middle, lower = jit.bollinger(x, 20, 2.0)
    flat = slice(500 + 19, None)  # every window from here on holds only 101.25
    assert np.array_equal(upper[flat], middle[flat])
    assert np.array_equal(lower[flat], middle[flat])
    assert (upper[500:519] > middle[500:519]).all()  # windows that still hold movement


def test_deviation_keeps_precision_on_a_high_price_level() -> None:
    """A sum of squares over raw prices would lose ~10 digits at 1e6 with a 1e-3 spread."""
    rng = np.random.default_rng(2)
    x = 1e6 + np.cumsum(rng.normal(0.0, 1e-3, 5000))
    upper, middle, _ = jit.bollinger(x, 20, 1.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, 20)
    exact = windows.std(axis=1)  # two-pass per window
    np.testing.assert_allclose((upper - middle)[19:], exact, rtol=1e-6, atol=0)
    np.testing.assert_array_equal(middle, talib.SMA(x, 20))  # TA-Lib's running total, bit for bit


def test_short_inputs_give_all_nan() -> None:
    x = np.linspace(1.0, 2.0, 5)
    assert np.isnan(jit.ema(x, 12)).all()
    assert np.isnan(jit.adx(x, x, x, 3)).all()  # needs 2n bars
    assert all(np.isnan(part).all() for part in jit.macd(x, 12, 26, 9))
    assert all(np.isnan(part).all() for part in jit.bollinger(x, 20, 2.0))
